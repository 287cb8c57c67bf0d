// Measurements, ROI tracing and GeoJSON on label images with many nuclei: a 1024x1024 image with
// 400 nuclei and a 4000x4000 one at the same density (6,084), so they stay a small share of
// segmenting (compare with `npm run bench -- segment`). Not a test: it prints figures.
// Run: npm run bench -- measure [-- --runs 3]
import { measureNuclei, measurementsCsv, nucleiGeoJson, outlines, roiSetZip } from '@nuclei/segmentation';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
const runs = Number(arg('runs', '3'));

/** A grid of slightly elliptic nuclei, every 51 px, about 18 px in radius; an RGB image to measure intensities on. */
function scene(side: number) {
  const labels = new Int32Array(side * side);
  const data = new Uint8Array(side * side * 3);
  const step = 51;
  const per = Math.floor(side / step);
  let count = 0;
  for (let gy = 0; gy < per; gy++) {
    for (let gx = 0; gx < per; gx++) {
      const id = ++count;
      const cx = gx * step + 25;
      const cy = gy * step + 25;
      const rx = 16 + (id % 5);
      const ry = 14 + (id % 7);
      for (let y = Math.max(0, cy - ry); y <= Math.min(side - 1, cy + ry); y++) {
        for (let x = Math.max(0, cx - rx); x <= Math.min(side - 1, cx + rx); x++) {
          if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) labels[y * side + x] = id;
        }
      }
    }
  }
  for (let i = 0; i < labels.length; i++) data.fill(labels[i] ? 120 + (i % 50) : 10, 3 * i, 3 * i + 3);
  return { labels, count, image: { width: side, height: side, data } };
}

function time<T>(f: () => T): { ms: number; value: T } {
  let best = Infinity;
  let value!: T;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    value = f();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, value };
}

for (const side of [1024, 4000]) {
  const { labels, count, image } = scene(side);
  const m = time(() => measureNuclei(labels, side, side, count, image));
  const csv = time(() => measurementsCsv(m.value));
  const poly = time(() => outlines(labels, side, side, count));
  const zip = time(() => roiSetZip(poly.value));
  const props = new Map(m.value.map((r) => [r.label, { area: r.area }]));
  const geo = time(() => nucleiGeoJson(poly.value, props));
  const total = m.ms + csv.ms + poly.ms + zip.ms + geo.ms;
  console.log(
    `${side}x${side}, ${count} nuclei (best of ${runs}): measurements ${m.ms.toFixed(0)} ms + CSV ${csv.ms.toFixed(0)} ms + outlines ${poly.ms.toFixed(0)} ms + ROI zip ${zip.ms.toFixed(0)} ms (${(zip.value.length / 1e6).toFixed(1)} MB) + GeoJSON ${geo.ms.toFixed(0)} ms (${(geo.value.length / 1e6).toFixed(1)} MB) = ${total.toFixed(0)} ms`,
  );
}
