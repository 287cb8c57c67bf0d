import { findRoot, labelComponents } from './connected-components';
import { distanceTransform } from './distance-transform';

export interface WatershedOptions {
  /**
   * h-maxima rule: a peak of the smoothed distance map starts its own nucleus only if it stands
   * at least `h` px above the saddle where it meets a higher peak. Default 2.
   */
  h?: number;
  /** Peaks closer than this (px) never make two nuclei. Default 4. */
  minDistance?: number;
  /** Gaussian sigma (px) smoothing the distance map, to drop pixel-staircase bumps. Default 1. */
  sigma?: number;
}

export const DEFAULT_WATERSHED: Required<WatershedOptions> = { h: 2, minDistance: 4, sigma: 1 };

/** Separable Gaussian blur with edge replication. */
export function gaussianBlur(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  if (sigma <= 0) return src.slice();
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let a = 0;
      for (let i = -r; i <= r; i++) a += k[i + r] * src[row + Math.min(w - 1, Math.max(0, x + i))];
      tmp[row + x] = a;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let a = 0;
      for (let i = -r; i <= r; i++) a += k[i + r] * tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x];
      out[y * w + x] = a;
    }
  }
  return out;
}

/**
 * Splits one connected blob (`inside` != 0 in a w x h crop) into basins of the smoothed distance
 * map and returns per-pixel basin ids (-1 outside). Pixels are flooded from the highest distance
 * down (a bucket queue), joining basins with union-find; when two basins meet, the lower peak
 * survives as its own nucleus only if it passes the h and min-distance rules (the "elder rule" of
 * h-maxima), else it is absorbed. This is a marker watershed whose markers are the h-maxima,
 * computed in the same single pass.
 */
function floodBasins(inside: Uint8Array, dist: Float32Array, w: number, h: number, opt: Required<WatershedOptions>): Int32Array {
  const n = w * h;
  const smooth = gaussianBlur(dist, w, h, opt.sigma);
  // Bucket sort inside pixels by descending smoothed distance (1/16 px resolution).
  const q = new Int32Array(n);
  let maxQ = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!inside[i]) continue;
    count++;
    const v = Math.max(0, Math.min(1e6, Math.round(smooth[i] * 16)));
    q[i] = v;
    if (v > maxQ) maxQ = v;
  }
  const start = new Int32Array(maxQ + 2);
  for (let i = 0; i < n; i++) if (inside[i]) start[maxQ - q[i] + 1]++;
  for (let b = 1; b < start.length; b++) start[b] += start[b - 1];
  const order = new Int32Array(count);
  for (let i = 0; i < n; i++) if (inside[i]) order[start[maxQ - q[i]]++] = i;

  const parent = new Int32Array(n).fill(-1);
  const find = (a: number): number => findRoot(parent, a);
  const minD2 = opt.minDistance * opt.minDistance;
  const roots: number[] = [];
  for (let o = 0; o < count; o++) {
    const p = order[o];
    const px = p % w;
    const py = (p - px) / w;
    roots.length = 0;
    let steepest = -1; // neighbour with the highest distance: the flood arrives from there
    for (let dy = -1; dy <= 1; dy++) {
      const y = py + dy;
      if (y < 0 || y >= h) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const x = px + dx;
        if ((dx === 0 && dy === 0) || x < 0 || x >= w) continue;
        const nb = y * w + x;
        if (parent[nb] < 0) continue;
        if (steepest < 0 || smooth[nb] > smooth[steepest]) steepest = nb;
        const r = find(nb);
        if (!roots.includes(r)) roots.push(r);
      }
    }
    if (roots.length === 0) {
      parent[p] = p; // a new peak: the root pixel is the peak itself
      continue;
    }
    // The root of a basin is its peak pixel, so peak heights and positions come for free.
    let top = roots[0];
    for (const r of roots) if (smooth[r] > smooth[top]) top = r;
    const level = smooth[p];
    for (const r of roots) {
      if (r === top) continue;
      const rx = r % w;
      const tx = top % w;
      const ddx = rx - tx;
      const ddy = (r - rx) / w - (top - tx) / w;
      if (smooth[r] - level < opt.h || ddx * ddx + ddy * ddy < minD2) parent[r] = top;
    }
    // Join the basin uphill of p (not simply the highest peak), so the cut follows the saddle.
    parent[p] = find(steepest);
  }
  const basin = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) if (inside[i]) basin[i] = find(i);
  return basin;
}

/**
 * Instance labels from a binary mask, separating touching nuclei: each 8-connected blob is cut
 * out with a 1-px margin, its exact Euclidean distance map computed, and split by floodBasins.
 * Working per blob keeps memory proportional to the largest nucleus, not the image.
 */
export function watershedSplit(mask: Uint8Array, width: number, height: number, options: WatershedOptions = {}): { labels: Int32Array; count: number } {
  const opt = { ...DEFAULT_WATERSHED, ...options };
  if (!(opt.h > 0)) throw new RangeError(`watershed h must be > 0, got ${opt.h}`);
  const cc = labelComponents(mask, width, height, 8);
  const k = cc.count;
  const x0 = new Int32Array(k + 1).fill(width);
  const y0 = new Int32Array(k + 1).fill(height);
  const x1 = new Int32Array(k + 1).fill(-1);
  const y1 = new Int32Array(k + 1).fill(-1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const l = cc.labels[y * width + x];
      if (l === 0) continue;
      if (x < x0[l]) x0[l] = x;
      if (x > x1[l]) x1[l] = x;
      if (y < y0[l]) y0[l] = y;
      if (y > y1[l]) y1[l] = y;
    }
  }
  const out = new Int32Array(width * height);
  let next = 0;
  for (let l = 1; l <= k; l++) {
    // Crop with a 1-px margin: margin pixels inside the image are true background; those outside
    // the image are marked foreground for the distance map so the border is not an edge.
    const cx = x0[l] - 1;
    const cy = y0[l] - 1;
    const cw = x1[l] - x0[l] + 3;
    const ch = y1[l] - y0[l] + 3;
    const fg = new Uint8Array(cw * ch);
    const inside = new Uint8Array(cw * ch);
    for (let yy = 0; yy < ch; yy++) {
      const y = cy + yy;
      for (let xx = 0; xx < cw; xx++) {
        const x = cx + xx;
        const j = yy * cw + xx;
        if (x < 0 || y < 0 || x >= width || y >= height) fg[j] = 1;
        else if (cc.labels[y * width + x] === l) fg[j] = inside[j] = 1;
      }
    }
    const basin = floodBasins(inside, distanceTransform(fg, cw, ch), cw, ch, opt);
    // Number basins in raster order of first appearance.
    const ids = new Map<number, number>();
    for (let yy = 0; yy < ch; yy++) {
      for (let xx = 0; xx < cw; xx++) {
        const b = basin[yy * cw + xx];
        if (b < 0) continue;
        let id = ids.get(b);
        if (id === undefined) ids.set(b, (id = ++next));
        out[(cy + yy) * width + cx + xx] = id;
      }
    }
  }
  return { labels: out, count: next };
}
