// A merged slide result as a tile pyramid, for viewers that show slides of any size by the parts
// in view (as QuPath, napari and OpenSeadragon do): level k is the slide shrunk by 2^k, cut into
// VIEW_TILE-pixel tiles, each with its image (8-bit RGB, stretched for display) and its labels
// (nearest neighbour, the OME-Zarr's ids). Nothing holds the whole slide: the coarse levels come
// from one overview of at most OVERVIEW_PIXELS, read once; the fine ones from the slide's region.
import * as fs from 'fs';
import * as path from 'path';
import { NucleiInputError, shrinkImage, type RgbImage } from '@nuclei/data';
import { parseMeasurementsCsv, type NucleusMeasurements } from '@nuclei/segmentation';
import type { SlideSummary } from './merge';
import { LABELS_PATH, pyramidLevels } from './ome-zarr-labels';
import { cropImage, openSlideSource, type SlideSource } from './source';
import { readShrunk } from './shrink';
import { openZarrArray, zarrAttributes, type ZarrArray } from './zarr';

export const VIEW_TILE = 512;
/** The overview the coarse levels are cut from: the first level at most this big (2048 x 2048). */
export const OVERVIEW_PIXELS = 1 << 22;

export interface SlideTile {
  level: number;
  tx: number;
  ty: number;
  /** Size in level pixels (edge tiles are cut short). */
  width: number;
  height: number;
  /** RGB, 8 bits, stretched to the slide's display range (dark gray when the image is missing). */
  image: Uint8Array;
  /** Label ids, nearest neighbour (0 background). */
  labels: Uint32Array;
}

export interface SlideView {
  /** The slide image (as the result records it, or as opened). */
  image: string;
  /** The result shown: its summary (`NAME.json`) and where it was found; absent: the slide alone, not segmented. */
  result?: { summaryPath: string; summary: SlideSummary };
  width: number;
  height: number;
  /** Levels 0 .. levels - 1; the last fits one tile. */
  levels: number;
  /** Why the image is not shown (missing or unreadable), when it is not: the labels are shown alone. */
  imageProblem?: string;
  tile(level: number, tx: number, ty: number): Promise<SlideTile>;
  /** The first `limit` per-nucleus rows of `NAME_measurements.csv`, with the unit of its lengths and how many it holds (none without a result). */
  measurements(limit?: number): Promise<{ unit: string; rows: NucleusMeasurements[]; total: number }>;
}

/** Levels until the whole slide fits one tile (halving, as the label pyramid halves to one chunk). */
export function viewLevels(width: number, height: number): number {
  return pyramidLevels(width, height, VIEW_TILE);
}

/** The summary of a slide result given its `NAME.ome.zarr` folder or its `NAME.json`. */
export function findSlideSummary(file: string): string {
  const summary = file.replace(/[\\/]+$/, '').replace(/\.ome\.zarr$/i, '.json');
  if (!summary.endsWith('.json')) throw new NucleiInputError(file, 'is not a slide result (NAME.ome.zarr or its NAME.json summary)');
  if (!fs.existsSync(summary)) throw new NucleiInputError(file, `has no summary ${path.basename(summary)} beside it (nuclei slide merge writes both)`);
  return summary;
}

/** Opens a slide result written by `nuclei slide merge` (or `segment` block by block). Errors name the file. */
export async function openSlideView(file: string): Promise<SlideView> {
  const summaryPath = findSlideSummary(file);
  let summary: SlideSummary;
  try {
    summary = JSON.parse(fs.readFileSync(summaryPath, 'utf8')) as SlideSummary;
  } catch (e) {
    throw new NucleiInputError(summaryPath, `cannot read the slide summary (${(e as Error).message})`);
  }
  if (!summary?.outputs?.zarr || !Number.isInteger(summary.width) || !Number.isInteger(summary.height))
    throw new NucleiInputError(summaryPath, 'is not a slide summary (no width, height and outputs.zarr)');
  const near = (p: string) => (fs.existsSync(p) ? p : path.join(path.dirname(summaryPath), path.basename(p)));
  const zarrDir = near(summary.outputs.zarr);
  const labelLevels = labelPyramid(path.join(zarrDir, LABELS_PATH));
  const [lh, lw] = labelLevels[0].shape;
  if (lw !== summary.width || lh !== summary.height)
    throw new NucleiInputError(zarrDir, `labels are ${lw}x${lh}, but the summary says the slide is ${summary.width}x${summary.height}`);
  const { width, height } = summary;
  const levels = viewLevels(width, height);

  let source: SlideSource | undefined;
  let imageProblem: string | undefined;
  const imagePath = near(summary.image);
  try {
    source = await openSlideSource(imagePath, { channel: summary.channel });
    if (source.width !== width || source.height !== height) {
      imageProblem = `the slide image ${imagePath} is ${source.width}x${source.height}, not ${width}x${height}: showing the labels alone`;
      source = undefined;
    }
  } catch (e) {
    imageProblem = fs.existsSync(imagePath)
      ? `cannot read the slide image ${imagePath} (${(e as Error).message}): showing the labels alone`
      : `the slide image ${summary.image} was not found: showing the labels alone`;
  }
  const tile = tilePyramid(source, labelLevels, width, height);
  const measurements = async (limit?: number) => {
    const csv = near(summary.outputs.measurements);
    try {
      return parseMeasurementsCsv(await fs.promises.readFile(csv, 'utf8'), limit);
    } catch (e) {
      throw new NucleiInputError(csv, `cannot read the measurements (${(e as Error).message})`);
    }
  };
  return { image: imagePath, result: { summaryPath, summary }, width, height, levels, ...(imageProblem ? { imageProblem } : {}), tile, measurements };
}

/** A slide not segmented (yet): its tiles, with no labels. Errors name the file. */
export async function openSlideImage(file: string, options: { channel?: number } = {}): Promise<SlideView> {
  const source = await openSlideSource(file, options);
  const { width, height } = source;
  return {
    image: file,
    width,
    height,
    levels: viewLevels(width, height),
    tile: tilePyramid(source, undefined, width, height),
    measurements: async () => ({ unit: 'px', rows: [], total: 0 }),
  };
}

/**
 * A slide's tiles at every level: the image from `source` (absent: dark gray), the labels from
 * the label pyramid (absent: none). Coarse levels are cut from one overview, read once.
 */
function tilePyramid(source: SlideSource | undefined, labelLevels: ZarrArray[] | undefined, width: number, height: number) {
  const levels = viewLevels(width, height);
  // The overview (a level at most OVERVIEW_PIXELS) and the display range taken from it, read once.
  let overviewLevel = 0;
  while (Math.ceil(width / 2 ** overviewLevel) * Math.ceil(height / 2 ** overviewLevel) > OVERVIEW_PIXELS) overviewLevel++;
  let overview: Promise<{ image: RgbImage; range: [number, number] }> | undefined;
  const getOverview = () =>
    (overview ??= (async () => {
      const image = await readShrunk(source!, { x: 0, y: 0, width, height }, 2 ** overviewLevel);
      return { image, range: displayRange(image) };
    })());

  return async (level: number, tx: number, ty: number): Promise<SlideTile> => {
    if (!Number.isInteger(level) || level < 0 || level >= levels) throw new RangeError(`level ${level} is outside 0..${levels - 1}`);
    const f = 2 ** level;
    const lw = Math.ceil(width / f);
    const lh = Math.ceil(height / f);
    const x = tx * VIEW_TILE;
    const y = ty * VIEW_TILE;
    if (!Number.isInteger(tx) || !Number.isInteger(ty) || tx < 0 || ty < 0 || x >= lw || y >= lh)
      throw new RangeError(`tile ${tx},${ty} is outside level ${level} (${lw}x${lh})`);
    const w = Math.min(VIEW_TILE, lw - x);
    const h = Math.min(VIEW_TILE, lh - y);
    const labels = labelLevels ? await labelTile(labelLevels, level, x, y, w, h) : new Uint32Array(w * h);
    if (!source) return { level, tx, ty, width: w, height: h, image: new Uint8Array(w * h * 3).fill(32), labels };
    const { image: small, range } = await getOverview();
    let part: RgbImage;
    if (level >= overviewLevel) {
      const k = 2 ** (level - overviewLevel);
      const r = { x: x * k, y: y * k, width: Math.min(w * k, small.width - x * k), height: Math.min(h * k, small.height - y * k) };
      part = shrinkImage(cropImage(small, { x: 0, y: 0 }, r), k);
    } else {
      const r = { x: x * f, y: y * f, width: Math.min(w * f, width - x * f), height: Math.min(h * f, height - y * f) };
      part = await readShrunk(source, r, f);
    }
    return { level, tx, ty, width: w, height: h, image: stretch(part, range), labels };
  };
}

/** The labels' pyramid levels, in order, as the multiscales metadata lists them. */
function labelPyramid(dir: string): ZarrArray[] {
  const ms = (zarrAttributes(dir)?.multiscales as { datasets: { path: string }[] }[] | undefined)?.[0];
  if (!ms?.datasets?.length) throw new NucleiInputError(dir, 'has no OME-Zarr labels (multiscales metadata)');
  return ms.datasets.map((d) => withChunkCache(openZarrArray(path.join(dir, d.path)), CHUNKS_KEPT));
}

/** Decoded label chunks kept per level (4 MB each at 1024 px): neighbouring tiles share chunks. */
const CHUNKS_KEPT = 6;

/** The array with its last `keep` chunks kept decoded (least recently read first out). */
function withChunkCache(arr: ZarrArray, keep: number): ZarrArray {
  const cache = new Map<string, Promise<ArrayLike<number>>>();
  return {
    ...arr,
    readChunk(idx) {
      const k = idx.join(',');
      let hit = cache.get(k);
      if (hit) cache.delete(k);
      else {
        hit = arr.readChunk(idx);
        hit.catch(() => cache.delete(k));
      }
      cache.set(k, hit);
      if (cache.size > keep) cache.delete(cache.keys().next().value!);
      return hit;
    },
  };
}

/**
 * Labels of a tile at `level` (x, y, w, h in level pixels): the pyramid's own level when it has
 * one, else its top level sampled every 2^(level - top) pixels (nearest neighbour either way).
 */
async function labelTile(pyramid: ZarrArray[], level: number, x: number, y: number, w: number, h: number): Promise<Uint32Array> {
  const k = Math.min(level, pyramid.length - 1);
  const arr = pyramid[k];
  const s = 2 ** (level - k);
  const [ah, aw] = arr.shape;
  const [ch, cw] = arr.chunks;
  const out = new Uint32Array(w * h);
  // A tile touches at most four chunks: each is read once.
  const chunks = new Map<number, ArrayLike<number>>();
  let chunk: ArrayLike<number> = [];
  let at = -1;
  for (let j = 0; j < h; j++) {
    const ay = (y + j) * s;
    if (ay >= ah) break;
    const cy = Math.floor(ay / ch);
    for (let i = 0; i < w; i++) {
      const ax = (x + i) * s;
      if (ax >= aw) break;
      const cx = Math.floor(ax / cw);
      if (cy * 1e6 + cx !== at) {
        at = cy * 1e6 + cx;
        const known = chunks.get(at);
        if (known) chunk = known;
        else chunks.set(at, (chunk = await arr.readChunk([cy, cx])));
      }
      out[j * w + i] = chunk[(ay - cy * ch) * cw + (ax - cx * cw)];
    }
  }
  return out;
}

/** Low and high display values: the 0.1 and 99.9 percentiles of the overview's samples (original values for deep images). */
export function displayRange(image: RgbImage): [number, number] {
  const values = image.source?.data ?? image.data;
  let low: number;
  let high: number;
  if (values instanceof Uint8Array) {
    // 8-bit: a histogram (exact, and no sort of millions of values).
    const hist = new Float64Array(256);
    for (let i = 0; i < values.length; i++) hist[values[i]]++;
    const at = (p: number) => {
      let seen = 0;
      for (let v = 0; v < 256; v++) if ((seen += hist[v]) > (p / 100) * values.length) return v;
      return 255;
    };
    low = at(0.1);
    high = at(99.9);
  } else {
    const stride = Math.max(1, Math.floor(values.length / 1_000_000));
    const sample = new Float32Array(Math.ceil(values.length / stride));
    for (let i = 0, j = 0; i < values.length; i += stride) sample[j++] = values[i];
    sample.sort();
    const at = (p: number) => sample[Math.min(sample.length - 1, Math.floor((p / 100) * sample.length))];
    low = at(0.1);
    high = at(99.9);
  }
  return high > low ? [low, high] : [low, low + 1];
}

/** The part as 8-bit RGB for display: its values (original samples for deep images) mapped from `range` to 0..255. */
function stretch(part: RgbImage, [low, high]: [number, number]): Uint8Array {
  const n = part.width * part.height;
  const out = new Uint8Array(n * 3);
  const k = 255 / (high - low);
  const src = part.source;
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++) {
      const v = src ? src.data[i * src.channels + Math.min(c, src.channels - 1)] : part.data[3 * i + c];
      out[3 * i + c] = Math.max(0, Math.min(255, Math.round((v - low) * k)));
    }
  return out;
}
