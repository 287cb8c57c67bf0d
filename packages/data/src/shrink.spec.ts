import { shrinkImage, shrinkSamples } from './shrink';

describe('shrinking by box means', () => {
  it('averages each box, edge boxes cut short, rounded for 8-bit and exact for samples', () => {
    // 5 x 3, one channel, step 2: boxes of 4, 2 (right column), 2 (bottom row) and 1 pixel.
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
    expect(Array.from(shrinkSamples(v, 5, 3, 1, 2, false))).toEqual([4, 6, 7.5, 11.5, 13.5, 15]);
    expect(Array.from(shrinkSamples(v, 5, 3, 1, 2, true))).toEqual([4, 6, 8, 12, 14, 15]);
  });

  it('shrinks the 8-bit view and the original samples of an image alike', () => {
    const data = Uint8Array.from({ length: 4 * 2 * 3 }, (_, i) => i);
    const source = { channels: 1, data: Float32Array.from([0, 10, 20, 30, 40, 50, 60, 70]), depth: 'ushort' };
    const small = shrinkImage({ width: 4, height: 2, data, source }, 2);
    expect([small.width, small.height]).toEqual([2, 1]);
    // Pixels 0, 1, 4, 5: red 0, 3, 12, 15 -> 7.5 -> 8.
    expect(Array.from(small.data)).toEqual([8, 9, 10, 14, 15, 16]);
    expect(Array.from(small.source!.data)).toEqual([25, 45]);
  });
});
