import { intensityChannelsOf, type IntensityChannel, type RgbImage } from '@nuclei/data';
import { nearestLabel } from './distance-transform';
import { labelStats } from './label-stats';

/**
 * Per-nucleus measurements with scikit-image's `regionprops` shape definitions. Centroids follow
 * ImageJ (and QuPath, and the ROI and GeoJSON outlines): pixel (x, y) covers [x, x+1) x [y, y+1),
 * so its centre is at (x + 0.5, y + 0.5); scikit-image's centroids are these minus 0.5. Lengths
 * are in pixels (or microns with `pixelSize`).
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
  /** Per channel of the image: intensity statistics on the original values. */
  intensity: ChannelStats[];
  /** With a ring width: the band around the nucleus (see measureNuclei), its area and per-channel statistics. */
  ring?: { area: number; intensity: ChannelStats[] };
}

/**
 * Intensity statistics of one channel over a region's pixels: `integrated` is their sum (ImageJ's
 * RawIntDen), `std` the sample standard deviation (n - 1, as ImageJ's Measure; 0 for one pixel).
 * A region of no pixels (an empty ring) has NaN statistics.
 */
export interface ChannelStats {
  channel: string;
  mean: number;
  min: number;
  max: number;
  integrated: number;
  std: number;
}

export interface MeasureOptions {
  /** Microns per pixel: lengths and areas in microns. Default 1 (pixels). */
  pixelSize?: number;
  /**
   * Width in pixels of a band around each nucleus, measured like the nucleus (CellProfiler's
   * cytoplasm ring): the background pixels within this distance of the nucleus and nearer to it
   * than to any other nucleus, so a ring never enters another nucleus nor another's ring.
   */
  ring?: number;
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
  // The leftmost and rightmost pixels of each row are enough for the hull: the midpoints of the
  // pixels between them lie on the segments joining theirs (same hull, a fraction of the points).
  const pts: [number, number][] = [];
  for (let y = 0; y < h; y++) {
    let l = -1;
    let r = -1;
    for (let x = 0; x < w; x++) {
      if (!inside[y * w + x]) continue;
      if (l < 0) l = x;
      r = x;
    }
    if (l < 0) continue;
    pts.push([l - 0.5, y], [l, y - 0.5], [l, y + 0.5], [r + 0.5, y], [r, y - 0.5], [r, y + 0.5]);
  }
  const hull = convexHull(pts);
  if (hull.length < 3) return inside.reduce((a, v) => a + v, 0);
  // The hull holds every pixel of the region (their centres are means of their midpoints) and is
  // convex, so each row's pixels in it run from the first to the last found from either end.
  let count = 0;
  for (let y = 0; y < h; y++) {
    let lo = 0;
    while (lo < w && !inside[y * w + lo] && !insideConvex(hull, lo, y)) lo++;
    if (lo === w) continue;
    let hi = w - 1;
    while (hi > lo && !inside[y * w + hi] && !insideConvex(hull, hi, y)) hi--;
    count += hi - lo + 1;
  }
  return count;
}

/** Andrew's monotone chain; counter-clockwise, no collinear points. */
export function convexHull(points: [number, number][]): [number, number][] {
  // Sorted, then equal neighbours dropped (no string keys: this runs for every nucleus).
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const p = sorted.filter((q, i) => i === 0 || q[0] !== sorted[i - 1][0] || q[1] !== sorted[i - 1][1]);
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

/** Running sums of one region's values in one channel. */
class Acc {
  n = 0;
  sum = 0;
  sum2 = 0;
  min = Infinity;
  max = -Infinity;
  add(v: number): void {
    this.n++;
    this.sum += v;
    this.sum2 += v * v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
  stats(channel: string): ChannelStats {
    if (this.n === 0) return { channel, mean: NaN, min: NaN, max: NaN, integrated: 0, std: NaN };
    const mean = this.sum / this.n;
    const variance = this.n > 1 ? Math.max(0, (this.sum2 - this.sum * mean) / (this.n - 1)) : 0;
    return { channel, mean, min: this.min, max: this.max, integrated: this.sum, std: Math.sqrt(variance) };
  }
}

/**
 * Measures every nucleus of a label image (labels 1..count): shape, and intensity statistics in
 * every channel of `channels` (each `height*width` values; an RgbImage is measured as
 * intensityChannelsOf gives its channels). `options.ring` also measures a band around each nucleus.
 */
export function measureNuclei(
  labels: Int32Array,
  width: number,
  height: number,
  count: number,
  channels: IntensityChannel[] | RgbImage = [],
  options: MeasureOptions | number = {},
): NucleusMeasurements[] {
  if (labels.length !== width * height) throw new RangeError(`measureNuclei: labels have ${labels.length} pixels, expected ${width}x${height}`);
  const { pixelSize: px = 1, ring } = typeof options === 'number' ? { pixelSize: options } : options;
  if (!Array.isArray(channels)) {
    if (channels.width !== width || channels.height !== height)
      throw new RangeError(`measureNuclei: image is ${channels.width}x${channels.height}, labels ${width}x${height}`);
    channels = intensityChannelsOf(channels);
  }
  for (const c of channels)
    if (c.values.length !== width * height) throw new RangeError(`measureNuclei: channel ${c.name} has ${c.values.length} values, expected ${width}x${height}`);
  const { x0, y0, x1, y1 } = labelStats(labels, width, height, count);
  const rings = ring !== undefined && ring > 0 ? ringStats(labels, width, height, count, channels, ring) : undefined;
  const out: NucleusMeasurements[] = [];
  for (let l = 1; l <= count; l++) {
    if (x1[l] < 0) continue;
    const w = x1[l] - x0[l] + 1;
    const h = y1[l] - y0[l] + 1;
    const inside = new Uint8Array(w * h);
    let area = 0;
    let sx = 0;
    let sy = 0;
    const acc = channels.map(() => new Acc());
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y0[l] + y) * width + x0[l] + x;
        if (labels[i] !== l) continue;
        inside[y * w + x] = 1;
        area++;
        sx += x;
        sy += y;
        for (let c = 0; c < channels.length; c++) acc[c].add(channels[c].values[i]);
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
      // Pixel centres at +0.5 (ImageJ's convention; see NucleusMeasurements).
      centroidX: (x0[l] + cx + 0.5) * px,
      centroidY: (y0[l] + cy + 0.5) * px,
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
      intensity: acc.map((s, k) => s.stats(channels[k].name)),
      ...(rings ? { ring: { area: rings.area[l] * px * px, intensity: rings.acc[l].map((s, k) => s.stats(channels[k].name)) } } : {}),
    });
  }
  return out;
}

/**
 * The ring of each nucleus: background pixels whose centre is within `ring` pixels of the
 * nearest nucleus pixel's centre, given to that nucleus (scikit-image's expand_labels minus the
 * nuclei), with their count and running sums per channel.
 */
function ringStats(
  labels: Int32Array,
  width: number,
  height: number,
  count: number,
  channels: IntensityChannel[],
  ring: number,
): { area: Float64Array; acc: Acc[][] } {
  const { label, distance2 } = nearestLabel(labels, width, height);
  const area = new Float64Array(count + 1);
  const acc = Array.from({ length: count + 1 }, () => channels.map(() => new Acc()));
  const r2 = ring * ring;
  for (let i = 0; i < labels.length; i++) {
    const l = label[i];
    if (labels[i] !== 0 || l <= 0 || distance2[i] > r2) continue;
    area[l]++;
    for (let c = 0; c < channels.length; c++) acc[l][c].add(channels[c].values[i]);
  }
  return { area, acc };
}

const STATS = ['mean', 'min', 'max', 'integrated', 'std'] as const;

type ShapeKey = Exclude<keyof NucleusMeasurements, 'intensity' | 'ring'>;
/** Shape columns: the field, the column's name and its unit ('' none, 'L' length, 'A' area). */
const SHAPE: [ShapeKey, string, '' | 'L' | 'A'][] = [
  ['label', 'label', ''],
  ['area', 'area', 'A'],
  ['perimeter', 'perimeter', 'L'],
  ['centroidX', 'centroid_x', 'L'],
  ['centroidY', 'centroid_y', 'L'],
  ['bboxX', 'bbox_x', 'L'],
  ['bboxY', 'bbox_y', 'L'],
  ['bboxWidth', 'bbox_width', 'L'],
  ['bboxHeight', 'bbox_height', 'L'],
  ['equivalentDiameter', 'equivalent_diameter', 'L'],
  ['majorAxisLength', 'major_axis_length', 'L'],
  ['minorAxisLength', 'minor_axis_length', 'L'],
  ['eccentricity', 'eccentricity', ''],
  ['orientation', 'orientation_rad', ''],
  ['solidity', 'solidity', ''],
];

/**
 * The measurement columns' names, in order: the CSV's header, and the keys of the JSON means and
 * the GeoJSON properties. Every length and area names its unit (`area_um2`, `centroid_x_px`);
 * intensities are per channel by name (`DAPI_mean`, `ch1_std`, `ring_area_um2`, `DAPI_ring_mean`),
 * in the file's own gray values.
 */
export function measurementHeader(unit: string, channels: string[], ring: boolean): string[] {
  const head = SHAPE.map(([, name, u]) => (u === 'A' ? `${name}_${unit}2` : u === 'L' ? `${name}_${unit}` : name));
  for (const c of channels) for (const k of STATS) head.push(`${c}_${k}`);
  if (ring) {
    head.push(`ring_area_${unit}2`);
    for (const c of channels) for (const k of STATS) head.push(`${c}_ring_${k}`);
  }
  return head;
}

/** One nucleus's values in measurementHeader's order. */
export function measurementValues(m: NucleusMeasurements): number[] {
  const values = SHAPE.map(([key]) => m[key]);
  for (const s of m.intensity) for (const k of STATS) values.push(s[k]);
  if (m.ring) {
    values.push(m.ring.area);
    for (const s of m.ring.intensity) for (const k of STATS) values.push(s[k]);
  }
  return values;
}

/** One nucleus's measurements by column name (JSON, GeoJSON). */
export function measurementRecord(m: NucleusMeasurements, unit: string): Record<string, number> {
  const head = measurementHeader(
    unit,
    m.intensity.map((s) => s.channel),
    Boolean(m.ring),
  );
  const values = measurementValues(m);
  return Object.fromEntries(head.map((h, i) => [h, values[i]]));
}

/**
 * The rows of a measurements CSV as measurementsCsv wrote it (the inverse: a slide's or a saved
 * result's table read back), with the unit of its lengths: the first `limit` rows, and how many
 * the file holds. A header of other columns is refused.
 */
export function parseMeasurementsCsv(text: string, limit = Infinity): { unit: string; rows: NucleusMeasurements[]; total: number } {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const head = (lines[0] ?? '').split(',');
  const unit = /^area_(.+)2$/.exec(head[1] ?? '')?.[1];
  if (!unit) throw new Error(`not a nuclei measurements table (its second column is ${head[1] ?? 'missing'}, not area_px2 or area_um2)`);
  const ringAt = head.indexOf(`ring_area_${unit}2`);
  const channelEnd = ringAt >= 0 ? ringAt : head.length;
  const channels: string[] = [];
  for (let c = SHAPE.length; c + STATS.length <= channelEnd; c += STATS.length) channels.push(head[c].replace(/_mean$/, ''));
  const expected = measurementHeader(unit, channels, ringAt >= 0);
  if (expected.join(',') !== head.join(',')) throw new Error(`not a nuclei measurements table (unexpected columns: ${head.join(',').slice(0, 120)})`);
  const stats = (v: number[], at: number): ChannelStats[] =>
    channels.map((channel, c) => {
      const o = at + c * STATS.length;
      return { channel, mean: v[o], min: v[o + 1], max: v[o + 2], integrated: v[o + 3], std: v[o + 4] };
    });
  const rows = lines.slice(1, 1 + Math.min(limit, lines.length)).map((line) => {
    const v = line.split(',').map(Number);
    const m = Object.fromEntries(SHAPE.map(([key], i) => [key, v[i]])) as Omit<NucleusMeasurements, 'intensity' | 'ring'>;
    return {
      ...m,
      intensity: stats(v, SHAPE.length),
      ...(ringAt >= 0 ? { ring: { area: v[ringAt], intensity: stats(v, ringAt + 1) } } : {}),
    } as NucleusMeasurements;
  });
  return { unit, rows, total: lines.length - 1 };
}

/**
 * The measurements as CSV, one row per nucleus (see measurementHeader). `channels` and `ring`
 * say the columns when there are no nuclei.
 */
export function measurementsCsv(rows: NucleusMeasurements[], unit = 'px', empty: { channels?: string[]; ring?: boolean } = {}): string {
  const first = rows[0];
  const head = first
    ? measurementHeader(
        unit,
        first.intensity.map((s) => s.channel),
        Boolean(first.ring),
      )
    : measurementHeader(unit, empty.channels ?? [], Boolean(empty.ring));
  const f = (v: number) => (Number.isInteger(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v.toFixed(4));
  return [head.join(','), ...rows.map((r) => measurementValues(r).map(f).join(','))].join('\n') + '\n';
}
