import { masksToLabels, mergeMasks } from './masks';

const W = 4;
const H = 3;
const a = Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
const b = Uint8Array.from([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0]);
const c = Uint8Array.from([0, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]); // overlaps a at index 1; non-binary values

describe('mergeMasks', () => {
  it('is the pixel-wise union, binary', () => {
    const u = mergeMasks([a, b, c], W, H);
    for (let i = 0; i < W * H; i++) expect(u[i]).toBe(a[i] || b[i] || c[i] ? 1 : 0);
  });
  it('of nothing is empty', () => {
    expect(Array.from(mergeMasks([], W, H))).toEqual(new Array(W * H).fill(0));
  });
  it('rejects a mask of the wrong size', () => {
    expect(() => mergeMasks([a, new Uint8Array(5)], W, H)).toThrow(/mask 1/);
  });
});

describe('masksToLabels', () => {
  it('numbers masks 1..n and keeps the earlier mask where they overlap', () => {
    const labels = masksToLabels([a, b, c], W, H);
    for (let i = 0; i < W * H; i++) {
      const expected = a[i] ? 1 : b[i] ? 2 : c[i] ? 3 : 0;
      expect(labels[i]).toBe(expected);
    }
    expect(labels).toBeInstanceOf(Int32Array);
    expect(new Set(labels)).toEqual(new Set([0, 1, 2, 3]));
  });
});
