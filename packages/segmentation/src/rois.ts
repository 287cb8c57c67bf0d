import { zipStore } from '@nuclei/data';
import { traceOutline } from './outline';

/**
 * ImageJ ROI Manager files: one polygon `.roi` per nucleus in ImageJ's binary ROI format
 * (ij/io/RoiEncoder.java: a 64-byte header "Iout", version, type, bounds, vertex count, then the
 * vertices as 16-bit offsets from the left / top), collected in a zip (stored, as RoiSet.zip).
 */
const ROI_VERSION = 227;
const POLYGON = 0;

/** Outer outlines of labels 1..count, as polygons on pixel corners (label -> polygon). */
export function outlines(labels: Int32Array, width: number, height: number, count: number): Map<number, [number, number][]> {
  const first = new Int32Array(count + 1).fill(-1);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l > 0 && l <= count && first[l] < 0) first[l] = i;
  }
  const out = new Map<number, [number, number][]>();
  for (let l = 1; l <= count; l++) if (first[l] >= 0) out.set(l, traceOutline(labels, width, height, first[l]));
  return out;
}

/** One polygon as an ImageJ `.roi` file. */
export function encodeRoi(points: [number, number][]): Uint8Array {
  const n = points.length;
  if (n > 65535) throw new RangeError(`encodeRoi: ${n} vertices do not fit ImageJ's 16-bit count`);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const left = Math.min(...xs);
  const top = Math.min(...ys);
  const right = Math.max(...xs);
  const bottom = Math.max(...ys);
  if (right > 32767 || bottom > 32767) throw new RangeError("encodeRoi: coordinates beyond 32767 do not fit ImageJ's 16-bit polygon format");
  const buf = new DataView(new ArrayBuffer(64 + 4 * n));
  [0x49, 0x6f, 0x75, 0x74].forEach((b, i) => buf.setUint8(i, b)); // "Iout"
  buf.setInt16(4, ROI_VERSION);
  buf.setUint8(6, POLYGON);
  buf.setInt16(8, top);
  buf.setInt16(10, left);
  buf.setInt16(12, bottom);
  buf.setInt16(14, right);
  buf.setUint16(16, n);
  for (let i = 0; i < n; i++) {
    buf.setInt16(64 + 2 * i, xs[i] - left);
    buf.setInt16(64 + 2 * n + 2 * i, ys[i] - top);
  }
  return new Uint8Array(buf.buffer);
}

/** ImageJ's RoiSet zip: one `nucleus-NNNN.roi` per label (the ROI Manager names them after the files). */
export function roiSetZip(polygons: Map<number, [number, number][]>): Uint8Array {
  const width = String(Math.max(9999, ...polygons.keys())).length;
  return zipStore([...polygons].map(([label, points]) => ({ name: `nucleus-${String(label).padStart(width, '0')}.roi`, data: encodeRoi(points) })));
}

/**
 * A GeoJSON FeatureCollection that QuPath imports as detections: one closed polygon per nucleus in
 * pixel coordinates, named, with its measurements as properties.
 */
export function nucleiGeoJson(polygons: Map<number, [number, number][]>, measurements: Map<number, Record<string, number>>): string {
  const features = [...polygons].map(([label, points]) => nucleusFeature(label, points, measurements.get(label) ?? {}));
  return JSON.stringify({ type: 'FeatureCollection', features }) + '\n';
}

/** One nucleus as a QuPath detection feature (a closed polygon, its measurements as properties). */
export function nucleusFeature(label: number, points: [number, number][], measurements: Record<string, number>) {
  return {
    type: 'Feature',
    id: `nucleus-${label}`,
    geometry: { type: 'Polygon', coordinates: [[...points, points[0]].map(([x, y]) => [x, y])] },
    properties: { objectType: 'detection', name: `Nucleus ${label}`, label, measurements },
  };
}
