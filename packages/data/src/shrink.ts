// Shrinking by a whole step as box means (each output pixel the mean of its step x step box; the
// boxes at the right and bottom edges are cut short by the image): slide overviews and tiles, and
// the viewer's display copy of a large image.
import type { RgbImage } from './types';

/**
 * `values` (`channels` interleaved, width x height) shrunk by `step`; `round`: whole numbers (for
 * 8-bit views). Sums one output row at a time, so the working memory is one row of boxes.
 */
export function shrinkSamples(
  values: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  step: number,
  round: boolean,
): Float32Array | Uint8Array {
  const w = Math.ceil(width / step);
  const h = Math.ceil(height / step);
  const out = round ? new Uint8Array(w * h * channels) : new Float32Array(w * h * channels);
  const sums = new Float64Array(w * channels);
  // The box of each column, once (a division per pixel costs more than the sums).
  const boxOf = new Int32Array(width);
  for (let x = 0; x < width; x++) boxOf[x] = Math.floor(x / step) * channels;
  for (let by = 0; by < h; by++) {
    sums.fill(0);
    const y1 = Math.min(height, (by + 1) * step);
    for (let y = by * step; y < y1; y++) {
      let j = y * width * channels;
      if (channels === 1) for (let x = 0; x < width; x++) sums[boxOf[x]] += values[j++];
      else if (channels === 3)
        for (let x = 0; x < width; x++, j += 3) {
          const o = boxOf[x];
          sums[o] += values[j];
          sums[o + 1] += values[j + 1];
          sums[o + 2] += values[j + 2];
        }
      else for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) sums[boxOf[x] + c] += values[j++];
    }
    const rows = y1 - by * step;
    for (let bx = 0; bx < w; bx++) {
      const area = rows * (Math.min(width, (bx + 1) * step) - bx * step);
      for (let c = 0; c < channels; c++) {
        const v = sums[bx * channels + c] / area;
        out[(by * w + bx) * channels + c] = round ? Math.round(v) : v;
      }
    }
  }
  return out;
}

/** An image shrunk by `step` as box means: the 8-bit view and the original samples alike. */
export function shrinkImage(image: RgbImage, step: number): RgbImage {
  if (step === 1) return image;
  const { width, height } = image;
  const src = image.source;
  return {
    width: Math.ceil(width / step),
    height: Math.ceil(height / step),
    data: shrinkSamples(image.data, width, height, 3, step, true) as Uint8Array,
    ...(src
      ? { source: { channels: src.channels, data: shrinkSamples(src.data, width, height, src.channels, step, false) as Float32Array, depth: src.depth } }
      : {}),
  };
}
