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
  const tx = axisTaps(srcW, dstW);
  const ty = axisTaps(srcH, dstH);
  // Vertical pass first: its full-size work is a contiguous multiply-add over whole rows, which
  // is several times faster than gathering taps along a row at full size.
  const srcRow = srcW * channels;
  const tmp = new Float32Array(dstH * srcRow);
  for (let y = 0; y < dstH; y++) {
    const o = y * srcRow;
    for (let k = ty.start[y], e = k + ty.count[y]; k < e; k++) {
      const r = ty.idx[k] * srcRow;
      const wk = ty.w[k];
      for (let i = 0; i < srcRow; i++) tmp[o + i] += src[r + i] * wk;
    }
  }
  const out = new Float32Array(dstH * dstW * channels);
  for (let y = 0; y < dstH; y++) {
    const row = y * srcRow;
    for (let x = 0; x < dstW; x++) {
      const o = (y * dstW + x) * channels;
      const s = tx.start[x];
      const e = s + tx.count[x];
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = s; k < e; k++) acc += tmp[row + tx.idx[k] * channels + c] * tx.w[k];
        out[o + c] = acc;
      }
    }
  }
  return out;
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
