// Display contrast for the viewer: a linear stretch of the 8-bit view between two levels, by
// default the 0.5th and 99.5th percentiles of its brightness (as ImageJ's Auto and napari's
// contrast limits do). It changes what is shown only, never what is segmented or measured.

/** The brightness levels at percentiles `lo` and `hi` (0..100) of an RGBA buffer's pixels (mean of R, G, B). */
export function percentileLevels(rgba: Uint8ClampedArray, lo = 0.5, hi = 99.5): [number, number] {
  const hist = new Float64Array(256);
  const n = rgba.length >> 2;
  for (let i = 0; i < n; i++) hist[Math.round((rgba[4 * i] + rgba[4 * i + 1] + rgba[4 * i + 2]) / 3)]++;
  const at = (p: number) => {
    const target = (p / 100) * n;
    let seen = 0;
    for (let v = 0; v < 256; v++) {
      seen += hist[v];
      if (seen >= target && seen > 0) return v;
    }
    return 255;
  };
  const a = at(lo);
  const b = at(hi);
  return b > a ? [a, b] : [Math.max(0, a - 1), Math.min(255, a + 1)];
}

/** `src` stretched so `low` shows as black and `high` as white, into `out` (same length; alpha kept). */
export function stretchLevels(src: Uint8ClampedArray, low: number, high: number, out: Uint8ClampedArray): void {
  const lut = new Uint8ClampedArray(256);
  const span = Math.max(1, high - low);
  for (let v = 0; v < 256; v++) lut[v] = ((v - low) * 255) / span;
  for (let i = 0; i < src.length; i += 4) {
    out[i] = lut[src[i]];
    out[i + 1] = lut[src[i + 1]];
    out[i + 2] = lut[src[i + 2]];
    out[i + 3] = src[i + 3];
  }
}
