import type { RgbImage } from '@nuclei/data';
import { labelStats } from './label-stats';

/**
 * Per-nucleus measurements with scikit-image's `regionprops` definitions. Coordinates follow
 * scikit-image: the centre of pixel (x, y) is at (x, y); ImageJ puts it at (x + 0.5, y + 0.5), so
 * ImageJ's centroids are these plus 0.5. Lengths are in pixels (or microns with `pixelSize`).
 */
export interface NucleusMeasurements {
  label: number;
  area: number;
  perimeter: number;
  centroidX: number;
  centroidY: number;
  bboxX: number;
  bboxY: number;
  bboxWidth: number;
  bboxHeight: number;
  equivalentDiameter: number;
  majorAxisLength: number;
  minorAxisLength: number;
  eccentricity: number;
  /** Angle (radians) between the image's row axis (y) and the major axis, in (-pi/2, pi/2], as scikit-image. */
  orientation: number;
  solidity: number;
  /** Per input channel: mean, min, max and integrated (sum) intensity on the original values. */
  intensity: { mean: number; min: number; max: number; integrated: number }[];
}

/** Perimeter weights of scikit-image's `perimeter(neighborhood=4)`, indexed by the convolution code. */
const PERIMETER_WEIGHTS = (() => {
  const w = new Float64Array(50);
  for (const i of [5, 7, 15, 17, 25, 27]) w[i] = 1;
  for (const i of [21, 33]) w[i] = Math.SQRT2;
  for (const i of [13, 23]) w[i] = (1 + Math.SQRT2) / 2;
  return w;
})();

/** scikit-image's perimeter of one region given as a 0/1 crop (w x h). */
function perimeterOf(inside: Uint8Array, w: number, h: number): number {
  const at = (x: number, y: number) => (x >= 0 && y >= 0 && x < w && y < h ? inside[y * w + x] : 0);
  // Border pixels: inside pixels with a 4-neighbour outside (binary erosion with a cross, border 0).
  const border = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (at(x, y) && !(at(x - 1, y) && at(x + 1, y) && at(x, y - 1) && at(x, y + 1))) border[y * w + x] = 1;
    }
  }
  const b = (x: number, y: number) => (x >= 0 && y >= 0 && x < w && y < h ? border[y * w + x] : 0);
  let total = 0;
  // Convolve with [[10, 2, 10], [2, 1, 2], [10, 2, 10]]; only border pixels (code odd) carry weight.
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!border[y * w + x]) continue;
      const code =
        1 + 2 * (b(x - 1, y) + b(x + 1, y) + b(x, y - 1) + b(x, y + 1)) + 10 * (b(x - 1, y - 1) + b(x + 1, y - 1) + b(x - 1, y + 1) + b(x + 1, y + 1));
      if (code < 50) total += PERIMETER_WEIGHTS[code];
    }
  }
  return total;
}

/**
 * Area of the convex hull image as scikit-image computes it: the hull of the boundary pixels'
 * edge midpoints (its "diamond" offsets of 0.5), then the pixels whose centres lie in it.
 */
function convexArea(inside: Uint8Array, w: number, h: number): number {
  const pts: [number, number][] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!inside[y * w + x]) continue;
      // Boundary pixels are enough for the hull.
      const edge =
        x === 0 ||
        y === 0 ||
        x === w - 1 ||
        y === h - 1 ||
        !inside[y * w + x - 1] ||
        !inside[y * w + x + 1] ||
        !inside[(y - 1) * w + x] ||
        !inside[(y + 1) * w + x];
      if (edge) pts.push([x - 0.5, y], [x + 0.5, y], [x, y - 0.5], [x, y + 0.5]);
    }
  }
  const hull = convexHull(pts);
  if (hull.length < 3) return inside.reduce((a, v) => a + v, 0);
  let count = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside[y * w + x] || insideConvex(hull, x, y)) count++;
  return count;
}

/** Andrew's monotone chain; counter-clockwise, no collinear points. */
export function convexHull(points: [number, number][]): [number, number][] {
  const p = [...new Map(points.map((q) => [`${q[0]},${q[1]}`, q])).values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: number[], a: number[], b: number[]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: [number, number][] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

function insideConvex(hull: [number, number][], x: number, y: number): boolean {
  for (let i = 0; i < hull.length; i++) {
    const [ax, ay] = hull[i];
    const [bx, by] = hull[(i + 1) % hull.length];
    if ((bx - ax) * (y - ay) - (by - ay) * (x - ax) < -1e-9) return false;
  }
  return true;
}

/**
 * Measures every nucleus of a label image (labels 1..count). `image` gives the intensities: one
 * channel when it is gray (R = G = B everywhere), else three. `pixelSize` (microns per pixel)
 * turns lengths and areas into microns.
 */
export function measureNuclei(labels: Int32Array, width: number, height: number, count: number, image?: RgbImage, pixelSize = 1): NucleusMeasurements[] {
  if (labels.length !== width * height) throw new RangeError(`measureNuclei: labels have ${labels.length} pixels, expected ${width}x${height}`);
  const { x0, y0, x1, y1 } = labelStats(labels, width, height, count);
  let channels = 0;
  // Intensities on the original values: a 16-bit or float file's own samples, else the 8-bit image.
  let values: ArrayLike<number> = new Uint8Array(0);
  let stride = 3;
  if (image) {
    if (image.width !== width || image.height !== height)
      throw new RangeError(`measureNuclei: image is ${image.width}x${image.height}, labels ${width}x${height}`);
    if (image.source) {
      ({ channels, data: values } = image.source);
      stride = channels;
    } else {
      channels = 1;
      const d = (values = image.data);
      for (let i = 0; i < width * height; i++) {
        if (d[3 * i] !== d[3 * i + 1] || d[3 * i] !== d[3 * i + 2]) {
          channels = 3;
          break;
        }
      }
    }
  }
  const px = pixelSize;
  const out: NucleusMeasurements[] = [];
  for (let l = 1; l <= count; l++) {
    if (x1[l] < 0) continue;
    const w = x1[l] - x0[l] + 1;
    const h = y1[l] - y0[l] + 1;
    const inside = new Uint8Array(w * h);
    let area = 0;
    let sx = 0;
    let sy = 0;
    const stats = Array.from({ length: channels }, () => ({ min: Infinity, max: -Infinity, sum: 0 }));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y0[l] + y) * width + x0[l] + x;
        if (labels[i] !== l) continue;
        inside[y * w + x] = 1;
        area++;
        sx += x;
        sy += y;
        for (let c = 0; c < channels; c++) {
          const v = values[stride * i + c];
          const s = stats[c];
          if (v < s.min) s.min = v;
          if (v > s.max) s.max = v;
          s.sum += v;
        }
      }
    }
    const cx = sx / area;
    const cy = sy / area;
    let mu20 = 0; // rows (y)
    let mu02 = 0; // columns (x)
    let mu11 = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (!inside[y * w + x]) continue;
        mu20 += (y - cy) ** 2;
        mu02 += (x - cx) ** 2;
        mu11 += (y - cy) * (x - cx);
      }
    }
    // scikit-image's inertia tensor [[a, b], [b, c]] = [[mu02, -mu11], [-mu11, mu20]] / area.
    const a = mu02 / area;
    const b = -mu11 / area;
    const c = mu20 / area;
    const root = Math.sqrt(((a - c) / 2) ** 2 + b * b);
    const l1 = (a + c) / 2 + root;
    const l2 = Math.max(0, (a + c) / 2 - root);
    const orientation = a - c === 0 ? (b < 0 ? Math.PI / 4 : -Math.PI / 4) : 0.5 * Math.atan2(-2 * b, c - a);
    out.push({
      label: l,
      area: area * px * px,
      perimeter: perimeterOf(inside, w, h) * px,
      centroidX: (x0[l] + cx) * px,
      centroidY: (y0[l] + cy) * px,
      bboxX: x0[l] * px,
      bboxY: y0[l] * px,
      bboxWidth: w * px,
      bboxHeight: h * px,
      equivalentDiameter: Math.sqrt((4 * area) / Math.PI) * px,
      majorAxisLength: 4 * Math.sqrt(l1) * px,
      minorAxisLength: 4 * Math.sqrt(l2) * px,
      eccentricity: l1 === 0 ? 0 : Math.sqrt(1 - l2 / l1),
      orientation,
      solidity: area / convexArea(inside, w, h),
      intensity: stats.map((s) => ({ mean: s.sum / area, min: s.min, max: s.max, integrated: s.sum })),
    });
  }
  return out;
}

/** The measurements as CSV, one row per nucleus, with the unit in the header. */
export function measurementsCsv(rows: NucleusMeasurements[], unit = 'px'): string {
  const channels = rows[0]?.intensity.length ?? 0;
  const chan = (c: number) => (channels === 1 ? '' : `_${['r', 'g', 'b'][c]}`);
  const head = [
    'label',
    `area_${unit}2`,
    `perimeter_${unit}`,
    `centroid_x_${unit}`,
    `centroid_y_${unit}`,
    `bbox_x_${unit}`,
    `bbox_y_${unit}`,
    `bbox_width_${unit}`,
    `bbox_height_${unit}`,
    `equivalent_diameter_${unit}`,
    `major_axis_length_${unit}`,
    `minor_axis_length_${unit}`,
    'eccentricity',
    'orientation_rad',
    'solidity',
    ...Array.from({ length: channels }, (_, c) => [
      `mean_intensity${chan(c)}`,
      `min_intensity${chan(c)}`,
      `max_intensity${chan(c)}`,
      `integrated_intensity${chan(c)}`,
    ]).flat(),
  ];
  const f = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4));
  const lines = rows.map((r) =>
    [
      r.label,
      r.area,
      r.perimeter,
      r.centroidX,
      r.centroidY,
      r.bboxX,
      r.bboxY,
      r.bboxWidth,
      r.bboxHeight,
      r.equivalentDiameter,
      r.majorAxisLength,
      r.minorAxisLength,
      r.eccentricity,
      r.orientation,
      r.solidity,
      ...r.intensity.flatMap((s) => [s.mean, s.min, s.max, s.integrated]),
    ]
      .map(f)
      .join(','),
  );
  return [head.join(','), ...lines].join('\n') + '\n';
}
