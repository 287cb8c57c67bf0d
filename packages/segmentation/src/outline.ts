/**
 * The outer outline of a label as a polygon on pixel corners (the corner (x, y) is the top-left
 * of pixel (x, y)), traced clockwise along pixel edges with 8-connectivity. Holes are ignored; a
 * polygon's area equals the label's pixel count when it has none. Starts at the top-left pixel of
 * the label that `start` (a pixel index) belongs to; parts of the label not connected to it are not
 * traced. Only direction changes are kept as vertices.
 */
export function traceOutline(labels: Int32Array, width: number, height: number, start: number): [number, number][] {
  const l = labels[start];
  if (!l) throw new RangeError('traceOutline: the start pixel is background');
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] === l;
  // Walk up and left from start to a pixel whose top edge is a boundary: the topmost pixel of its column run.
  let sx = start % width;
  let sy = Math.floor(start / width);
  while (inside(sx, sy - 1)) sy--;
  // Directions clockwise (y down): east, south, west, north. The region is on the right of each step.
  const DX = [1, 0, -1, 0];
  const DY = [0, 1, 0, -1];
  // Pixel (top-left corner) right / left of the edge from corner (x, y) in direction d.
  const rightPixel = (x: number, y: number, d: number): [number, number] =>
    [
      [x, y],
      [x - 1, y],
      [x - 1, y - 1],
      [x, y - 1],
    ][d] as [number, number];
  const leftPixel = (x: number, y: number, d: number): [number, number] =>
    [
      [x, y - 1],
      [x, y],
      [x - 1, y],
      [x - 1, y - 1],
    ][d] as [number, number];
  const isBoundary = (x: number, y: number, d: number) => inside(...rightPixel(x, y, d)) && !inside(...leftPixel(x, y, d));
  let x = sx;
  let y = sy;
  let d = 0; // the top edge of (sx, sy), heading east
  const points: [number, number][] = [];
  const limit = 4 * (width + 1) * (height + 1);
  for (let steps = 0; steps < limit; steps++) {
    // Prefer a left turn (8-connectivity: diagonal neighbours stay one outline), then straight, right, back.
    let next = -1;
    for (const turn of [3, 0, 1, 2]) {
      const nd = (d + turn) % 4;
      if (isBoundary(x, y, nd)) {
        next = nd;
        break;
      }
    }
    if (next < 0) throw new Error('traceOutline: lost the boundary');
    if (steps === 0 || next !== d) points.push([x, y]);
    d = next;
    x += DX[d];
    y += DY[d];
    if (x === sx && y === sy) {
      // Back at the start corner: done once the next move would repeat the first one.
      if (isBoundary(x, y, 0) && !isBoundary(x, y, 3)) break;
    }
  }
  // The start corner was pushed first; drop a duplicate of it at the end.
  const last = points[points.length - 1];
  if (points.length > 1 && last[0] === points[0][0] && last[1] === points[0][1]) points.pop();
  return points;
}

/** Shoelace area of a polygon (absolute). */
export function polygonArea(points: [number, number][]): number {
  let s = 0;
  for (let i = 0; i < points.length; i++) {
    const [x1, y1] = points[i];
    const [x2, y2] = points[(i + 1) % points.length];
    s += x1 * y2 - x2 * y1;
  }
  return Math.abs(s) / 2;
}
