// Rasterising the editor's strokes, outlines and cut lines into box-sized masks. Browser-safe (type
// imports only): the viewer bundles this through label-edit.ts. Work is bounded by the box, never by
// the image or by how far outside it a point lies.
import type { Box, Point } from './label-edit';

/** A mask (1 = covered) over `box`, row-major `(x1 - x0) * (y1 - y0)`. */
export interface BoxMask {
  box: Box;
  mask: Uint8Array;
}

/** The first integer i with centre i + 0.5 >= lo, and one past the last with i + 0.5 <= hi. */
const centresFrom = (lo: number): number => Math.ceil(lo - 0.5);
const centresTo = (hi: number): number => Math.floor(hi - 0.5) + 1;

/** [minX, minY, maxX, maxY] by a loop (a spread of a long freehand stroke can exceed the argument limit). */
function bounds(points: Point[]): [number, number, number, number] {
  let [x0, y0] = points[0];
  let [x1, y1] = points[0];
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return [x0, y0, x1, y1];
}

const clipBox = (x0: number, y0: number, x1: number, y1: number, width: number, height: number): Box | undefined => {
  const b = { x0: Math.max(0, x0), y0: Math.max(0, y0), x1: Math.min(width, x1), y1: Math.min(height, y1) };
  return b.x0 < b.x1 && b.y0 < b.y1 ? b : undefined;
};

/**
 * A disk brush of `radius` along the polyline (one point = a dab): the pixels whose centre lies
 * within `radius` of a segment, clipped to the image. Undefined when that is no pixel.
 */
export function strokeMask(points: Point[], radius: number, width: number, height: number): BoxMask | undefined {
  const [minX, minY, maxX, maxY] = bounds(points);
  const box = clipBox(centresFrom(minX - radius), centresFrom(minY - radius), centresTo(maxX + radius), centresTo(maxY + radius), width, height);
  if (!box) return undefined;
  const bw = box.x1 - box.x0;
  const mask = new Uint8Array(bw * (box.y1 - box.y0));
  const r2 = radius * radius;
  let any = false;
  for (let s = 0; s < Math.max(1, points.length - 1); s++) {
    const [ax, ay] = points[s];
    const [bx, by] = points[Math.min(s + 1, points.length - 1)];
    // Only this segment's own box: a long stroke costs its pixels, not segments x box.
    const x0 = Math.max(box.x0, centresFrom(Math.min(ax, bx) - radius));
    const x1 = Math.min(box.x1, centresTo(Math.max(ax, bx) + radius));
    const y0 = Math.max(box.y0, centresFrom(Math.min(ay, by) - radius));
    const y1 = Math.min(box.y1, centresTo(Math.max(ay, by) + radius));
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    for (let y = y0; y < y1; y++) {
      const cy = y + 0.5;
      for (let x = x0; x < x1; x++) {
        const cx = x + 0.5;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((cx - ax) * dx + (cy - ay) * dy) / len2));
        const ex = cx - (ax + t * dx);
        const ey = cy - (ay + t * dy);
        if (ex * ex + ey * ey <= r2) {
          mask[(y - box.y0) * bw + (x - box.x0)] = 1;
          any = true;
        }
      }
    }
  }
  return any ? { box, mask } : undefined;
}

/**
 * A closed polygon filled by the even-odd rule on pixel centres, clipped to the image (a centre
 * exactly on a left edge is inside, on a right edge outside). Undefined when that is no pixel.
 */
export function polygonMask(polygon: Point[], width: number, height: number): BoxMask | undefined {
  const [minX, minY, maxX, maxY] = bounds(polygon);
  // Inside is half-open ([left, right) crossings, edges spanning [low, high) rows): a centre at the maximum is out.
  const box = clipBox(centresFrom(minX), centresFrom(minY), Math.ceil(maxX - 0.5), Math.ceil(maxY - 0.5), width, height);
  if (!box) return undefined;
  const bw = box.x1 - box.x0;
  const mask = new Uint8Array(bw * (box.y1 - box.y0));
  const n = polygon.length;
  const cross: number[] = [];
  let any = false;
  for (let y = box.y0; y < box.y1; y++) {
    const cy = y + 0.5;
    cross.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const [ax, ay] = polygon[j];
      const [bx, by] = polygon[i];
      if (ay > cy !== by > cy) cross.push(ax + ((cy - ay) * (bx - ax)) / (by - ay));
    }
    cross.sort((a, b) => a - b);
    const row = (y - box.y0) * bw - box.x0;
    for (let k = 0; k + 1 < cross.length; k += 2) {
      // Centres x + 0.5 in [cross[k], cross[k + 1]).
      const from = Math.max(box.x0, Math.ceil(cross[k] - 0.5));
      const to = Math.min(box.x1, Math.ceil(cross[k + 1] - 0.5));
      for (let x = from; x < to; x++) mask[row + x] = 1;
      if (from < to) any = true;
    }
  }
  return any ? { box, mask } : undefined;
}

/** The part of segment a-b inside [0, w] x [0, h] (Liang-Barsky), or undefined. */
function clipSegment(ax: number, ay: number, bx: number, by: number, w: number, h: number): [number, number, number, number] | undefined {
  let t0 = 0;
  let t1 = 1;
  const dx = bx - ax;
  const dy = by - ay;
  const edges: [number, number][] = [
    [-dx, ax],
    [dx, w - ax],
    [-dy, ay],
    [dy, h - ay],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return undefined;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
    }
  }
  return t0 <= t1 ? [ax + t0 * dx, ay + t0 * dy, ax + t1 * dx, ay + t1 * dy] : undefined;
}

/**
 * Marks (sets to 1) in a w x h grid every pixel a polyline passes through, given in grid
 * coordinates. The walk steps one axis at a time, so the cut is 4-connected: neither a 4- nor an
 * 8-connected path crosses it. Only the part of the line over the grid is walked.
 */
export function markLine(line: Point[], w: number, h: number, out: Uint8Array): void {
  const cell = (v: number, n: number) => Math.min(n - 1, Math.max(0, Math.floor(v)));
  for (let s = 0; s + 1 < line.length; s++) {
    const seg = clipSegment(line[s][0], line[s][1], line[s + 1][0], line[s + 1][1], w, h);
    if (!seg) continue;
    const [sx, sy, ex, ey] = seg;
    let x = cell(sx, w);
    let y = cell(sy, h);
    const endX = cell(ex, w);
    const endY = cell(ey, h);
    const dx = ex - sx;
    const dy = ey - sy;
    const stepX = endX > x ? 1 : -1;
    const stepY = endY > y ? 1 : -1;
    // Amanatides-Woo: the line parameter at which the next vertical / horizontal pixel edge is crossed.
    const tDeltaX = dx === 0 ? Infinity : 1 / Math.abs(dx);
    const tDeltaY = dy === 0 ? Infinity : 1 / Math.abs(dy);
    let tMaxX = dx === 0 ? Infinity : (stepX > 0 ? x + 1 - sx : sx - x) * tDeltaX;
    let tMaxY = dy === 0 ? Infinity : (stepY > 0 ? y + 1 - sy : sy - y) * tDeltaY;
    out[y * w + x] = 1;
    // Exactly |dx| + |dy| pixel steps; the axis is forced once the other one has arrived, so
    // rounding can never walk past the end pixel.
    for (let steps = Math.abs(endX - x) + Math.abs(endY - y); steps > 0; steps--) {
      if (y === endY || (x !== endX && tMaxX <= tMaxY)) {
        x += stepX;
        tMaxX += tDeltaX;
      } else {
        y += stepY;
        tMaxY += tDeltaY;
      }
      out[y * w + x] = 1;
    }
  }
}
