import { percentileLevels, stretchLevels } from '../src/webview-ui/contrast';

/** RGBA pixels of the given gray values. */
const gray = (values: number[]) => Uint8ClampedArray.from(values.flatMap((v) => [v, v, v, 255]));

describe('display contrast', () => {
  it('finds the levels at the percentiles of brightness', () => {
    // 1000 pixels 10..19 (100 each): the 0.5th percentile is 10, the 99.5th is 19.
    const px = gray(Array.from({ length: 1000 }, (_, i) => 10 + Math.floor(i / 100)));
    expect(percentileLevels(px)).toEqual([10, 19]);
    expect(percentileLevels(px, 10, 90)).toEqual([10, 18]);
    // A flat image gets a one-level window instead of dividing by zero.
    expect(percentileLevels(gray([7, 7, 7, 7]))).toEqual([6, 8]);
  });

  it('stretches the levels to black and white, clamping beyond them, keeping alpha', () => {
    const src = Uint8ClampedArray.from([10, 20, 30, 128, 0, 255, 15, 77]);
    const out = new Uint8ClampedArray(src.length);
    stretchLevels(src, 10, 30, out);
    expect(Array.from(out)).toEqual([0, 128, 255, 128, 0, 255, 64, 77]);
  });
});
