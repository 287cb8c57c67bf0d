import { augmentSample } from './augment';
import { createRng } from './random';

const S = 16;

/** Red and green encode the pixel's original (x, y), blue encodes the mask. */
function encoded(seed: number): { image: Uint8Array; mask: Uint8Array } {
  const rng = createRng(seed);
  const mask = Uint8Array.from({ length: S * S }, () => (rng() < 0.4 ? 1 : 0));
  const image = new Uint8Array(S * S * 3);
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      const i = y * S + x;
      image.set([x * 16, y * 16, mask[i] * 255], 3 * i);
    }
  return { image, mask };
}

describe('augmentSample', () => {
  it('flips and rotations move image and mask together, as one of the 8 square symmetries', () => {
    const { image, mask } = encoded(1);
    const imageCopy = image.slice();
    const rng = createRng(2);
    const seen = new Set<string>();
    for (let n = 0; n < 60; n++) {
      const out = augmentSample(image, mask, S, rng, { crop: false });
      const origin: Array<[number, number]> = [];
      let misaligned = 0;
      for (let i = 0; i < S * S; i++) {
        const [r, g, b] = [out.image[3 * i], out.image[3 * i + 1], out.image[3 * i + 2]];
        if (out.mask[i] !== (b === 255 ? 1 : 0)) misaligned++; // mask follows the image
        if (mask[(g / 16) * S + r / 16] !== out.mask[i]) misaligned++; // and is the source pixel's mask
        origin.push([r / 16, g / 16]);
      }
      expect(misaligned).toBe(0);
      // A rigid symmetry: every source pixel used once, neighbours stay neighbours.
      expect(new Set(origin.map(([x, y]) => y * S + x)).size).toBe(S * S);
      const [x0, y0] = origin[0];
      const [x1, y1] = origin[1];
      expect(Math.abs(x1 - x0) + Math.abs(y1 - y0)).toBe(1);
      seen.add(origin.slice(0, 2).join(';'));
    }
    expect(seen.size).toBe(8);
    expect(Buffer.from(image).equals(Buffer.from(imageCopy))).toBe(true); // input untouched
  });

  it('with no options enabled it returns copies of the input', () => {
    const { image, mask } = encoded(3);
    const out = augmentSample(image, mask, S, createRng(1), { flips: false, rotations: false, crop: false });
    expect(out.image).not.toBe(image);
    expect(Array.from(out.image)).toEqual(Array.from(image));
    expect(Array.from(out.mask)).toEqual(Array.from(mask));
  });

  it('random crops zoom in and keep the mask aligned with the image', () => {
    const { image, mask } = encoded(4);
    const rng = createRng(5);
    let cropped = 0;
    for (let n = 0; n < 30; n++) {
      const out = augmentSample(image, mask, S, rng, { flips: false, rotations: false, crop: true });
      expect(out.mask.every((v) => v === 0 || v === 1)).toBe(true);
      // Zoomed in: the red channel (x position) spans less than the full width.
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < S * S; i++) {
        lo = Math.min(lo, out.image[3 * i]);
        hi = Math.max(hi, out.image[3 * i]);
      }
      if (hi - lo < (S - 1) * 16) cropped++;
      let agree = 0;
      for (let i = 0; i < S * S; i++) agree += out.mask[i] === (out.image[3 * i + 2] >= 128 ? 1 : 0) ? 1 : 0;
      // Exact except where the interpolated mask sits at exactly one half (rounding of the image).
      expect(agree / (S * S)).toBeGreaterThan(0.97);
    }
    expect(cropped).toBeGreaterThan(5);
    expect(cropped).toBeLessThan(30);
  });

  it('is reproducible for the same rng seed', () => {
    const { image, mask } = encoded(6);
    const a = augmentSample(image, mask, S, createRng(9));
    const b = augmentSample(image, mask, S, createRng(9));
    expect(Array.from(a.image)).toEqual(Array.from(b.image));
    expect(Array.from(a.mask)).toEqual(Array.from(b.mask));
  });
});
