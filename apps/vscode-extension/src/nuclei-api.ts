// The extension's one door to the nuclei packages (TF.js, sharp). Commands load it with a
// dynamic import so that activation stays light, and unit tests replace it with jest.mock.
// (Not "engine": that word means what predicts, ONNX Runtime or TF.js, as in `nuclei.engine`.)
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import type { AxesView, PlaneChoice } from './webview/messages';
import {
  describeImageAxes,
  isDatasetImage,
  loadSampleFullSize,
  readAllChannels,
  readLabelImage,
  readPixelSize,
  writeFileAtomic,
  type IntensityChannel,
  type LoadProgress,
  type PixelSize,
  type RgbImage,
  type SkippedSample,
} from '@nuclei/data';
import { isModelDir, loadModel, MODEL_JSON, type ModelMetadata, type TilePredictor } from '@nuclei/model';
import { selectBackend, type BackendPreference } from '@nuclei/backend';
import { describeEngine, selectEngine, type EnginePreference } from '@nuclei/onnx';
import {
  evaluateModelOnDataset,
  filterResult,
  measureNuclei,
  outputPaths,
  readImageForSegmentation,
  segment,
  segmentOptionsForModel,
  writeSegmentationOutputs,
  type FilterTally,
  type NucleusFilters,
  type NucleusMeasurements,
  type OutputInfo,
  type OutputKind,
  type SegmentResult,
} from '@nuclei/segmentation';
import { formatReportTable, type EvaluationReport } from '@nuclei/evaluation';
import {
  BEST_DIR,
  defaultWorkerCount,
  FINE_TUNE,
  findBaseData,
  holdsTrainingRun,
  LAST_DIR,
  loadStartingModel,
  RECIPES,
  takeRunLock,
  trainWithRecipe,
  type ProgressEvent,
  type RecipeName,
  type TrainResult,
} from '@nuclei/training';
import * as tf from '@tensorflow/tfjs';
export { openSlideView, openSlideImage, VIEW_TILE, blockwiseReason, segmentSlide, slideBase, type SlideView } from '@nuclei/slide';

export type { RgbImage, EvaluationReport, ProgressEvent, LoadProgress, NucleusMeasurements, PixelSize, IntensityChannel };

/** What `segment` returns (labels, areas, count, mean area, mask, probabilities). */
export type Segmentation = SegmentResult;

export interface OutputPaths {
  mask: string;
  labels: string;
  overlay: string;
  summary: string;
  csv: string;
  measurements?: string;
  rois?: string;
  geojson?: string;
}

export interface LoadedModel {
  model: tf.LayersModel;
  metadata: ModelMetadata;
  dir: string;
  /** What predicts with it: ONNX Runtime when it loads (and `nuclei.engine` allows), else TF.js. */
  predictor: TilePredictor;
  /** The log line saying which engine that is. */
  engineLine: string;
}

let backendFor: { preference: string; description: Promise<string> } | undefined;

/**
 * Selects the TF.js backend once per preference; returns `describe()` for the log. The wasm
 * binaries are found by @nuclei/backend in dist/wasm beside this bundle (copied by build.js).
 */
export function ensureBackend(preference: BackendPreference): Promise<string> {
  if (!backendFor || backendFor.preference !== preference) {
    const description = selectBackend(preference).then((s) => s.describe());
    description.catch(() => {
      if (backendFor?.description === description) backendFor = undefined;
    });
    backendFor = { preference, description };
  }
  return backendFor.description;
}

const models = new Map<string, { stamp: number; loaded: Promise<LoadedModel> }>();

/**
 * Loads a saved model folder (model.json + weights + nuclei-model.json) and its predictor (one
 * ONNX Runtime session per model, reused for every image), cached until the folder changes.
 */
export function loadModelCached(dir: string, enginePreference: EnginePreference = 'auto'): Promise<LoadedModel> {
  const file = path.join(dir, MODEL_JSON);
  if (!isModelDir(dir)) {
    return Promise.reject(new Error(`No ${MODEL_JSON} in ${dir}`));
  }
  const stamp = fs.statSync(file).mtimeMs;
  const key = `${enginePreference}:${dir}`;
  const hit = models.get(key);
  if (hit && hit.stamp === stamp) return hit.loaded;
  if (hit) void hit.loaded.then(release, () => undefined);
  // Not compiled: the extension only predicts with loaded models (training builds its own).
  const loaded = loadModel(dir, { compile: false }).then(async (m) => {
    const selection = await selectEngine(m.model, enginePreference).catch((e) => {
      m.model.dispose();
      throw e;
    });
    return { model: m.model, metadata: m.metadata, dir, predictor: selection.predictor, engineLine: describeEngine(selection) };
  });
  loaded.catch(() => models.delete(key));
  models.set(key, { stamp, loaded });
  return loaded;
}

function release(m: LoadedModel): void {
  m.predictor.dispose();
  m.model.dispose();
}

/**
 * Decodes an image (size checked from the header first): `plane.channel` picks one channel (as
 * describeImageAxes lists them), `plane.z` a Z plane or projection. Errors are NucleiInputError
 * naming the file.
 */
export function readImage(file: string, plane: { channel?: number; z?: PlaneChoice } = {}): Promise<RgbImage> {
  return readImageForSegmentation(file, undefined, plane);
}

/** One sample of a labelled dataset (either layout): its image, true labels and image file. */
export function loadSample(datasetDir: string, id: string): Promise<{ image: RgbImage; labels: Int32Array; imagePath: string }> {
  return loadSampleFullSize(datasetDir, id);
}

/** A saved label image (`NAME_labels.png`): 0 background, 1..n nuclei. */
export function readLabels(file: string): Promise<{ width: number; height: number; labels: Int32Array }> {
  return readLabelImage(file);
}

/** What an image holds besides x and y: channels with their names, Z planes, RGB or not (one channel when unreadable). */
export async function imageAxes(file: string): Promise<AxesView> {
  try {
    const a = await describeImageAxes(file);
    return { channels: a.channels, planes: a.planes, rgb: a.rgb };
  } catch {
    return { channels: [{ index: 0 }], planes: 1, rgb: false }; // readImage says what is wrong with the file
  }
}

/** Every channel of a plane (or projection), named, for the measurements. */
export function readChannels(file: string, z?: PlaneChoice): Promise<IntensityChannel[]> {
  return readAllChannels(file, { z });
}

export interface SegmentSettings {
  /** 'auto': what the model's metadata recommends (else tile). */
  mode: 'auto' | 'tile' | 'resize';
  /** Unset: the model's recommendation. */
  threshold: number | undefined;
}

function optionsFor(metadata: ModelMetadata | undefined, { mode, threshold }: SegmentSettings) {
  return segmentOptionsForModel(metadata, { mode: mode === 'auto' ? undefined : mode, threshold });
}

/** The settings a slide's blocks are segmented with: the model's, with the user's mode and threshold (as segmentImage). */
export function slideOptions(metadata: ModelMetadata | undefined, settings: SegmentSettings) {
  return optionsFor(metadata, settings);
}

export function segmentImage(
  image: RgbImage,
  model: tf.LayersModel | TilePredictor,
  metadata: ModelMetadata | undefined,
  settings: SegmentSettings & { source?: string; onProgress?: (done: number, total: number) => void; signal?: AbortSignal },
): Promise<Segmentation> {
  return segment(image, model, { ...optionsFor(metadata, settings), source: settings.source, onProgress: settings.onProgress, signal: settings.signal });
}

/** The pixel size an image file records (TIFF metadata), or undefined. */
export function pixelSizeOf(file: string): PixelSize | undefined {
  return readPixelSize(file);
}

/**
 * Per-nucleus measurements (as the saved `_measurements.csv`), lengths in microns when `pixelSize`
 * is given; intensities of `channels` (every channel of the file), else of the image segmented.
 */
export function measure(
  result: Pick<Segmentation, 'labels' | 'width' | 'height' | 'count'>,
  image: RgbImage,
  pixelSize?: number,
  channels?: IntensityChannel[],
): NucleusMeasurements[] {
  return measureNuclei(result.labels, result.width, result.height, result.count, channels ?? image, pixelSize ?? 1);
}

/** The nuclei the viewer's filters keep (areas in pixels), and what each filter removed. */
export function filterSegmentation(result: Segmentation, filters: NucleusFilters): { result: Segmentation; removed: FilterTally } {
  return filterResult(result, filters);
}

export function writeOutputs(
  result: Segmentation,
  image: RgbImage,
  outDir: string,
  baseName: string,
  info: Pick<OutputInfo, 'imagePath' | 'model' | 'pixelSize' | 'overlay' | 'channels' | 'input' | 'filters'> & { outputs?: OutputKind[] } = {},
): Promise<OutputPaths> {
  // Without `outputs` every kind is written, so every path is there.
  return writeSegmentationOutputs(result, image, outDir, baseName, info) as Promise<OutputPaths>;
}

/** The files writeOutputs would write (all kinds, or `kinds`), for checking what they would replace. */
export function outputFiles(outDir: string, baseName: string, kinds?: OutputKind[]): string[] {
  return Object.values(outputPaths(outDir, baseName, kinds)).filter((f): f is string => typeof f === 'string');
}

/** Writes a text file atomically (a temp file beside it, then a rename): never half a file. */
export function writeTextAtomic(file: string, text: string): Promise<void> {
  return writeFileAtomic(file, text);
}

export { isDatasetImage, writeFileAtomic };
/** Whether a folder holds a training run (checkpoints, history): one rule with `nuclei train`. */
export { holdsTrainingRun };
/** The corrected label image as the dataset loader reads it: 16-bit PNG, or 32-bit TIFF above 65,535. */
export { encodeLabelImage, type LabelFile } from './corrections/label-file';

/** PNG of an RGB image (a part of a large image at full resolution, for the viewer's detail). */
export function encodePng(image: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png()
    .toBuffer();
}

/** Checks that sharp's native module loads (logged at the first command). */
export function sharpVersions(): Record<string, string | undefined> {
  return sharp.versions as unknown as Record<string, string | undefined>;
}

/** The recipes' epochs, as the training dialog states them ("30 for nuclei, 20 for seed"): defined once in @nuclei/training. */
/** The measured fine-tuning defaults (one definition in @nuclei/training). */
export { FINE_TUNE };

export function recipeEpochs(): string {
  return Object.entries(RECIPES)
    .map(([name, r]) => `${r.epochs} for ${name}`)
    .join(', ');
}

export interface TrainRequest {
  datasetDir: string;
  outDir: string;
  /** Unset: the recipe's. */
  epochs?: number;
  batchSize: number;
  inputSize: number;
  /** Default 'nuclei' (crops, two outputs); 'seed' the seed notebook's recipe. */
  recipe?: RecipeName;
  /** Fine-tune this model (its network, normalisation, recipe and weights) instead of starting from random weights. */
  fromModelDir?: string;
  /** Fine-tuning: how much of the base model's own training data to mix in. */
  fineTune?: FineTuneSettings;
  /** Replicas per batch (0 = one per core on wasm/cpu) and the script their threads run. */
  workers: number;
  workerScript: string;
  signal: AbortSignal;
  onLoad?: (p: LoadProgress) => void;
  onStart?: (info: { samples: number; skipped: SkippedSample[]; workers: number; epochs: number; mixNote?: string }) => void;
  onProgress: (e: ProgressEvent) => void;
}

/** Fine-tuning beyond the measured defaults (FINE_TUNE in @nuclei/training). */
export interface FineTuneSettings {
  /** Share of the training images drawn from the base model's own training data (0 = none). */
  mixShare?: number;
  /** Where that data is, when not where the model records it. */
  mixData?: string;
}

export interface TrainOutcome {
  result: TrainResult;
  /** The folder of the model to use (best checkpoint, else the last). */
  modelDir: string | undefined;
}

/**
 * One training run, as `nuclei train` runs it (trainWithRecipe in @nuclei/training), holding the
 * run folder's lock so that no other run (another window, the CLI) trains into it meanwhile.
 */
export async function trainModel(req: TrainRequest): Promise<TrainOutcome> {
  const made = !fs.existsSync(req.outDir);
  fs.mkdirSync(req.outDir, { recursive: true });
  const release = takeRunLock(req.outDir);
  try {
    const start = req.fromModelDir ? await loadStartingModel(req.fromModelDir) : undefined;
    // Fine-tuning: a share of the base model's training data when asked for and found on this machine.
    const mixDir = start && req.fineTune?.mixShare ? findBaseData(start, req.fineTune.mixData) : undefined;
    const mix = start && mixDir ? { dir: mixDir, share: req.fineTune!.mixShare!, exclude: start.heldOut } : undefined;
    const workers = req.workers || defaultWorkerCount(tf.getBackend());
    const { result } = await trainWithRecipe(req.datasetDir, {
      out: req.outDir,
      recipe: req.recipe,
      start,
      size: req.inputSize,
      ...(mix ? { mix } : {}),
      epochs: req.epochs,
      batchSize: req.batchSize,
      workers,
      workerScript: req.workerScript,
      signal: req.signal,
      backend: tf.getBackend(),
      skipInvalid: true,
      onLoad: req.onLoad,
      onPrepared: (prepared, epochs) => {
        const mixNote =
          start && req.fineTune?.mixShare
            ? mix
              ? `mixed in ${prepared.mixedIds.length} images of ${mix.dir}`
              : `${start.base.dataset ?? "the base model's training data"} not found: not mixed in`
            : undefined;
        req.onStart?.({ samples: prepared.samples, skipped: prepared.skipped, workers, epochs, mixNote });
      },
      onProgress: req.onProgress,
    });
    return { result, modelDir: trainedModelDir(req.outDir) };
  } finally {
    release();
    // A run that wrote nothing leaves no folder behind (rmdir removes only an empty one).
    if (made) fs.promises.rmdir(req.outDir).catch(() => undefined);
  }
}

/** Where the checkpoint callback left a usable model: `best`, then `last`, then the folder itself. */
export function trainedModelDir(outDir: string): string | undefined {
  for (const dir of [path.join(outDir, BEST_DIR), path.join(outDir, LAST_DIR), outDir]) {
    if (isModelDir(dir)) return dir;
  }
  return undefined;
}

export async function evaluate(
  datasetDir: string,
  model: tf.LayersModel | TilePredictor,
  metadata: ModelMetadata | undefined,
  settings: SegmentSettings,
  onProgress?: (done: number, total: number, id?: string) => void,
  signal?: AbortSignal,
): Promise<{ report: EvaluationReport; text: string }> {
  const report = await evaluateModelOnDataset(datasetDir, model, {
    ...optionsFor(metadata, settings),
    signal,
    onProgress: (done, total, row) => onProgress?.(done, total, row.id),
  });
  return { report, text: formatReportTable(report) };
}
