import type { RgbImage } from './types';

/** For each destination index along one axis: the source indices and weights that make it. */
interface AxisTaps {
  start: Int32Array; // first tap of dst i in idx/w
  count: Int32Array;
  idx: Int32Array;
  w: Float32Array;
}

/**
 * Shrinking averages the exact source area each destination pixel covers (so thin structures
 * are neither dropped nor fattened); enlarging interpolates bilinearly between pixel centres.
 */
function axisTaps(src: number, dst: number): AxisTaps {
  const idx: number[] = [];
  const w: number[] = [];
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const scale = src / dst;
  for (let d = 0; d < dst; d++) {
    start[d] = idx.length;
    if (scale > 1) {
      const lo = d * scale;
      const hi = lo + scale;
      for (let s = Math.floor(lo); s < Math.min(src, Math.ceil(hi)); s++) {
        const cover = Math.min(hi, s + 1) - Math.max(lo, s);
        if (cover > 1e-9) {
          idx.push(s);
          w.push(cover / scale);
        }
      }
    } else {
      const c = Math.min(Math.max((d + 0.5) * scale - 0.5, 0), src - 1);
      const s0 = Math.floor(c);
      const s1 = Math.min(s0 + 1, src - 1);
      const f = c - s0;
      idx.push(s0);
      w.push(1 - f);
      if (f > 0 && s1 !== s0) {
        idx.push(s1);
        w.push(f);
      }
    }
    count[d] = idx.length - start[d];
  }
  return { start, count, idx: Int32Array.from(idx), w: Float32Array.from(w) };
}

/** Separable resample of `channels`-interleaved data into float values (not rounded). */
export function resampleFloat(src: ArrayLike<number>, srcW: number, srcH: number, dstW: number, dstH: number, channels: number): Float32Array {
  if (srcW <= 0 || srcH <= 0 || dstW <= 0 || dstH <= 0) throw new RangeError(`bad resize ${srcW}x${srcH} -> ${dstW}x${dstH}`);
  if (src.length !== srcW * srcH * channels) throw new RangeError(`expected ${srcW * srcH * channels} values, got ${src.length}`);
  const all = (width: number, height: number): Rect => ({ x: 0, y: 0, width, height });
  return resampleWindow(src, all(srcW, srcH), { srcW, srcH, dstW, dstH }, all(dstW, dstH), channels);
}

/** A rectangle of pixels: its top-left corner and size. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The source pixels [from, to) along one axis that destination pixels [d0, d1) of a src -> dst resample read. */
export function resampleSpan(src: number, dst: number, d0: number, d1: number): [number, number] {
  const t = axisTaps(src, dst);
  let from = src;
  let to = 0;
  for (let d = d0; d < d1; d++) {
    for (let k = t.start[d], e = k + t.count[d]; k < e; k++) {
      from = Math.min(from, t.idx[k]);
      to = Math.max(to, t.idx[k] + 1);
    }
  }
  return [from, to];
}

/**
 * The window `out` of the whole-image resample `whole` (src -> dst size), computed from the
 * source window `win` only: exactly the values `resampleFloat` of the whole image gives there
 * (same taps, same order), so a slide resampled block by block equals the slide resampled at once.
 * `win` must hold every source pixel `out` reads (resampleSpan).
 */
export function resampleWindow(
  src: ArrayLike<number>,
  win: Rect,
  whole: { srcW: number; srcH: number; dstW: number; dstH: number },
  out: Rect,
  channels: number,
): Float32Array {
  const tx = axisTaps(whole.srcW, whole.dstW);
  const ty = axisTaps(whole.srcH, whole.dstH);
  const check = (t: AxisTaps, d0: number, d1: number, lo: number, hi: number, axis: string) => {
    for (let d = d0; d < d1; d++)
      for (let k = t.start[d], e = k + t.count[d]; k < e; k++)
        if (t.idx[k] < lo || t.idx[k] >= hi) throw new RangeError(`resampleWindow: ${axis} source window [${lo}, ${hi}) misses pixel ${t.idx[k]}`);
  };
  check(tx, out.x, out.x + out.width, win.x, win.x + win.width, 'x');
  check(ty, out.y, out.y + out.height, win.y, win.y + win.height, 'y');
  // Vertical pass first: its full-size work is a contiguous multiply-add over whole rows, which
  // is several times faster than gathering taps along a row at full size.
  const srcRow = win.width * channels;
  const tmp = new Float32Array(out.height * srcRow);
  for (let y = 0; y < out.height; y++) {
    const o = y * srcRow;
    const d = out.y + y;
    for (let k = ty.start[d], e = k + ty.count[d]; k < e; k++) {
      const r = (ty.idx[k] - win.y) * srcRow;
      const wk = ty.w[k];
      for (let i = 0; i < srcRow; i++) tmp[o + i] += src[r + i] * wk;
    }
  }
  const result = new Float32Array(out.height * out.width * channels);
  for (let y = 0; y < out.height; y++) {
    const row = y * srcRow;
    for (let x = 0; x < out.width; x++) {
      const o = (y * out.width + x) * channels;
      const d = out.x + x;
      const s = tx.start[d];
      const e = s + tx.count[d];
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = s; k < e; k++) acc += tmp[row + (tx.idx[k] - win.x) * channels + c] * tx.w[k];
        result[o + c] = acc;
      }
    }
  }
  return result;
}

/** Resizes an RGB image (area average when shrinking, bilinear when enlarging). */
export function resizeImage(img: RgbImage, height: number, width: number): RgbImage {
  if (img.width === width && img.height === height) return { width, height, data: img.data.slice() };
  const f = resampleFloat(img.data, img.width, img.height, width, height, 3);
  const data = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) data[i] = Math.round(f[i]); // Uint8Array clamps
  return { width, height, data };
}

/**
 * Resizes a 0|1 mask: area-average then cut at half (>= 0.5), so it stays binary and nuclei keep
 * their area; "anything above zero" would fatten them (see docs/architecture.md).
 */
export function resizeMask(mask: Uint8Array, srcW: number, srcH: number, dstW: number, dstH: number): Uint8Array {
  if (srcW === dstW && srcH === dstH) return mask.slice();
  const f = resampleFloat(mask, srcW, srcH, dstW, dstH, 1);
  const out = new Uint8Array(f.length);
  // Tolerance for float32 rounding of exact halves (e.g. a 2x2 block with two pixels set).
  for (let i = 0; i < f.length; i++) out[i] = f[i] >= 0.5 - 1e-6 ? 1 : 0;
  return out;
}

/** Nearest-neighbour resize of a label image: labels are identities and must never be blended. */
export function resizeLabels(labels: Int32Array, srcW: number, srcH: number, dstW: number, dstH: number): Int32Array {
  if (labels.length !== srcW * srcH) throw new RangeError(`expected ${srcW * srcH} labels, got ${labels.length}`);
  const out = new Int32Array(dstW * dstH);
  const xs = new Int32Array(dstW);
  for (let x = 0; x < dstW; x++) xs[x] = Math.min(srcW - 1, Math.floor(((x + 0.5) * srcW) / dstW));
  for (let y = 0; y < dstH; y++) {
    const sy = Math.min(srcH - 1, Math.floor(((y + 0.5) * srcH) / dstH));
    const row = sy * srcW;
    for (let x = 0; x < dstW; x++) out[y * dstW + x] = labels[row + xs[x]];
  }
  return out;
}
