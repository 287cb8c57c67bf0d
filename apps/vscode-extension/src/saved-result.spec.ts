import { labelImageProblem, settingsFrom } from './saved-result';

const W = 64;
const H = 48;

/** Labels with `n` separate 5x5 squares, ids from `id(k)`. */
function squares(n: number, id: (k: number) => number): Int32Array {
  const labels = new Int32Array(W * H);
  for (let k = 0; k < n; k++) {
    const x0 = (k % 8) * 8 + 1;
    const y0 = Math.floor(k / 8) * 8 + 1;
    for (let y = y0; y < y0 + 5; y++) for (let x = x0; x < x0 + 5; x++) labels[y * W + x] = id(k);
  }
  return labels;
}

describe('labelImageProblem', () => {
  it('accepts a label image, with no nuclei, touching nuclei, or a nucleus in two pieces after corrections', () => {
    expect(
      labelImageProblem(
        squares(40, (k) => k + 1),
        W,
        H,
        40,
      ),
    ).toBeUndefined();
    expect(labelImageProblem(new Int32Array(W * H), W, H, 0)).toBeUndefined();
    const touching = new Int32Array(W * H);
    for (let i = 0; i < touching.length; i++) touching[i] = i % W < W / 2 ? 1 : 2;
    expect(labelImageProblem(touching, W, H, 2)).toBeUndefined();
    const split = squares(40, (k) => (k === 39 ? 1 : k + 1));
    expect(labelImageProblem(split, W, H, 39)).toBeUndefined();
  });

  it('refuses a binary mask (one value for many nuclei) and a picture (values scattered)', () => {
    expect(
      labelImageProblem(
        squares(40, () => 1),
        W,
        H,
        1,
      ),
    ).toMatch(/^not a label image .*binary mask/);
    const noise = new Int32Array(W * H);
    let seed = 7;
    for (let i = 0; i < noise.length; i++) noise[i] = 1 + ((seed = (seed * 1103515245 + 12345) >>> 0) % 200);
    expect(labelImageProblem(noise, W, H, 200)).toMatch(/^not a label image .*200 values are scattered/);
  });
});

describe('settingsFrom', () => {
  it("takes the summary's settings, and says nothing it does not know", () => {
    expect(settingsFrom({ image: null, width: 1, height: 1, count: 0, mode: 'resize', threshold: 0.3, tiles: 4, split: 'components' })).toEqual({
      mode: 'resize',
      threshold: 0.3,
      tiles: 4,
      split: 'components',
    });
    expect(settingsFrom(undefined)).toEqual({ mode: 'tile', tiles: 0, threshold: 0.5, split: 'watershed' });
  });
});
