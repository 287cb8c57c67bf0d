import { listSampleIds, loadDataset, loadFullSizeDataset, seededShuffle, type LoadProgress, type SkippedSample } from '@nuclei/data';
import { DEFAULT_PREPROCESSING, resolveConfig, type PresetName, type Preprocessing, type UNetConfig } from '@nuclei/model';
import { DEFAULT_CROP_OPTIONS } from './crops';
import type { TrainData } from './train';

/**
 * The two ways to train, one definition for the CLI and the extension.
 * 'nuclei' (default): percentile-normalised input with light backgrounds inverted, a mask and a
 * touching-border output, BCE + Dice, random native-resolution crops with scale / flip / rotation /
 * intensity augmentation, cosine learning rate. 'seed': the Kaggle seed notebook (whole images
 * squeezed to the model size, BCE, no augmentation).
 */
export const RECIPES = {
  nuclei: { preset: 'nuclei' as PresetName, epochs: 30, crops: true },
  seed: { preset: 'seed' as PresetName, epochs: 20, crops: false },
} as const;

export type RecipeName = keyof typeof RECIPES;

/**
 * How a trained model is fine-tuned on a few corrected images (`train --from`, the extension's
 * "Fine-tune on my corrections"), chosen by measurement: see models/default/README.md
 * ("Fine-tuning on your corrections"). Every corrected image trains (no validation split: with a
 * handful of images one held-out image says little and costs a fifth of the data).
 */
export const FINE_TUNE = {
  epochs: 10,
  cropsPerImage: 16,
  learningRate: 2e-4,
  validationSplit: 0,
  /**
   * Share of the training images drawn from the base model's own training data (when it is found):
   * on 5 corrected stained images it kept fluorescence at -0.01 DSB where fine-tuning on the
   * corrections alone, as hard, cost -0.08.
   */
  mixShare: 0.5,
} as const;
export const DEFAULT_RECIPE: RecipeName = 'nuclei';

export function isRecipeName(name: unknown): name is RecipeName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(RECIPES, name);
}

export interface RecipeRequest {
  recipe: RecipeName;
  /** Network: the recipe's preset unless given (a config, e.g. from a checkpoint being resumed). */
  config?: UNetConfig;
  preset?: PresetName;
  /** Model input side (default the preset's). */
  size?: number;
  learningRate?: number;
  /** Crops per image per epoch (crop recipes). */
  cropsPerImage?: number;
  /** Crop recipes: how much rare kinds of image are oversampled (`CropOptions.kindBalance`). */
  kindBalance?: number;
  /** Crop recipes: the scale range of the crops (`CropOptions.scale`, default 0.6-2.0). */
  cropScale?: [number, number];
  /**
   * Crop recipes: mix images of another dataset (a fine-tuned model's own training data) into the
   * training images, `share` of them (0..0.9): a seeded random subset, so it does not forget.
   */
  mix?: { dir: string; share: number; seed?: number; exclude?: readonly string[] };
  /** Crop recipes: 'rgb' (default, colour kept for stained images) or 'gray' (one intensity channel). */
  channels?: 'rgb' | 'gray';
  /** Loss (default the preset's: bceDice for nuclei presets). */
  loss?: 'bce' | 'bceDice';
  /** The input normalisation (default: the recipe's; fine-tuning keeps the starting model's). */
  preprocessing?: Preprocessing;
  skipInvalid?: boolean;
  /** Seed recipe: the dataset cache (false disables). */
  cacheDir?: string | false;
  onProgress?: (p: LoadProgress) => void;
}

export interface PreparedRecipe {
  data: TrainData;
  config: UNetConfig;
  preprocessing?: Preprocessing;
  /** Samples in the dataset that loaded. */
  samples: number;
  skipped: SkippedSample[];
  /** Whether the run uses the cosine learning-rate schedule. */
  cosine: boolean;
  /** The ids of the samples mixed in from `mix.dir` (not the dataset's own). */
  mixedIds: string[];
}

/** Loads a dataset the way a recipe trains on it, with the network config and preprocessing it needs. */
export async function prepareRecipe(dir: string, req: RecipeRequest): Promise<PreparedRecipe> {
  const recipe = RECIPES[req.recipe];
  const base = req.config ?? resolveConfig(req.preset ?? recipe.preset);
  const channels = req.channels ?? (req.config && req.config.inputChannels === 1 ? 'gray' : 'rgb');
  const config: UNetConfig = {
    ...base,
    inputSize: req.size ?? base.inputSize,
    learningRate: req.learningRate ?? base.learningRate,
    ...(base.inputScale === 1 ? { inputChannels: channels === 'gray' ? 1 : 3 } : {}),
    ...(req.loss ? { loss: req.loss } : {}),
  };
  const preprocessing = config.inputScale === 1 ? (req.preprocessing ?? { ...DEFAULT_PREPROCESSING, channels }) : undefined;
  if (recipe.crops) {
    if (!preprocessing) throw new Error(`recipe ${req.recipe} needs a network that takes normalised input (preset nuclei or nuclei-small)`);
    const full = await loadFullSizeDataset(dir, { onProgress: req.onProgress, skipInvalid: req.skipInvalid });
    const mixed = req.mix
      ? await loadMix(req.mix, full.samples.length, new Set([...full.samples.map((s) => s.id), ...(req.mix.exclude ?? [])]), req.onProgress)
      : [];
    return {
      data: {
        kind: 'crops',
        samples: [...full.samples, ...mixed],
        size: config.inputSize,
        crops: {
          ...DEFAULT_CROP_OPTIONS,
          cropsPerImage: req.cropsPerImage ?? DEFAULT_CROP_OPTIONS.cropsPerImage,
          kindBalance: req.kindBalance ?? DEFAULT_CROP_OPTIONS.kindBalance,
          scale: req.cropScale ?? DEFAULT_CROP_OPTIONS.scale,
          preprocessing,
          outputs: config.outputChannels,
        },
      },
      config,
      preprocessing,
      samples: full.samples.length,
      skipped: full.skipped,
      cosine: true,
      mixedIds: mixed.map((s) => s.id),
    };
  }
  const dataset = await loadDataset(dir, { size: config.inputSize, cacheDir: req.cacheDir, onProgress: req.onProgress, skipInvalid: req.skipInvalid });
  if (req.mix) throw new Error(`mixing in another dataset needs a crop recipe (nuclei), not ${req.recipe}`);
  return { data: dataset.samples, config, preprocessing, samples: dataset.samples.length, skipped: dataset.skipped, cosine: false, mixedIds: [] };
}

/**
 * A seeded random subset of `mix.dir`, `share` of the training images once added to the `own` ones;
 * never one of `skip` (the dataset's own ids, and the images the base model was scored on).
 */
async function loadMix(mix: NonNullable<RecipeRequest['mix']>, own: number, skip: Set<string>, onProgress?: (p: LoadProgress) => void) {
  if (!(mix.share >= 0 && mix.share <= 0.9)) throw new RangeError(`the share of mixed-in images must be from 0 to 0.9, got ${mix.share}`);
  if (mix.share === 0) return [];
  const want = Math.max(1, Math.round((own * mix.share) / (1 - mix.share)));
  const ids = seededShuffle(
    listSampleIds(mix.dir).filter((id) => !skip.has(id)),
    mix.seed ?? 42,
  ).slice(0, want);
  // Nothing left to mix in (the dataset is the base model's own data): the caller says so.
  if (ids.length === 0) return [];
  return (await loadFullSizeDataset(mix.dir, { ids, skipInvalid: true, onProgress })).samples;
}
