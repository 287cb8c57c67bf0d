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

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip archive of the given files, stored without compression (ROIs are small; any unzip reads it). */
export function zipStore(files: { name: string; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = new TextEncoder().encode(f.name);
    const crc = crc32(f.data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true); // version needed
    local.setUint16(8, 0, true); // stored
    local.setUint32(14, crc, true);
    local.setUint32(18, f.data.length, true);
    local.setUint32(22, f.data.length, true);
    local.setUint16(26, name.length, true);
    parts.push(new Uint8Array(local.buffer), name, f.data);
    const dir = new DataView(new ArrayBuffer(46));
    dir.setUint32(0, 0x02014b50, true);
    dir.setUint16(4, 20, true);
    dir.setUint16(6, 20, true);
    dir.setUint32(16, crc, true);
    dir.setUint32(20, f.data.length, true);
    dir.setUint32(24, f.data.length, true);
    dir.setUint16(28, name.length, true);
    dir.setUint32(42, offset, true);
    central.push(new Uint8Array(dir.buffer), name);
    offset += 30 + name.length + f.data.length;
  }
  const size = central.reduce((s, p) => s + p.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, files.length, true);
  end.setUint16(10, files.length, true);
  end.setUint32(12, size, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of all) {
    out.set(p, o);
    o += p.length;
  }
  return out;
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
