import { createHash } from 'crypto';
import { existsSync } from 'fs';
import { join, resolve } from 'path';
import { cacheFilePath, CACHE_FORMAT_VERSION, cleanStaleTemps, defaultCacheDir, readCache, writeCache } from './cache';
import { inflateGray8PngSync, readGrayWithSharp, readImageRgb, readLabelImage } from './decode';
import { forEachNonZeroRow } from './png-gray8';
import { NucleiInputError } from './errors';
import { listSampleIds, scanPairs, scanSample, type PairFiles, type SampleFiles } from './layout';
import { labelInto, orInto } from './masks';
import { resizeImage, resizeMask } from './resize';
import type { LoadedDataset, LoadOptions, RgbImage, Sample, SkippedSample } from './types';

const DEFAULT_SIZE = 128;
const DEFAULT_CONCURRENCY = 8;

/**
 * Decodes a sample's image, then each mask in turn, checking it has the image's size. `orRow`
 * gets every non-empty row of mask k (the fast PNG path), `orMask` a whole mask (sharp fallback).
 */
async function decodeSample(
  files: SampleFiles,
  sinks: (image: RgbImage) => { row: (k: number, y: number, row: Uint8Array, x0: number, x1: number) => void; mask: (k: number, data: Uint8Array) => void },
): Promise<RgbImage> {
  const image = await readImageRgb(files.imagePath);
  const sink = sinks(image);
  const check = (path: string, w: number, h: number): void => {
    if (w !== image.width || h !== image.height) {
      throw new NucleiInputError(path, `mask is ${w}x${h} but its image ${files.imagePath} is ${image.width}x${image.height}`);
    }
  };
  for (let k = 0; k < files.maskPaths.length; k++) {
    const path = files.maskPaths[k];
    const png = inflateGray8PngSync(path);
    if (png) {
      check(path, png.width, png.height);
      forEachNonZeroRow(png, (y, row, x0, x1) => sink.row(k, y, row, x0, x1));
    } else {
      const m = await readGrayWithSharp(path);
      check(path, m.width, m.height);
      sink.mask(k, m.data);
    }
    // Let other samples' callbacks run between masks of a crowded image.
    if (k % 64 === 63) await new Promise<void>((r) => setImmediate(r));
  }
  return image;
}

async function decodeToModelSize(files: SampleFiles, size: number): Promise<Sample> {
  let union = new Uint8Array(0);
  const image = await decodeSample(files, (img) => {
    union = new Uint8Array(img.width * img.height);
    return {
      row: (_k, y, row, x0, x1) => orInto(union.subarray(y * img.width + x0, y * img.width + x1), row.subarray(x0, x1)),
      mask: (_k, data) => orInto(union, data),
    };
  });
  return {
    id: files.id,
    image: resizeImage(image, size, size).data,
    mask: resizeMask(union, image.width, image.height, size, size),
    originalWidth: image.width,
    originalHeight: image.height,
  };
}

/** Runs `work` over `items` with at most `limit` in flight; stops starting new work after a failure. */
async function runPool<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await work(items[i], i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function asInputError(err: unknown, fallbackPath: string): NucleiInputError {
  if (err instanceof NucleiInputError) return err;
  return new NucleiInputError(fallbackPath, err instanceof Error ? err.message : String(err));
}

/**
 * Loads a DSB-layout dataset at model size: images resized (area average), masks merged then
 * resized and cut at half. Decodes several samples at once and caches the result in one file
 * keyed by the folder, the size and every file's size and mtime, so a changed file rebuilds it.
 */
export async function loadDataset(dir: string, options: LoadOptions = {}): Promise<LoadedDataset> {
  const size = options.size ?? DEFAULT_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
  const skipInvalid = options.skipInvalid ?? false;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const progress = options.onProgress;
  const absDir = resolve(dir);

  const ids = listSampleIds(absDir);
  if (ids.length === 0)
    throw new NucleiInputError(
      absDir,
      'empty dataset: no sample folders (expected <id>/images/<id>.png and <id>/masks/*.png) and no image + label-image pairs (NAME.png with NAME_labels.png or NAME_masks.png)',
    );
  if (!existsSync(join(absDir, ids[0]))) {
    throw new NucleiInputError(
      absDir,
      'holds image + label-image pairs: the seed recipe reads only the Data Science Bowl layout (<id>/images, <id>/masks); train with the nuclei recipe (the default)',
    );
  }

  const skipped: SkippedSample[] = [];
  const skip = (err: NucleiInputError, id: string): void => {
    if (!skipInvalid) throw err;
    skipped.push({ id, path: err.path, reason: err.message });
  };
  const found: SampleFiles[] = [];
  const key = createHash('sha256').update(`v${CACHE_FORMAT_VERSION}\0${absDir}\0${size}\0`);
  ids.forEach((id, i) => {
    try {
      const files = scanSample(absDir, id, options.allowEmpty);
      found.push(files);
      key.update(files.fingerprint);
    } catch (err) {
      if (!(err instanceof NucleiInputError)) throw err;
      skip(err, id);
      key.update(`${id}\0invalid\0${err.message}\n`);
    }
    progress?.({ phase: 'scan', done: i + 1, total: ids.length, id });
  });
  const cacheKey = key.digest('hex');

  const cacheDir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
  const cacheFile = cacheDir === false ? undefined : cacheFilePath(cacheDir, absDir, size);
  if (cacheFile) {
    progress?.({ phase: 'cache', done: 0, total: 1 });
    const cached = await readCache(cacheFile, cacheKey, size);
    if (cached) {
      progress?.({ phase: 'cache', done: 1, total: 1 });
      // A cache built while skipping still holds the reasons; without skipInvalid they are errors.
      if (!skipInvalid && cached.skipped.length) {
        const first = cached.skipped[0];
        throw new NucleiInputError(first.path, first.reason.startsWith(first.path) ? first.reason.slice(first.path.length + 2) : first.reason);
      }
      return finish(absDir, cached.samples, cached.skipped, size);
    }
  }

  const decoded: Array<Sample | undefined> = new Array(found.length);
  let done = 0;
  await runPool(found, concurrency, async (files, i) => {
    try {
      decoded[i] = await decodeToModelSize(files, size);
    } catch (err) {
      skip(asInputError(err, files.imagePath), files.id);
    }
    done++;
    progress?.({ phase: 'decode', done, total: found.length, id: files.id });
  });
  const samples = decoded.filter((s): s is Sample => s !== undefined);
  skipped.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  if (cacheFile) {
    progress?.({ phase: 'cache', done: 0, total: 1 });
    // The cache is an optimisation: failing to write it must not fail the load.
    await writeCache(cacheFile, cacheKey, size, samples, skipped).catch(() => undefined);
    await cleanStaleTemps(cacheFile);
    progress?.({ phase: 'cache', done: 1, total: 1 });
  }
  return finish(absDir, samples, skipped, size);
}

/** The pairs-layout files of sample `id` when `dir` holds no sample folder of that name (`pairs`: the folder already scanned). */
function pairOf(dir: string, id: string, pairs?: Map<string, PairFiles>): PairFiles | undefined {
  if (existsSync(join(dir, id))) return undefined;
  return (pairs ?? scanPairs(dir, () => undefined))?.get(id);
}

function finish(absDir: string, samples: Sample[], skipped: SkippedSample[], size: number): LoadedDataset {
  if (samples.length === 0) {
    const why = skipped.length ? `; all ${skipped.length} skipped, first: ${skipped[0].reason}` : '';
    throw new NucleiInputError(absDir, `empty dataset: no valid samples${why}`);
  }
  return { samples, skipped, size };
}

/**
 * One sample at full size with instance labels (mask files in name order become labels 1..n),
 * for evaluating predictions against the original-resolution truth.
 */
export async function loadSampleFullSize(
  dir: string,
  id: string,
  pairs?: Map<string, PairFiles>,
  options: Pick<LoadOptions, 'allowEmpty'> = {},
): Promise<{ id: string; image: RgbImage; labels: Int32Array; imagePath: string }> {
  const pair = pairOf(resolve(dir), id, pairs);
  if (pair) {
    const image = await readImageRgb(pair.imagePath);
    const l = await readLabelImage(pair.labelPath);
    if (l.width !== image.width || l.height !== image.height) {
      throw new NucleiInputError(pair.labelPath, `label image is ${l.width}x${l.height}, its image ${pair.imagePath} is ${image.width}x${image.height}`);
    }
    return { id, image, labels: l.labels, imagePath: pair.imagePath };
  }
  const files = scanSample(resolve(dir), id, options.allowEmpty);
  let labels = new Int32Array(0);
  const image = await decodeSample(files, (img) => {
    labels = new Int32Array(img.width * img.height);
    return {
      row: (k, y, row, x0, x1) => labelInto(labels.subarray(y * img.width + x0, y * img.width + x1), row.subarray(x0, x1), k + 1),
      mask: (k, data) => labelInto(labels, data, k + 1),
    };
  });
  return { id, image, labels, imagePath: files.imagePath };
}

/** A sample at its own size with instance labels (training on native-resolution crops). */
export interface FullSizeSample {
  id: string;
  image: RgbImage;
  labels: Int32Array;
}

/**
 * Every sample of a DSB-layout dataset at full size, decoded once (crops are then cut from memory,
 * never decoded again per epoch). Bad samples throw, or with `skipInvalid` are listed in `skipped`.
 */
export async function loadFullSizeDataset(
  dir: string,
  options: Pick<LoadOptions, 'concurrency' | 'skipInvalid' | 'allowEmpty' | 'onProgress'> & { ids?: readonly string[] } = {},
): Promise<{ samples: FullSizeSample[]; skipped: SkippedSample[] }> {
  const absDir = resolve(dir);
  // `ids`: only these samples (e.g. a share of a model's training set mixed into fine-tuning).
  const ids = options.ids ? [...options.ids] : listSampleIds(absDir);
  if (ids.length === 0)
    throw new NucleiInputError(
      absDir,
      'empty dataset: no sample folders (expected <id>/images/<id>.png and <id>/masks/*.png) and no image + label-image pairs (NAME.png with NAME_labels.png or NAME_masks.png)',
    );
  const skipped: SkippedSample[] = [];
  const decoded: Array<FullSizeSample | undefined> = new Array(ids.length);
  let done = 0;
  // The pairs layout: its folder scanned once, not once per sample.
  const pairs = existsSync(join(absDir, ids[0])) ? undefined : scanPairs(absDir, () => undefined);
  await runPool(ids, options.concurrency ?? DEFAULT_CONCURRENCY, async (id, i) => {
    try {
      decoded[i] = await loadSampleFullSize(absDir, id, pairs, options);
    } catch (err) {
      const e = asInputError(err, resolve(absDir, id));
      if (!options.skipInvalid) throw e;
      skipped.push({ id, path: e.path, reason: e.message });
    }
    done++;
    options.onProgress?.({ phase: 'decode', done, total: ids.length, id });
  });
  const samples = decoded.filter((s): s is FullSizeSample => s !== undefined);
  if (samples.length === 0) throw new NucleiInputError(absDir, `empty dataset: no valid samples${skipped.length ? `; first: ${skipped[0].reason}` : ''}`);
  return { samples, skipped };
}
