import * as path from 'path';
import sharp from 'sharp';
import type { Rect } from '@nuclei/data';
import { createZarrArray, writeZarrGroup } from './zarr';

/**
 * A synthetic fluorescence slide of any size, drawn region by region: every pixel is a function of
 * its coordinates alone (nuclei from a hashed grid, hashed noise, no blur), so a region drawn on
 * its own equals the same region of the whole slide. For tests and benchmarks of block-wise
 * segmentation at sizes no image in memory could hold.
 */
export interface SyntheticSlideOptions {
  width: number;
  height: number;
  seed?: number;
  /** Grid spacing of nuclei in px (one nucleus per cell at most). Default 26. */
  spacing?: number;
  /** Extra nuclei centred exactly here (e.g. on block borders and corners). */
  extra?: [number, number][];
}

interface Nucleus {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  cos: number;
  sin: number;
  level: number;
}

function hash(a: number, b: number, c: number): number {
  let h = (Math.imul(a, 73856093) ^ Math.imul(b, 19349663) ^ Math.imul(c, 83492791)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function nucleusAt(cx: number, cy: number, seed: number, k: number): Nucleus {
  const r = 6 + 4 * hash(k, seed, 3);
  const angle = Math.PI * hash(k, seed, 4);
  return { cx, cy, rx: r * (1 + 0.35 * hash(k, seed, 5)), ry: r, cos: Math.cos(angle), sin: Math.sin(angle), level: 140 + 90 * hash(k, seed, 6) };
}

export interface SyntheticSlide {
  width: number;
  height: number;
  /** 8-bit gray values of a region, row-major. */
  render(r: Rect): Uint8Array;
}

export function syntheticSlide(options: SyntheticSlideOptions): SyntheticSlide {
  const { width, height } = options;
  const seed = options.seed ?? 1;
  const spacing = options.spacing ?? 26;
  const extra = (options.extra ?? []).map(([x, y], i) => nucleusAt(x, y, seed, -1 - i));
  const cellNucleus = (gx: number, gy: number): Nucleus | undefined => {
    if (hash(gx, gy, seed) < 0.25) return undefined; // empty cells leave gaps, as in real tissue
    const cx = (gx + 0.2 + 0.6 * hash(gx, gy, seed + 1)) * spacing;
    const cy = (gy + 0.2 + 0.6 * hash(gx, gy, seed + 2)) * spacing;
    return nucleusAt(cx, cy, seed, gx * 100003 + gy);
  };
  const maxR = 10 * 1.35 + 2;
  return {
    width,
    height,
    render(r) {
      const out = new Uint8Array(r.width * r.height);
      const f = new Float32Array(r.width * r.height);
      for (let y = 0; y < r.height; y++) for (let x = 0; x < r.width; x++) f[y * r.width + x] = 18 + 10 * hash(r.x + x, r.y + y, seed + 7);
      const draw = (n: Nucleus) => {
        const x0 = Math.max(r.x, Math.floor(n.cx - maxR));
        const x1 = Math.min(r.x + r.width, Math.ceil(n.cx + maxR));
        const y0 = Math.max(r.y, Math.floor(n.cy - maxR));
        const y1 = Math.min(r.y + r.height, Math.ceil(n.cy + maxR));
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            const dx = x - n.cx;
            const dy = y - n.cy;
            const u = (dx * n.cos + dy * n.sin) / n.rx;
            const v = (-dx * n.sin + dy * n.cos) / n.ry;
            const d = Math.sqrt(u * u + v * v);
            if (d >= 1.15) continue;
            const s = d <= 0.85 ? 1 : (1.15 - d) / 0.3;
            const i = (y - r.y) * r.width + (x - r.x);
            const texture = 0.85 + 0.15 * hash(x, y, seed + 9);
            f[i] = Math.max(f[i], 18 + (n.level - 18) * s * texture);
          }
        }
      };
      const gx0 = Math.floor((r.x - maxR) / spacing) - 1;
      const gx1 = Math.ceil((r.x + r.width + maxR) / spacing) + 1;
      const gy0 = Math.floor((r.y - maxR) / spacing) - 1;
      const gy1 = Math.ceil((r.y + r.height + maxR) / spacing) + 1;
      for (let gy = gy0; gy <= gy1; gy++) {
        for (let gx = gx0; gx <= gx1; gx++) {
          const n = cellNucleus(gx, gy);
          // Nuclei lie inside the slide (cells of the grid that fit), extra ones anywhere.
          if (n && gx >= 0 && gy >= 0 && (gx + 1) * spacing <= width && (gy + 1) * spacing <= height) draw(n);
        }
      }
      for (const n of extra) draw(n);
      for (let i = 0; i < out.length; i++) out[i] = Math.round(f[i]);
      return out;
    },
  };
}

/**
 * Writes a synthetic slide: an OME-Zarr image (a `.zarr` path; written chunk by chunk, so any
 * size fits in memory) or a tiled, deflate-compressed BigTIFF (the pixels pass through memory
 * once: about width x height bytes).
 */
export async function writeSyntheticSlide(file: string, options: SyntheticSlideOptions): Promise<void> {
  const slide = syntheticSlide(options);
  const { width, height } = options;
  if (/\.zarr\/?$/i.test(file)) {
    const chunk = 1024;
    const arr = await createZarrArray(path.join(file, '0'), [height, width], [chunk, chunk], 'uint8');
    for (let cy = 0; cy * chunk < height; cy++)
      for (let cx = 0; cx * chunk < width; cx++) {
        const r = { x: cx * chunk, y: cy * chunk, width: Math.min(chunk, width - cx * chunk), height: Math.min(chunk, height - cy * chunk) };
        const px = slide.render(r);
        const values = new Uint8Array(chunk * chunk);
        for (let y = 0; y < r.height; y++) values.set(px.subarray(y * r.width, (y + 1) * r.width), y * chunk);
        await arr.writeChunk([cy, cx], values);
      }
    await writeZarrGroup(file, {
      multiscales: [
        {
          version: '0.4',
          name: path.basename(file),
          axes: [
            { name: 'y', type: 'space' },
            { name: 'x', type: 'space' },
          ],
          datasets: [{ path: '0', coordinateTransformations: [{ type: 'scale', scale: [1, 1] }] }],
        },
      ],
    });
    return;
  }
  const pixels = Buffer.alloc(width * height);
  const strip = 1024;
  for (let y = 0; y < height; y += strip) {
    const h = Math.min(strip, height - y);
    pixels.set(slide.render({ x: 0, y, width, height: h }), y * width);
  }
  await sharp(pixels, { raw: { width, height, channels: 1 }, limitInputPixels: false })
    .toColourspace('b-w')
    .tiff({ tile: true, tileWidth: 512, tileHeight: 512, compression: 'deflate', bigtiff: width * height > 2 ** 31 })
    .toFile(file);
}
