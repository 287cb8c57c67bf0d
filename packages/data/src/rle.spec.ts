import { createRng } from './random';
import { rleDecode, rleEncode } from './rle';

describe('rleEncode / rleDecode', () => {
  it('matches a hand-checked case (column-major, 1-based)', () => {
    // 3 wide, 2 high:      pixel numbers (column-major, 1-based):
    //   1 0 1                1 3 5
    //   1 0 1                2 4 6
    const mask = Uint8Array.from([1, 0, 1, 1, 0, 1]);
    expect(rleEncode(mask, 3, 2)).toBe('1 2 5 2');
    // A run that continues from the bottom of one column into the top of the next.
    const diag = Uint8Array.from([0, 1, 0, 1, 0, 0]); // pixels 2 (x0,y1) and 3 (x1,y0)
    expect(rleEncode(diag, 3, 2)).toBe('2 2');
    expect(Array.from(rleDecode('2 2', 3, 2))).toEqual(Array.from(diag));
  });

  it('encodes an empty mask as "" and a full one as one run', () => {
    expect(rleEncode(new Uint8Array(12), 4, 3)).toBe('');
    expect(rleEncode(new Uint8Array(12).fill(1), 4, 3)).toBe('1 12');
    expect(rleDecode('', 4, 3).every((v) => v === 0)).toBe(true);
  });

  it('round-trips random masks of odd shapes', () => {
    const rng = createRng(5);
    for (const [w, h] of [
      [1, 1],
      [7, 3],
      [3, 7],
      [31, 17],
    ]) {
      const mask = Uint8Array.from({ length: w * h }, () => (rng() < 0.4 ? 1 : 0));
      const rle = rleEncode(mask, w, h);
      expect(Array.from(rleDecode(rle, w, h))).toEqual(Array.from(mask));
      // Pairs are well-formed: starts increase and runs do not touch.
      const nums = rle ? rle.split(' ').map(Number) : [];
      for (let k = 2; k < nums.length; k += 2) expect(nums[k]).toBeGreaterThan(nums[k - 2] + nums[k - 1]);
    }
  });

  it('rejects malformed or out-of-range input', () => {
    expect(() => rleDecode('1 2 3', 2, 2)).toThrow(/malformed/);
    expect(() => rleDecode('4 2', 2, 2)).toThrow(/outside/);
    expect(() => rleDecode('a b', 2, 2)).toThrow(/malformed/);
  });
});
