// One training run, the same for `nuclei train` and the extension: the recipe's data, the network
// (built from its seed, or a starting model's weights), the callbacks that write the run folder,
// and what marks a folder as holding a run or as in use by one. The apps keep their flags and
// dialogs.
import * as fs from 'fs';
import * as path from 'path';
import type * as tf from '@tensorflow/tfjs';
import { isAlive, NucleiInputError, type LoadProgress } from '@nuclei/data';
import { buildUNet, isPresetName, resolveConfig, type PresetName, type SegmentationDefaults, type UNetConfig } from '@nuclei/model';
import { BEST_DIR, LAST_DIR } from './callbacks/checkpoint';
import { defaultCallbacks } from './callbacks/default-callbacks';
import type { EarlyStoppingOptions } from './callbacks/early-stopping';
import { HISTORY_CSV } from './callbacks/history';
import type { ProgressEvent } from './callbacks/progress';
import type { ReduceLrOnPlateauOptions } from './callbacks/reduce-lr-on-plateau';
import { fineTunedMetadata, type StartingModel } from './fine-tune';
import { DEFAULT_OPTIONS } from './options';
import { DEFAULT_RECIPE, FINE_TUNE, prepareRecipe, RECIPES, type PreparedRecipe, type RecipeName, type RecipeRequest } from './recipes';
import { resumeTraining } from './resume';
import { sampleIds, train } from './train';
import type { TrainResult } from './types';

/** The lock file of a run folder: the pid of the process training into it. */
export const RUN_LOCK = '.nuclei-train.lock';
/** What a run writes first and keeps: any of them means the folder holds a run. */
const RUN_FILES = [LAST_DIR, BEST_DIR, HISTORY_CSV];

/** The files of a training run that `dir` holds (checkpoints, history); none: no run there. */
export function trainingRunFiles(dir: string): string[] {
  return RUN_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
}

/** Whether `dir` holds a training run (which a new run must not replace unasked). */
export function holdsTrainingRun(dir: string): boolean {
  return trainingRunFiles(dir).length > 0;
}

/** Another live process trains into the folder. */
export class RunLockError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`${dir} is in use by another training run (pid ${pid}); wait for it or stop it first`);
    this.name = 'RunLockError';
  }
}

/**
 * One run per folder: `dir/.nuclei-train.lock` holds the pid. A lock of a process that is gone is
 * taken over; a live one (this process too) is refused with RunLockError. `dir` must exist; other
 * file errors are thrown as they are (errno). Returns the release function (also run at exit).
 */
export function takeRunLock(dir: string): () => void {
  const lock = path.join(dir, RUN_LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lock, 'utf8').trim());
      if (pid && isAlive(pid)) throw new RunLockError(dir, pid);
      fs.rmSync(lock, { force: true }); // left by a killed run
      continue;
    }
    const release = () => {
      process.removeListener('exit', release);
      try {
        if (fs.readFileSync(lock, 'utf8').trim() === String(process.pid)) fs.rmSync(lock, { force: true });
      } catch {
        // already gone
      }
    };
    process.once('exit', release);
    return release;
  }
  throw new Error(`${dir}: could not take the training lock`);
}

/** Whether a preset describes a network config (input size and learning rate aside: they are set apart). */
export function presetMatches(name: string, config: UNetConfig): boolean {
  if (!isPresetName(name)) return false;
  const canon = (c: UNetConfig) => JSON.stringify(Object.entries({ ...c, inputSize: 0, learningRate: 0 }).sort(([a], [b]) => (a < b ? -1 : 1)));
  return canon(resolveConfig(name)) === canon(config);
}

/** What a continued run recorded (its last checkpoint's metadata), kept by the continuation. */
export interface StoredRunInfo {
  recipe: RecipeName;
  config: UNetConfig;
  preset: PresetName | 'custom';
  /** Fine-tuning records (fineTunedFrom, baseModel, ...), when the run fine-tuned a model. */
  fineTune?: Record<string, unknown>;
  segmentation?: SegmentationDefaults;
}

export interface RecipeRun extends Pick<
  RecipeRequest,
  'size' | 'learningRate' | 'cropsPerImage' | 'kindBalance' | 'cropScale' | 'mix' | 'channels' | 'loss' | 'skipInvalid' | 'cacheDir'
> {
  /** The run folder (best/, last/, history). The caller holds its lock (takeRunLock). */
  out: string;
  /** Default: the starting model's, else DEFAULT_RECIPE. */
  recipe?: RecipeName;
  /** Network of a new model (default the recipe's preset). */
  preset?: PresetName;
  /** Fine-tune from these weights, keeping the model's network, normalisation and recipe; disposed by the run. */
  start?: StartingModel;
  /** Continue the run in `out` from its last checkpoint (resumeTraining). */
  resume?: StoredRunInfo;
  /** Defaults: the recipe's epochs, or FINE_TUNE's when fine-tuning (its validation split and crops too). */
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
  seed?: number;
  /** Seed recipe: flips, rotations and crops (the nuclei recipe always augments). */
  augment?: boolean;
  workers?: number;
  workerScript?: string;
  signal?: AbortSignal;
  /** The TF.js backend in use, recorded in the model's metadata. */
  backend: string;
  onLoad?: (p: LoadProgress) => void;
  /** The data is loaded, the first epoch not started (what the apps report about the data). */
  onPrepared?: (prepared: PreparedRecipe, epochs: number) => void;
  onProgress?: (event: ProgressEvent) => void;
  earlyStopping?: EarlyStoppingOptions;
  reduceLr?: ReduceLrOnPlateauOptions;
}

export interface RecipeRunResult {
  result: TrainResult;
  /** What the checkpoints record as the model's preset ('custom' unless the network is the preset's own). */
  preset: PresetName | 'custom';
  epochs: number;
}

/**
 * Trains one run into `run.out` on the dataset in `data`: loads it the way the recipe trains,
 * builds the network from the seed (or the starting model's weights, or continues the stored
 * run), and writes best/last checkpoints and the history as it goes.
 */
export async function trainWithRecipe(data: string, run: RecipeRun): Promise<RecipeRunResult> {
  const { start, resume } = run;
  const recipe = resume?.recipe ?? start?.recipe ?? run.recipe ?? DEFAULT_RECIPE;
  // The starting model's weights are held until they are copied onto the new network.
  let held = start;
  const release = () => {
    held?.dispose();
    held = undefined;
  };
  let model: tf.LayersModel | undefined;
  try {
    const prepared = await prepareRecipe(data, {
      recipe,
      ...(start ? { config: start.config, preprocessing: start.preprocessing } : resume ? { config: resume.config } : { preset: run.preset }),
      size: start?.config.inputSize ?? run.size,
      learningRate: run.learningRate,
      cropsPerImage: run.cropsPerImage ?? (start ? FINE_TUNE.cropsPerImage : undefined),
      kindBalance: run.kindBalance,
      cropScale: run.cropScale,
      ...(run.mix ? { mix: run.mix } : {}),
      ...(start || resume ? {} : { channels: run.channels, loss: run.loss }),
      skipInvalid: run.skipInvalid,
      cacheDir: run.cacheDir,
      onProgress: run.onLoad,
    });
    const epochs = run.epochs ?? (start ? FINE_TUNE.epochs : RECIPES[recipe].epochs);
    run.onPrepared?.(prepared, epochs);
    // (After the apps have listed what was skipped.)
    if (prepared.samples === 0)
      throw new NucleiInputError(data, 'no usable samples (expected <id>/images/<id>.png and <id>/masks/*.png, or NAME + NAME_labels pairs)');
    const { config, preprocessing } = prepared;
    const mixed = new Set(prepared.mixedIds);
    // A fine-tuned model segments as its base did, and names its base and the images it learned from.
    const fineTuned = start
      ? fineTunedMetadata(
          start,
          sampleIds(prepared.data).filter((id) => !mixed.has(id)),
          run.mix,
        )
      : undefined;
    const preset = resume ? resume.preset : start ? 'custom' : presetOfNetwork(run.preset ?? RECIPES[recipe].preset, config);
    const segmentation = (fineTuned ?? resume)?.segmentation;
    const callbacks = defaultCallbacks(run.out, {
      onProgress: run.onProgress,
      metadata: {
        preset,
        config,
        training: { dataset: data, backend: run.backend, recipe, ...(fineTuned?.training ?? resume?.fineTune) },
        ...(preprocessing ? { preprocessing } : {}),
        ...(segmentation ? { segmentation } : {}),
      },
      cosine: prepared.cosine ? {} : undefined,
      earlyStopping: run.earlyStopping,
      reduceLr: run.reduceLr,
    });
    const common = { epochs, workers: run.workers, workerScript: run.workerScript, callbacks, signal: run.signal };
    if (resume) {
      // The seed, split, batch size and augmentation are the stored run's.
      const resumed = await resumeTraining(run.out, prepared.data, common);
      model = resumed.model;
      return { result: resumed, preset, epochs };
    }
    const seed = run.seed ?? DEFAULT_OPTIONS.seed;
    model = buildUNet(config, { seed }); // compiled with the config's learning rate
    if (start) start.applyTo(model);
    release();
    const result = await train(model, prepared.data, {
      ...common,
      seed,
      batchSize: run.batchSize,
      validationSplit: run.validationSplit ?? (start ? FINE_TUNE.validationSplit : undefined),
      augment: RECIPES[recipe].crops || Boolean(run.augment),
    });
    return { result, preset, epochs };
  } finally {
    release();
    model?.dispose();
  }
}

/** A new model's preset name: the preset when the network is its own (size and learning rate too), else 'custom'. */
function presetOfNetwork(name: PresetName, config: UNetConfig): PresetName | 'custom' {
  const base = resolveConfig(name);
  return presetMatches(name, config) && config.inputSize === base.inputSize && config.learningRate === base.learningRate ? name : 'custom';
}
