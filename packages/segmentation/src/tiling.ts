/**
 * Start offsets of tiles of size `tile` covering [0, length) with at least `overlap` px shared
 * between neighbours. Offsets are spread evenly (first at 0, last flush with the end), so the
 * overlaps are all about equal instead of one thin sliver at the end.
 */
export function tilePositions(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const step = Math.max(1, tile - overlap);
  const n = Math.ceil((length - tile) / step) + 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.round((i * (length - tile)) / (n - 1)));
  return out;
}

/**
 * 1-D blending weights of a tile: a raised-cosine ramp over `ramp` px at each end, 1 in between.
 * U-Net predictions are worst near tile edges (little context), so overlaps favour the tile whose
 * centre is nearer. Never exactly 0: pixels covered by a single tile (image borders) still count.
 */
export function blendWindow(tile: number, ramp: number): Float32Array {
  const w = new Float32Array(tile);
  for (let i = 0; i < tile; i++) {
    const edge = Math.min(i, tile - 1 - i) + 0.5; // distance from the nearer end, in px
    w[i] = ramp <= 0 || edge >= ramp ? 1 : Math.max(1e-3, 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp));
  }
  return w;
}

/** Mirror index into [0, n) without repeating the edge pixel (like numpy's 'reflect'). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}
