import { fillHoles, splitInstances } from './instances';
import { drawEllipse, toMask } from './test-utils/shapes';

describe('splitInstances', () => {
  const W = 64;
  const H = 32;
  const truth = new Int32Array(W * H);
  drawEllipse(truth, W, 12, 16, 9, 9, 1);
  drawEllipse(truth, W, 28, 16, 9, 9, 2); // touches the first
  drawEllipse(truth, W, 55, 5, 1.2, 1.2, 3); // a 4-pixel speck
  const mask = toMask(truth);

  it('splits touching nuclei with watershed (default) but not with components', () => {
    expect(splitInstances(mask, W, H).count).toBe(3);
    expect(splitInstances(mask, W, H, { split: 'components' }).count).toBe(2);
  });

  it('drops objects below minArea, renumbers, and reports areas', () => {
    const r = splitInstances(mask, W, H, { split: 'components', minArea: 10 });
    expect(r.count).toBe(1);
    expect(r.areas).toHaveLength(1);
    expect(r.areas[0]).toBe(mask.reduce((s, v) => s + v, 0) - 4);
    expect(Math.max(...r.labels)).toBe(1);
    const speck = splitInstances(mask, W, H, { split: 'components' });
    expect(speck.areas).toEqual([4, r.areas[0]]); // raster order: the speck (top right) comes first
  });

  it('rejects an unknown split method', () => {
    expect(() => splitInstances(mask, W, H, { split: 'magic' as never })).toThrow(/unknown split method "magic"/);
  });
});

describe('fillHoles', () => {
  it('fills background enclosed by one nucleus, not gaps between two nuclei nor regions at the border', () => {
    // 1 has a hole of 3 px and 3 one of 1 px; the gap between 2 and 3 touches both; the one between 3 and 4 too;
    // the column of background left of 2 runs to the border.
    const rows = ['11111.22.33', '1...1.2.3.3', '11111.22.33', '.......4.4.', '.......444.'];
    const w = rows[0].length;
    const labels = Int32Array.from(rows.join('').split(''), (c) => (c === '.' ? 0 : Number(c)));
    const filled = fillHoles(labels, w, rows.length);
    expect(filled).toBe(4);
    const out = Array.from({ length: rows.length }, (_, y) => Array.from(labels.slice(y * w, (y + 1) * w), (v) => (v ? String(v) : '.')).join(''));
    expect(out).toEqual(['11111.22.33', '11111.2.333', '11111.22.33', '.......4.4.', '.......444.']);
  });
});
