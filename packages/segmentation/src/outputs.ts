import { mkdir } from 'fs/promises';
import { join } from 'path';
import sharp from 'sharp';
import { cleanStaleTempFiles, intensityChannelsOf, rleEncode, writeFileAtomic, type IntensityChannel, type RgbImage } from '@nuclei/data';
import type { FilterTally, NucleusFilters } from './filters';
import { labelStats } from './label-stats';
import { measureNuclei, measurementRecord, measurementsCsv, type NucleusMeasurements } from './measurements';
import { renderOverlay, type OverlayOptions } from './overlay';
import { nucleiGeoJson, outlines, roiSetZip } from './rois';
import type { SegmentResult } from './segment';

/** A nucleus in the JSON summary, in the summary's unit (pixels, or microns once a pixel size is known). */
export interface NucleusInfo {
  label: number;
  area: number;
  /** Mean pixel position [x, y], pixel centres at +0.5 (ImageJ's convention, as the measurements CSV). */
  centroid: [number, number];
  bbox: { x: number; y: number; width: number; height: number };
}

export interface SegmentationSummary {
  image: string | null;
  width: number;
  height: number;
  count: number;
  /** Unit of every length in this file and the measurements ('px', or 'um' once a pixel size is known); areas are in its square. */
  unit: 'px' | 'um';
  /** Microns per pixel, when known. */
  pixelSize?: number;
  /** How centroids are given, the same in the JSON, the CSV and the GeoJSON. */
  centroids: 'pixel centres at +0.5 (ImageJ, QuPath)';
  /** Mean nucleus area, in unit squared. */
  meanArea: number;
  threshold: number;
  mode: string;
  split: string;
  tiles: number;
  model: unknown;
  /** What was segmented: the channel (index and name), the Z plane or projection, the frame. */
  input?: { channel?: number; channelName?: string; z?: number | 'max' | 'mean'; t?: number };
  /** The channels measured (named as in the measurement columns). */
  channels?: string[];
  /** Width of the measured ring around each nucleus, in pixels (and in unit). */
  ring?: { pixels: number; width: number };
  /** The filters applied (areas in pixels) and how many nuclei each removed. */
  filters?: NucleusFilters & { removed?: FilterTally };
  nuclei: NucleusInfo[];
  /** Unit of the measurement means (the same as unit). */
  measurementsUnit?: string;
  /** Means over nuclei of the per-nucleus measurements (the rows are in NAME_measurements.csv), by column name. */
  measurementMeans?: Record<string, number>;
}

/**
 * One nucleus's measurements as flat numbers by column name, without the label (GeoJSON
 * properties, means): measurementRecord's names, so `unit` should be the file's.
 */
export function flatMeasurements(m: NucleusMeasurements, unit = 'px'): Record<string, number> {
  const { label: _label, ...values } = measurementRecord(m, unit);
  return values;
}

function means(rows: NucleusMeasurements[], unit: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) for (const [k, v] of Object.entries(flatMeasurements(r, unit))) out[k] = (out[k] ?? 0) + v / rows.length;
  return out;
}

export interface OutputInfo {
  /** Path of the segmented image, recorded in the summary. */
  imagePath?: string;
  /** Anything describing the model (name, preset, metadata), recorded as is. */
  model?: unknown;
  /** ImageId column of the CSV. Default baseName. */
  imageId?: string;
  overlay?: OverlayOptions;
  /** Which files to write (default all of OUTPUT_KINDS). */
  outputs?: readonly OutputKind[];
  /** Microns per pixel: every length in microns, areas in square microns (default: pixels). */
  pixelSize?: number;
  /** The channels measured, each `height*width` (default: the image's own, intensityChannelsOf). */
  channels?: IntensityChannel[];
  /** Measure a ring this many pixels wide around each nucleus (see measureNuclei). */
  ring?: number;
  /** What was segmented, recorded in the summary. */
  input?: SegmentationSummary['input'];
  /** Filters applied to the result before writing, recorded in the summary. */
  filters?: SegmentationSummary['filters'];
}

/** Every file writeSegmentationOutputs can write, by the name `--outputs` uses. */
export const OUTPUT_KINDS = ['mask', 'labels', 'overlay', 'json', 'csv', 'measurements', 'rois', 'geojson'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** Paths of the files written, by kind (the JSON summary is `summary`). */
export type OutputPaths = Partial<Record<Exclude<OutputKind, 'json'> | 'summary', string>>;

/**
 * Area, centroid (pixel centres at +0.5, as ImageJ) and bounding box of every label in one pass,
 * in pixels or, with `pixelSize`, microns.
 */
export function describeNuclei(labels: Int32Array, width: number, height: number, count: number, pixelSize = 1): NucleusInfo[] {
  const { area, sumX, sumY, x0, y0, x1, y1 } = labelStats(labels, width, height, count);
  const out: NucleusInfo[] = [];
  const p = pixelSize;
  const r = (v: number) => +v.toPrecision(6);
  for (let l = 1; l <= count; l++) {
    if (area[l] === 0) continue;
    out.push({
      label: l,
      area: r(area[l] * p * p),
      centroid: [r((sumX[l] / area[l] + 0.5) * p), r((sumY[l] / area[l] + 0.5) * p)],
      bbox: { x: r(x0[l] * p), y: r(y0[l] * p), width: r((x1[l] - x0[l] + 1) * p), height: r((y1[l] - y0[l] + 1) * p) },
    });
  }
  return out;
}

/**
 * Kaggle run-length code of one nucleus, computed on its bounding box only (rleEncode over the
 * whole image per nucleus would cost pixels x nuclei). The crop gets one extra background row so
 * a run can never wrap from one column into the next; starts are then shifted back to image
 * coordinates (column-major, 1-based).
 */
export function nucleusRle(labels: Int32Array, width: number, height: number, n: NucleusInfo): string {
  const { x: bx, y: by, width: bw, height: bh } = n.bbox;
  const ch = bh + 1;
  const crop = new Uint8Array(bw * ch);
  for (let yy = 0; yy < bh; yy++) {
    const row = (by + yy) * width + bx;
    for (let xx = 0; xx < bw; xx++) if (labels[row + xx] === n.label) crop[yy * bw + xx] = 1;
  }
  const nums = rleEncode(crop, bw, ch).split(' ').map(Number);
  for (let k = 0; k < nums.length; k += 2) {
    const p = nums[k] - 1;
    const xx = Math.floor(p / ch);
    nums[k] = (bx + xx) * height + by + (p - xx * ch) + 1;
  }
  return nums.join(' ');
}

async function writePng(path: string, pixels: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 3): Promise<void> {
  let img = sharp(pixels, { raw: { width, height, channels } });
  // sharp would otherwise write one-channel input as sRGB; a Uint16Array input is read as 16-bit
  // and grey16 keeps it 16-bit in the PNG.
  if (channels === 1) img = img.toColourspace(pixels instanceof Uint16Array ? 'grey16' : 'b-w');
  await writeFileAtomic(path, await img.png({ compressionLevel: 6 }).toBuffer());
}

/** Where writeSegmentationOutputs puts each kind (all of them, or `kinds`), without writing anything. */
export function outputPaths(outDir: string, baseName: string, kinds: readonly OutputKind[] = OUTPUT_KINDS): OutputPaths {
  const all: Record<OutputKind, string> = {
    mask: join(outDir, `${baseName}_mask.png`),
    labels: join(outDir, `${baseName}_labels.png`),
    overlay: join(outDir, `${baseName}_overlay.png`),
    json: join(outDir, `${baseName}.json`),
    csv: join(outDir, `${baseName}.csv`),
    measurements: join(outDir, `${baseName}_measurements.csv`),
    rois: join(outDir, `${baseName}_rois.zip`),
    geojson: join(outDir, `${baseName}.geojson`),
  };
  const picked: Partial<Record<OutputKind, string>> = {};
  for (const k of OUTPUT_KINDS) if (kinds.includes(k)) picked[k] = all[k];
  // The JSON summary is `summary` in the returned paths (as before `--outputs` existed).
  const { json, ...rest } = picked;
  return { ...rest, ...(json ? { summary: json } : {}) };
}

/**
 * Writes `<baseName>_mask.png` (0/255), `<baseName>_labels.png` (16-bit labels),
 * `<baseName>_overlay.png`, `<baseName>.json` (summary), `<baseName>.csv` (Kaggle RLE, one row per
 * nucleus), `<baseName>_measurements.csv` (regionprops per nucleus), `<baseName>_rois.zip` (ImageJ
 * ROI Manager polygons) and `<baseName>.geojson` (QuPath detections) into outDir, or the subset in
 * `info.outputs`, and returns their paths. Each file is written atomically (a
 * kill or a full disk leaves the earlier file or none, never a truncated one).
 */
export async function writeSegmentationOutputs(
  result: SegmentResult,
  image: RgbImage,
  outDir: string,
  baseName: string,
  info: OutputInfo = {},
): Promise<OutputPaths> {
  const { width, height, labels, count } = result;
  if (image.width !== width || image.height !== height) {
    throw new RangeError(`writeSegmentationOutputs: image is ${image.width}x${image.height}, result is ${width}x${height}`);
  }
  if (count > 65535) throw new RangeError(`writeSegmentationOutputs: ${count} nuclei do not fit a 16-bit label PNG (max 65535)`);
  await mkdir(outDir, { recursive: true });
  await cleanStaleTempFiles(outDir);
  const want = new Set<OutputKind>(info.outputs ?? OUTPUT_KINDS);
  const paths = outputPaths(outDir, baseName, info.outputs);
  const unit = info.pixelSize ? 'um' : 'px';
  const px = info.pixelSize ?? 1;
  const nuclei = describeNuclei(labels, width, height, count, px);
  const channels = info.channels ?? intensityChannelsOf(image);
  const ring = info.ring && info.ring > 0 ? info.ring : undefined;
  const measured =
    want.has('measurements') || want.has('geojson') || want.has('json') ? measureNuclei(labels, width, height, count, channels, { pixelSize: px, ring }) : [];
  const polygons = want.has('rois') || want.has('geojson') ? outlines(labels, width, height, count) : new Map<number, [number, number][]>();
  const writes: Promise<void>[] = [];
  if (paths.mask) {
    const mask255 = new Uint8Array(width * height);
    for (let i = 0; i < mask255.length; i++) mask255[i] = result.mask[i] ? 255 : 0;
    writes.push(writePng(paths.mask, mask255, width, height, 1));
  }
  if (paths.labels) writes.push(writePng(paths.labels, Uint16Array.from(labels), width, height, 1));
  if (paths.overlay) writes.push(writePng(paths.overlay, renderOverlay(image, labels, info.overlay).data, width, height, 3));
  if (paths.summary) {
    const summary: SegmentationSummary = {
      image: info.imagePath ?? null,
      width,
      height,
      count,
      unit,
      ...(info.pixelSize ? { pixelSize: info.pixelSize } : {}),
      centroids: 'pixel centres at +0.5 (ImageJ, QuPath)',
      meanArea: +(result.meanArea * px * px).toPrecision(6),
      threshold: result.threshold,
      mode: result.mode,
      split: result.split,
      tiles: result.tiles,
      model: info.model ?? null,
      ...(info.input ? { input: info.input } : {}),
      channels: channels.map((c) => c.name),
      ...(ring ? { ring: { pixels: ring, width: +(ring * px).toPrecision(6) } } : {}),
      ...(info.filters ? { filters: info.filters } : {}),
      nuclei,
      ...(measured.length ? { measurementsUnit: unit, measurementMeans: means(measured, unit) } : {}),
    };
    writes.push(writeFileAtomic(paths.summary, JSON.stringify(summary, null, 2) + '\n'));
  }
  if (paths.csv) {
    const imageId = info.imageId ?? baseName;
    writes.push(
      writeFileAtomic(
        paths.csv,
        ['ImageId,EncodedPixels', ...describeNuclei(labels, width, height, count).map((n) => `${imageId},${nucleusRle(labels, width, height, n)}`)].join('\n') +
          '\n',
      ),
    );
  }
  if (paths.measurements)
    writes.push(writeFileAtomic(paths.measurements, measurementsCsv(measured, unit, { channels: channels.map((c) => c.name), ring: Boolean(ring) })));
  if (paths.rois) writes.push(writeFileAtomic(paths.rois, roiSetZip(polygons)));
  if (paths.geojson) {
    const props = new Map(measured.map((m) => [m.label, flatMeasurements(m, unit)]));
    writes.push(writeFileAtomic(paths.geojson, nucleiGeoJson(polygons, props)));
  }
  // Wait for every write before reporting a failure, so no temp file is still being written (or
  // left) when the caller sees the error.
  const settled = await Promise.allSettled(writes);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return paths;
}
