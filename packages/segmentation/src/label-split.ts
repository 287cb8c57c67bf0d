// Splitting one nucleus of a label image into pieces, by a cut line or by seed points, with a seeded
// watershed on the mask probability (flat without one: the seeds' geodesic Voronoi cells). Works on the nucleus' box
// plus a 1 px ring only. Browser-safe: imports only import-free files of this package.
import { labelComponents } from './connected-components';
import { distanceTransform } from './distance-transform';
import type { Box, Point } from './label-edit';
import { markLine } from './label-edit-raster';
import { seededWatershed } from './seeded-watershed';

export interface SplitSource {
  labels: Int32Array;
  width: number;
  height: number;
  /** Mask probability 0..255 per image pixel. */
  probability?: Uint8Array;
}

/**
 * The pieces `label` (whose tight box is `box`) splits into: per pixel of `box`, 0 = not the label,
 * 1 = the piece that keeps the label, 2..count = new nuclei, in a fixed order. Every pixel of the
 * label is in exactly one 4-connected piece; parts of the label no seed can reach (separate
 * fragments, slivers entirely under the line) become pieces of their own. Undefined when the split
 * does not apply: a line that cuts no pixel of the label or leaves it in one piece, fewer than two
 * distinct seed pixels on the label. `line` is used when both are given.
 */
export function splitPieces(src: SplitSource, label: number, box: Box, line?: Point[], seeds?: Point[]): { pieces: Int32Array; count: number } | undefined {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  // Grid = box + 1 px ring: the ring is never inside, so it is background for the distance and
  // the flood needs no bounds checks.
  const w = bw + 2;
  const h = bh + 2;
  const ox = box.x0 - 1;
  const oy = box.y0 - 1;
  const inside = new Uint8Array(w * h);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) if (src.labels[(box.y0 + y) * src.width + box.x0 + x] === label) inside[(y + 1) * w + x + 1] = 1;
  }

  const grown = line ? fromLine(src, inside, w, h, ox, oy, line) : seeds ? fromSeeds(src, inside, w, h, ox, oy, seeds) : undefined;
  if (!grown) return undefined;
  const piece = grown.pieces;
  let count = grown.count;

  // Unreached parts of the label: each 4-connected part is a piece of its own, so none is lost.
  const left = new Uint8Array(w * h);
  let anyLeft = false;
  for (let i = 0; i < w * h; i++) {
    if (inside[i] && piece[i] === 0) {
      left[i] = 1;
      anyLeft = true;
    }
  }
  if (anyLeft) {
    const parts = labelComponents(left, w, h, 4);
    for (let i = 0; i < w * h; i++) if (parts.labels[i]) piece[i] = count + parts.labels[i];
    count += parts.count;
  }

  const pieces = new Int32Array(bw * bh);
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) pieces[y * bw + x] = piece[(y + 1) * w + x + 1];
  return { pieces, count };
}

/**
 * Flood elevations over the grid: 255 - probability when there is a map (flat without), then a
 * tie rule. Line splits (whole pieces, only the cut pixels to share): minus the depth (distance to
 * the background). Seed splits: flat, so pixels of equal elevation go to the seed that reaches them
 * first (the queue is first in, first out) and a nucleus split by two clicks is cut half-way
 * between them; by depth, the first seed's flood would pour through the nucleus' deep middle and
 * leave the other a sliver (the probability is near 1 all over a nucleus, so it ties there too).
 */
function elevations(src: SplitSource, inside: Uint8Array, w: number, h: number, ox: number, oy: number, tie: 'depth' | 'flat'): [Float32Array, Float32Array] {
  const secondary = new Float32Array(w * h);
  if (tie === 'depth') {
    const depth = distanceTransform(inside, w, h);
    for (let i = 0; i < w * h; i++) secondary[i] = -depth[i];
  }
  if (!src.probability) return [secondary, secondary];
  const primary = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) if (inside[y * w + x]) primary[y * w + x] = 255 - src.probability[(oy + y) * src.width + ox + x];
  }
  return [primary, secondary];
}

/**
 * Line split: the line's pixels are taken out and each 4-connected part left is a seed, whole; the
 * flood gives each cut pixel to the side it is lowest from, so the pieces meet on the line. The
 * largest part keeps the label; the others follow in raster order of their first pixel.
 */
function fromLine(src: SplitSource, inside: Uint8Array, w: number, h: number, ox: number, oy: number, line: Point[]) {
  const n = w * h;
  const rest = new Uint8Array(n);
  markLine(
    line.map(([x, y]) => [x - ox, y - oy]),
    w,
    h,
    rest,
  );
  let cut = false;
  for (let i = 0; i < n; i++) {
    if (rest[i] && inside[i]) cut = true;
    rest[i] = inside[i] && !rest[i] ? 1 : 0;
  }
  if (!cut) return undefined;
  const parts = labelComponents(rest, w, h, 4);
  if (parts.count < 2) return undefined;
  const size = new Int32Array(parts.count + 1);
  for (let i = 0; i < n; i++) size[parts.labels[i]]++;
  let keep = 1;
  for (let c = 2; c <= parts.count; c++) if (size[c] > size[keep]) keep = c;
  // Piece numbers: the keeper 1, then the other parts in order.
  const rank = new Int32Array(parts.count + 1);
  for (let c = 1, next = 2; c <= parts.count; c++) rank[c] = c === keep ? 1 : next++;
  const markers = new Int32Array(n);
  for (let i = 0; i < n; i++) markers[i] = rank[parts.labels[i]];
  const [primary, secondary] = elevations(src, inside, w, h, ox, oy, 'depth');
  return { pieces: seededWatershed(inside, w, h, markers, primary, secondary), count: parts.count };
}

/** Seed split: the distinct seed pixels on the label, in the order given; the first keeps the label. */
function fromSeeds(src: SplitSource, inside: Uint8Array, w: number, h: number, ox: number, oy: number, seeds: Point[]) {
  const markers = new Int32Array(w * h);
  let count = 0;
  for (const [sx, sy] of seeds) {
    const x = Math.floor(sx) - ox;
    const y = Math.floor(sy) - oy;
    if (x < 0 || y < 0 || x >= w || y >= h) continue;
    const i = y * w + x;
    if (inside[i] && !markers[i]) markers[i] = ++count;
  }
  if (count < 2) return undefined;
  const [primary, secondary] = elevations(src, inside, w, h, ox, oy, 'flat');
  return { pieces: seededWatershed(inside, w, h, markers, primary, secondary), count };
}
