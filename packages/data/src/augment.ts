import { resampleFloat } from './resize';

export interface AugmentOptions {
  flips?: boolean;
  rotations?: boolean;
  crop?: boolean;
}

/** Copies a `c`-channel square image through a pixel map: dst(x, y) = src(map(x, y)). */
function remap(src: Uint8Array, size: number, c: number, map: (x: number, y: number) => number): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const s = map(x, y) * c;
      const d = (y * size + x) * c;
      for (let k = 0; k < c; k++) out[d + k] = src[s + k];
    }
  return out;
}

function cropRegion(src: Uint8Array, size: number, c: number, x0: number, y0: number, side: number): Uint8Array {
  const out = new Uint8Array(side * side * c);
  for (let y = 0; y < side; y++) out.set(src.subarray(((y0 + y) * size + x0) * c, ((y0 + y) * size + x0 + side) * c), y * side * c);
  return out;
}

/**
 * Random flips, 90-degree rotations and (half the time) a random square crop of 60-100% of the
 * side scaled back to `size`. The image and the mask go through the same geometry, so they stay
 * aligned; the crop's mask is area-resampled and cut at half like every mask shrink/enlarge.
 * Inputs are square `size*size*3` and `size*size`; they are not modified.
 */
export function augmentSample(
  image: Uint8Array,
  mask: Uint8Array,
  size: number,
  rng: () => number,
  opts: AugmentOptions = {},
): { image: Uint8Array; mask: Uint8Array } {
  const { flips = true, rotations = true, crop = true } = opts;
  if (image.length !== size * size * 3 || mask.length !== size * size) throw new RangeError(`augmentSample expects a ${size}x${size} image and mask`);
  let img = image;
  let m = mask;
  if (crop && rng() < 0.5) {
    const side = Math.max(2, Math.min(size, Math.round(size * (0.6 + 0.4 * rng()))));
    const x0 = Math.floor(rng() * (size - side + 1));
    const y0 = Math.floor(rng() * (size - side + 1));
    if (side < size) {
      const fi = resampleFloat(cropRegion(img, size, 3, x0, y0, side), side, side, size, size, 3);
      const fm = resampleFloat(cropRegion(m, size, 1, x0, y0, side), side, side, size, size, 1);
      img = new Uint8Array(fi.length);
      for (let i = 0; i < fi.length; i++) img[i] = Math.round(fi[i]);
      m = new Uint8Array(fm.length);
      for (let i = 0; i < fm.length; i++) m[i] = fm[i] >= 0.5 - 1e-6 ? 1 : 0;
    }
  }
  const flipX = flips && rng() < 0.5;
  const flipY = flips && rng() < 0.5;
  const quarterTurns = rotations ? Math.floor(rng() * 4) : 0;
  if (flipX || flipY || quarterTurns) {
    const last = size - 1;
    const map = (x: number, y: number): number => {
      // Undo the rotation, then the flips, to find where the output pixel came from.
      let sx = x;
      let sy = y;
      for (let r = 0; r < quarterTurns; r++) [sx, sy] = [sy, last - sx];
      if (flipX) sx = last - sx;
      if (flipY) sy = last - sy;
      return sy * size + sx;
    };
    img = remap(img, size, 3, map);
    m = remap(m, size, 1, map);
  }
  return { image: img === image ? image.slice() : img, mask: m === mask ? mask.slice() : m };
}
