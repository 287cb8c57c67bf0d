import type { Rect, RgbImage } from '@nuclei/data';
import type { SlideSource } from './source';

/** Pixels one read may hold while shrinking (a strip of rows: memory stays bounded for any region). */
const STRIP_PIXELS = 1 << 23;

/**
 * An image shrunk by an integer `step`: each output pixel the mean of its step x step box (the
 * last row and column of boxes may be cut short by the image's edge), both the 8-bit view and the
 * original samples.
 */
export function shrinkImage(image: RgbImage, step: number): RgbImage {
  if (step === 1) return image;
  const { width, height } = image;
  const w = Math.ceil(width / step);
  const h = Math.ceil(height / step);
  const src = image.source;
  const sc = src?.channels ?? 0;
  const sums = new Float64Array(w * h * 3);
  const srcSums = src ? new Float64Array(w * h * sc) : undefined;
  // The box of each column, once (a division per pixel costs more than the sums).
  const boxOf = new Int32Array(width);
  for (let x = 0; x < width; x++) boxOf[x] = Math.floor(x / step);
  const d = image.data;
  for (let y = 0; y < height; y++) {
    const oy = Math.floor(y / step) * w;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const o = 3 * (oy + boxOf[x]);
      const i = 3 * (row + x);
      sums[o] += d[i];
      sums[o + 1] += d[i + 1];
      sums[o + 2] += d[i + 2];
    }
    if (srcSums) for (let x = 0; x < width; x++) for (let c = 0; c < sc; c++) srcSums[(oy + boxOf[x]) * sc + c] += src!.data[(row + x) * sc + c];
  }
  const data = new Uint8Array(w * h * 3);
  const values = srcSums ? new Float32Array(w * h * sc) : undefined;
  for (let oy = 0; oy < h; oy++) {
    const bh = Math.min(step, height - oy * step);
    for (let ox = 0; ox < w; ox++) {
      const n = bh * Math.min(step, width - ox * step);
      const o = oy * w + ox;
      for (let c = 0; c < 3; c++) data[3 * o + c] = Math.round(sums[3 * o + c] / n);
      if (values) for (let c = 0; c < sc; c++) values[o * sc + c] = srcSums![o * sc + c] / n;
    }
  }
  return { width: w, height: h, data, ...(src ? { source: { channels: sc, data: values!, depth: src.depth } } : {}) };
}

/**
 * A region of a slide shrunk by `step`: by the source itself when it can (libvips), else read in
 * strips of whole boxes so no read holds more than about `maxPixels`.
 */
export async function readShrunk(source: SlideSource, r: Rect, step: number, maxPixels = STRIP_PIXELS): Promise<RgbImage> {
  if (step === 1) return source.readRegion(r);
  if (source.readShrunk) return source.readShrunk(r, step);
  const rows = Math.max(step, Math.floor(maxPixels / r.width / step) * step);
  const parts: RgbImage[] = [];
  for (let y = 0; y < r.height; y += rows) {
    const part = await source.readRegion({ x: r.x, y: r.y + y, width: r.width, height: Math.min(rows, r.height - y) });
    parts.push(shrinkImage(part, step));
  }
  if (parts.length === 1) return parts[0];
  const w = parts[0].width;
  const h = parts.reduce((a, p) => a + p.height, 0);
  const data = new Uint8Array(w * h * 3);
  const sc = parts[0].source?.channels ?? 0;
  const values = sc ? new Float32Array(w * h * sc) : undefined;
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at * w * 3);
    if (values) values.set(p.source!.data, at * w * sc);
    at += p.height;
  }
  return { width: w, height: h, data, ...(values ? { source: { channels: sc, data: values, depth: parts[0].source!.depth } } : {}) };
}
