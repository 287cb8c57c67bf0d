import { labelComponents } from './connected-components';

/** Parse a picture: '#' foreground, '.' background, one string per row. */
function pic(rows: string[]): { mask: Uint8Array; w: number; h: number } {
  const h = rows.length;
  const w = rows[0].length;
  const mask = new Uint8Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * w + x] = c === '#' ? 1 : 0)));
  return { mask, w, h };
}

describe('labelComponents', () => {
  it('joins diagonal neighbours with 8-connectivity but not with 4', () => {
    const { mask, w, h } = pic(['#..', '.#.', '..#']);
    expect(labelComponents(mask, w, h).count).toBe(1);
    const four = labelComponents(mask, w, h, 4);
    expect(four.count).toBe(3);
    expect(Array.from(four.labels)).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 3]);
  });

  it('merges a U shape whose arms get different provisional labels', () => {
    const { mask, w, h } = pic(['#.#.#', '#.#.#', '###.#']);
    const r = labelComponents(mask, w, h, 4);
    expect(r.count).toBe(2);
    expect(Array.from(r.labels)).toEqual([1, 0, 1, 0, 2, 1, 0, 1, 0, 2, 1, 1, 1, 0, 2]);
  });

  it('labels a spiral-like staircase that needs chained unions', () => {
    // Each step starts a new provisional label that only meets the others on the last row.
    const { mask, w, h } = pic(['#.#.#.#', '#.#.#.#', '#######']);
    expect(labelComponents(mask, w, h, 4).count).toBe(1);
  });

  it('handles empty, full and zero-sized masks', () => {
    expect(labelComponents(new Uint8Array(6), 3, 2).count).toBe(0);
    const full = labelComponents(new Uint8Array(6).fill(1), 3, 2);
    expect(full.count).toBe(1);
    expect(Array.from(full.labels)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(labelComponents(new Uint8Array(0), 0, 0).count).toBe(0);
  });

  it('grows its union-find table past the initial size (checkerboard, 4-connectivity)', () => {
    const w = 100;
    const h = 100;
    const mask = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) mask[y * w + x] = (x + y) % 2 === 0 ? 1 : 0;
    expect(labelComponents(mask, w, h, 4).count).toBe(5000);
    expect(labelComponents(mask, w, h, 8).count).toBe(1);
  });

  it('rejects a mask that does not match the size', () => {
    expect(() => labelComponents(new Uint8Array(5), 3, 2)).toThrow(/expected 3x2=6/);
  });
});
