import { loadDataset, loadFullSizeDataset, type LoadProgress, type SkippedSample } from '@nuclei/data';
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
    return {
      data: {
        kind: 'crops',
        samples: full.samples,
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
    };
  }
  const dataset = await loadDataset(dir, { size: config.inputSize, cacheDir: req.cacheDir, onProgress: req.onProgress, skipInvalid: req.skipInvalid });
  return { data: dataset.samples, config, preprocessing, samples: dataset.samples.length, skipped: dataset.skipped, cosine: false };
}
