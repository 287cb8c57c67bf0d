import { filterLabels } from './filters';

describe('filterLabels (Analyze Particles: size and exclude on edges)', () => {
  // 6 x 4: nucleus 1 touches the left edge (2 px), 2 is inside (4 px), 3 inside (1 px).
  const w = 6;
  const h = 4;
  const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 0, 2, 2, 0, 0, 1, 0, 2, 2, 3, 0, 0, 0, 0, 0, 0, 0]);

  it('keeps what passes, renumbered in order, and counts what each filter removed', () => {
    expect(filterLabels(labels, w, h, 3, {})).toMatchObject({ count: 3, kept: [1, 2, 3], removed: { small: 0, large: 0, edge: 0 } });
    const edge = filterLabels(labels, w, h, 3, { excludeEdges: true });
    expect(edge).toMatchObject({ count: 2, kept: [2, 3], areas: [4, 1], removed: { edge: 1 } });
    expect(Array.from(edge.labels)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0, 0, 0, 0]);
    // Limits are inclusive, as ImageJ's size range.
    expect(filterLabels(labels, w, h, 3, { minArea: 2, maxArea: 2 })).toMatchObject({ kept: [1], removed: { small: 1, large: 1, edge: 0 } });
    expect(filterLabels(labels, w, h, 3, { minArea: 2, excludeEdges: true })).toMatchObject({ kept: [2], removed: { small: 1, edge: 1 } });
  });
});
