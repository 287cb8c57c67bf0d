import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import { loadModel, type Preprocessing, type SegmentationDefaults, type TrainingInfo, type UNetConfig } from '@nuclei/model';
import { FINE_TUNE, type RecipeName } from './recipes';

/** What fine-tuning starts from: a saved model's network, input normalisation, recipe and weights. */
export interface StartingModel {
  dir: string;
  config: UNetConfig;
  preprocessing?: Preprocessing;
  /** Models with normalised input train with the nuclei recipe, seed models with the seed's. */
  recipe: RecipeName;
  /** How the model segments (its published settings): the fine-tuned model keeps them. */
  segmentation?: SegmentationDefaults;
  /** What the fine-tuned model records about its base (`training.baseModel`). */
  base: { name: string; createdAt: string; dataset?: string; datasetPath?: string; fullsizeDsb?: number };
  /** The images the base model was scored on and never trained on: never mixed into fine-tuning. */
  heldOut: string[];
  /** Sets these weights on a network built from `config` (same layers, same order). */
  applyTo(model: tf.LayersModel): void;
  dispose(): void;
}

/**
 * Loads a model to fine-tune (how Cellpose users adapt a model to their images: a few epochs on a
 * few annotated images, from trained weights instead of random ones). The learning rate defaults
 * to FINE_TUNE.learningRate (measured on corrected images; the model's own is for training from scratch).
 */
export async function loadStartingModel(dir: string, learningRate?: number): Promise<StartingModel> {
  // Kept loaded until dispose(): its weights are copied onto the network being trained.
  const { model, metadata } = await loadModel(dir, { compile: false });
  const config: UNetConfig = { ...metadata.config, learningRate: learningRate ?? FINE_TUNE.learningRate };
  return {
    dir,
    config,
    ...(metadata.preprocessing ? { preprocessing: metadata.preprocessing } : {}),
    recipe: metadata.preprocessing ? 'nuclei' : 'seed',
    ...(metadata.segmentation ? { segmentation: metadata.segmentation } : {}),
    heldOut: Array.isArray(metadata.training?.validationIds) ? (metadata.training.validationIds as string[]) : [],
    base: {
      name: modelLabel(dir),
      createdAt: metadata.createdAt,
      ...(typeof metadata.training?.dataset === 'string' ? { dataset: metadata.training.dataset } : {}),
      ...(typeof metadata.training?.datasetPath === 'string' ? { datasetPath: metadata.training.datasetPath } : {}),
      ...(metadata.metrics?.fullsize_dsb !== undefined ? { fullsizeDsb: metadata.metrics.fullsize_dsb } : {}),
    },
    applyTo(target) {
      const weights = model.getWeights();
      const shapes = (ws: tf.Tensor[]) => ws.map((w) => w.shape.join('x')).join(',');
      if (shapes(target.getWeights()) !== shapes(weights))
        throw new Error(`${dir}: its weights do not fit the network being trained (${weights.length} tensors against ${target.getWeights().length})`);
      target.setWeights(weights);
    },
    dispose() {
      model.dispose();
    },
  };
}

/** A model folder's name for records: `default`, or `run/best` for a checkpoint. */
function modelLabel(dir: string): string {
  const parts = dir.split(/[\\/]+/).filter(Boolean);
  const last = parts[parts.length - 1] ?? dir;
  return last === 'best' || last === 'last' ? parts.slice(-2).join('/') : last;
}

/**
 * What a fine-tuned run records in its metadata: its base model's segmentation settings (a model
 * fine-tuned on a few images segments as its base did, until `publish` re-tunes it on enough
 * held-out images), and the base model and the images it was fine-tuned on.
 */
export function fineTunedMetadata(
  start: StartingModel,
  images: readonly string[],
  mix?: { dir: string; share: number; exclude?: readonly string[] },
): { segmentation?: SegmentationDefaults; training: TrainingInfo } {
  return {
    ...(start.segmentation
      ? { segmentation: { ...start.segmentation, basis: `kept from its base model ${start.base.name} (${start.segmentation.basis ?? 'its defaults'})` } }
      : {}),
    training: {
      fineTunedFrom: start.base.name,
      baseModel: start.base,
      fineTuneImages: [...images],
      // What --resume needs to mix in the same images again.
      ...(mix ? { mix: { dir: mix.dir, share: mix.share, exclude: [...(mix.exclude ?? [])] } } : {}),
    },
  };
}

/**
 * Where a model's dataset may be on this machine, in the order to try: `given`, `$NUCLEI_DSB_DIR`,
 * the path recorded when it was published, the recorded name or path, `../shared/data/<its name>`.
 * Resolved; the caller picks the first that exists (verify, fine-tuning's mix).
 */
export function datasetCandidates(recorded: string | undefined, recordedPath?: string, given?: string): string[] {
  return [given, process.env.NUCLEI_DSB_DIR, recordedPath, recorded, recorded && path.join('..', 'shared', 'data', path.basename(recorded))]
    .filter((p): p is string => !!p)
    .map((p) => path.resolve(p));
}

/** Where the base model's training data is on this machine, for mixing a share of it into fine-tuning; undefined when nowhere. */
export function findBaseData(start: { base: { dataset?: string; datasetPath?: string } }, given?: string): string | undefined {
  return datasetCandidates(start.base.dataset, start.base.datasetPath, given).find((p) => fs.existsSync(p) && fs.statSync(p).isDirectory());
}
