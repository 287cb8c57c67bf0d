import { shrinkImage, type Rect, type RgbImage } from '@nuclei/data';
import type { SlideSource } from './source';

/** Pixels one read may hold while shrinking (a strip of rows: memory stays bounded for any region). */
const STRIP_PIXELS = 1 << 23;

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
