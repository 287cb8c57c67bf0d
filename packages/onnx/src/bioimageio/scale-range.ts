/**
 * bioimage.io's `scale_range` as its reference implementation computes it: per channel, over the
 * image's y and x, percentiles with linear interpolation (NumPy's default), then
 * (x - lo) / (hi - lo + eps). Test outputs are made with exactly this, so a validator reproduces them.
 * `chw` is [channels, height*width] float32; returns the same layout.
 */
export function scaleRange(chw: Float32Array, channels: number, low: number, high: number, eps = 1e-6): Float32Array {
  const plane = chw.length / channels;
  const out = new Float32Array(chw.length);
  for (let c = 0; c < channels; c++) {
    const values = chw.slice(c * plane, (c + 1) * plane).sort();
    const lo = percentile(values, low);
    const hi = percentile(values, high);
    for (let i = 0; i < plane; i++) out[c * plane + i] = (chw[c * plane + i] - lo) / (hi - lo + eps);
  }
  return out;
}

/** NumPy's default ('linear') percentile of sorted values. */
export function percentile(sorted: Float32Array, q: number): number {
  const rank = (q / 100) * (sorted.length - 1);
  const i = Math.floor(rank);
  const j = Math.min(i + 1, sorted.length - 1);
  return sorted[i] + (rank - i) * (sorted[j] - sorted[i]);
}
