import { randomBytes } from 'crypto';
import { mkdir, open, rename, rm } from 'fs/promises';
import { join } from 'path';
import sharp from 'sharp';
import { createRng } from './random';
import type { RgbImage } from './types';

/** Gray bright-on-dark fluorescence, purple-on-pink stain, or gray dark-on-light bright-field. */
export type SyntheticStyle = 'fluorescent' | 'stained' | 'brightfield';

export const SYNTHETIC_STYLES: readonly SyntheticStyle[] = ['fluorescent', 'stained', 'brightfield'];

export interface SyntheticSampleOptions {
  width: number;
  height: number;
  seed: number;
  /** Default: picked from the seed. */
  style?: SyntheticStyle;
}

function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

interface Ellipse {
  cx: number;
  cy: number;
  a: number;
  b: number;
  theta: number;
}

/** Normalised elliptical distance squared (<= 1 inside). */
function ellipseD2(e: Ellipse, x: number, y: number): number {
  const dx = x + 0.5 - e.cx;
  const dy = y + 0.5 - e.cy;
  const c = Math.cos(e.theta);
  const s = Math.sin(e.theta);
  const u = (dx * c + dy * s) / e.a;
  const v = (-dx * s + dy * c) / e.b;
  return u * u + v * v;
}

function boxBlur(f: Float32Array, w: number, h: number): Float32Array {
  const tmp = new Float32Array(f.length);
  const out = new Float32Array(f.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const l = x > 0 ? x - 1 : x;
      const r = x < w - 1 ? x + 1 : x;
      tmp[y * w + x] = (f[y * w + l] + f[y * w + x] + f[y * w + r]) / 3;
    }
  for (let y = 0; y < h; y++) {
    const u = y > 0 ? y - 1 : y;
    const d = y < h - 1 ? y + 1 : y;
    for (let x = 0; x < w; x++) out[y * w + x] = (tmp[u * w + x] + tmp[y * w + x] + tmp[d * w + x]) / 3;
  }
  return out;
}

/**
 * A synthetic microscopy image with its per-nucleus masks: elliptical nuclei of varied size and
 * orientation, some in touching pairs (the hard case for instance splitting), blurred and noisy,
 * as gray fluorescence (bright on dark), stained (dark purple on light pink) or bright-field (gray,
 * dark nuclei with a faint light halo on a light, uneven background). Masks never overlap.
 * Deterministic for a seed.
 */
export function generateSyntheticSample(options: SyntheticSampleOptions): { image: RgbImage; masks: Uint8Array[] } {
  const { width: w, height: h, seed } = options;
  if (!(w >= 8 && h >= 8)) throw new RangeError(`synthetic image must be at least 8x8, got ${w}x${h}`);
  const rng = createRng(seed);
  const style: SyntheticStyle = options.style ?? SYNTHETIC_STYLES[Math.floor(rng() * SYNTHETIC_STYLES.length)];
  const labels = new Int32Array(w * h);
  const intensity = new Float32Array(w * h);
  const masks: Uint8Array[] = [];
  const minSide = Math.min(w, h);
  const rMin = Math.max(2.5, minSide / 40);
  const rMax = Math.max(rMin + 1, minSide / 14);
  const target = Math.max(3, Math.round(((w * h) / 3200) * (0.6 + 0.8 * rng())));

  // Places an ellipse; `partner` is the label it may touch (its pixels are left to it).
  const place = (e: Ellipse, partner: number): boolean => {
    const r = Math.max(e.a, e.b) + 2;
    const x0 = Math.max(0, Math.floor(e.cx - r));
    const x1 = Math.min(w - 1, Math.ceil(e.cx + r));
    const y0 = Math.max(0, Math.floor(e.cy - r));
    const y1 = Math.min(h - 1, Math.ceil(e.cy + r));
    const margin: Ellipse = { ...e, a: e.a + 1.5, b: e.b + 1.5 };
    const pixels: number[] = [];
    for (let y = y0; y <= y1; y++)
      for (let x = x0; x <= x1; x++) {
        const i = y * w + x;
        const other = labels[i];
        if (other !== 0 && other !== partner && ellipseD2(margin, x, y) <= 1) return false;
        if (other === 0 && ellipseD2(e, x, y) <= 1) pixels.push(i);
      }
    if (pixels.length < 8) return false;
    const label = masks.length + 1;
    const mask = new Uint8Array(w * h);
    const brightness = 0.65 + 0.35 * rng();
    for (const i of pixels) {
      labels[i] = label;
      mask[i] = 1;
      const d2 = ellipseD2(e, i % w, Math.floor(i / w));
      intensity[i] = brightness * (1 - 0.3 * d2) * (0.9 + 0.1 * rng()); // brighter centre, some texture
    }
    masks.push(mask);
    return true;
  };

  const randomEllipse = (): Ellipse => {
    const a = rMin + (rMax - rMin) * rng();
    return { cx: w * rng(), cy: h * rng(), a, b: a * (0.55 + 0.45 * rng()), theta: Math.PI * rng() };
  };

  for (let attempt = 0; attempt < target * 30 && masks.length < target; attempt++) {
    const e = randomEllipse();
    if (!place(e, 0)) continue;
    if (rng() < 0.3 && masks.length < target) {
      // A touching pair: the partner's geometry overlaps a little, and the overlap stays with the first.
      const phi = 2 * Math.PI * rng();
      const p = randomEllipse();
      const dist = 0.85 * ((e.a + e.b) / 2 + (p.a + p.b) / 2);
      p.cx = e.cx + Math.cos(phi) * dist;
      p.cy = e.cy + Math.sin(phi) * dist;
      place(p, masks.length);
    }
  }

  const f = boxBlur(boxBlur(intensity, w, h), w, h);
  const data = new Uint8Array(w * h * 3);
  if (style === 'fluorescent') {
    const bg = 8 + 20 * rng();
    const gain = 140 + 90 * rng();
    for (let i = 0; i < w * h; i++) {
      const v = bg + gain * f[i] + 4 * gaussian(rng);
      data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = Math.max(0, Math.min(255, Math.round(v)));
    }
  } else if (style === 'brightfield') {
    const bg = 170 + 50 * rng();
    const depth = 70 + 50 * rng();
    const halo = boxBlur(boxBlur(f, w, h), w, h);
    for (let i = 0; i < w * h; i++) {
      const x = i % w;
      const y = Math.floor(i / w);
      const shade = 12 * Math.sin((x / w) * 3 + (y / h) * 2); // uneven illumination
      const ring = Math.max(0, halo[i] - f[i]) * 60;
      const v = bg + shade + ring - depth * f[i] + 4 * gaussian(rng);
      data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = Math.max(0, Math.min(255, Math.round(v)));
    }
  } else {
    const bgc = [220 + 20 * rng(), 205 + 20 * rng(), 220 + 20 * rng()];
    const nuc = [80 + 30 * rng(), 40 + 25 * rng(), 110 + 30 * rng()];
    for (let i = 0; i < w * h; i++) {
      const t = Math.min(1, f[i] * 1.2);
      for (let c = 0; c < 3; c++) data[3 * i + c] = Math.max(0, Math.min(255, Math.round(bgc[c] * (1 - t) + nuc[c] * t + 5 * gaussian(rng))));
    }
  }
  return { image: { width: w, height: h, data }, masks };
}

/**
 * Writes one sample in the DSB layout: `<dir>/<id>/images/<id>.png`, `<dir>/<id>/masks/<n>.png`.
 * Whole or not at all: the files go to a hidden temp folder beside it (ignored by the loader),
 * fsynced, then renamed to `<id>`, so a kill or a full disk never leaves a truncated PNG or an
 * empty `masks/` that would read as "no nuclei". A failure removes the temp folder and names the sample.
 */
export async function writeSample(dir: string, id: string, image: RgbImage, masks: Uint8Array[]): Promise<void> {
  const target = join(dir, id);
  const tmp = join(dir, `.${id}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(join(tmp, 'images'), { recursive: true });
    await mkdir(join(tmp, 'masks'));
    const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
      raw: { width: image.width, height: image.height, channels: 3 },
    })
      .png()
      .toBuffer();
    await writeSynced(join(tmp, 'images', `${id}.png`), png);
    await Promise.all(
      masks.map(async (m, k) => {
        const bytes = Buffer.alloc(m.length);
        for (let i = 0; i < m.length; i++) bytes[i] = m[i] ? 255 : 0;
        // 'b-w' keeps it an 8-bit gray PNG like DSB masks (sharp would otherwise write RGB).
        const mask = await sharp(bytes, { raw: { width: image.width, height: image.height, channels: 1 } })
          .toColourspace('b-w')
          .png()
          .toBuffer();
        await writeSynced(join(tmp, 'masks', `mask_${String(k).padStart(3, '0')}.png`), mask);
      }),
    );
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    const err = e as NodeJS.ErrnoException;
    throw Object.assign(new Error(`${target}: could not write the sample (${err.code ?? err.message}); nothing of it was left`), {
      code: err.code,
      path: target,
    });
  }
}

async function writeSynced(file: string, data: Uint8Array): Promise<void> {
  const fh = await open(file, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes a small synthetic dataset in the DSB layout (used by tests and the demo). Styles
 * take turns so all three appear even in tiny sets. Returns the sample ids.
 */
export async function generateSyntheticDataset(
  outDir: string,
  options: { count?: number; width?: number; height?: number; seed?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<string[]> {
  const { count = 8, width = 256, height = 256, seed = 1, onProgress } = options;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `synthetic_${String(i).padStart(3, '0')}`;
    const sample = generateSyntheticSample({ width, height, seed: seed * 100003 + i, style: SYNTHETIC_STYLES[i % SYNTHETIC_STYLES.length] });
    await writeSample(outDir, id, sample.image, sample.masks);
    ids.push(id);
    onProgress?.(i + 1, count);
  }
  return ids;
}
