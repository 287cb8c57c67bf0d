import * as tf from '@tensorflow/tfjs';
import type { UNetConfig } from './config';
import { preprocessedChannels, validatePreprocessing, type Preprocessing } from './preprocessing';
import { isPresetName, resolveConfig, validateConfig, type PresetName } from './presets';

export const METADATA_FILE = 'nuclei-model.json';
export const METADATA_FORMAT = 'nuclei-unet';
export const METADATA_VERSION = 1;

/** How a saved model was trained; free-form beyond the common fields. */
export interface TrainingInfo {
  dataset?: string;
  epochs?: number;
  images?: number;
  batchSize?: number;
  validationSplit?: number;
  seed?: number;
  backend?: string;
  seconds?: number;
  [key: string]: unknown;
}

/**
 * How to segment full-size images with this model, as measured on its validation images at
 * full size (a model trained on whole images squeezed to its input size does best on squeezed
 * images; one trained on native-resolution crops, on native-resolution tiles).
 */
export interface SegmentationDefaults {
  mode: 'tile' | 'resize';
  /** Tile mode: scale the image by this factor first. */
  scale?: number;
  /** 'cut': the distance watershed after cutting out the predicted touching borders (see cutWatershed). */
  split?: 'watershed' | 'components' | 'markers' | 'cut';
  /** Mask probability cut (t1). */
  threshold?: number;
  /** Marker split: a marker is (mask > threshold) and (border < borderThreshold) (t2). */
  borderThreshold?: number;
  /** Marker split: markers smaller than this many pixels (at full size) are dropped. */
  minMarker?: number;
  /** Average the predictions of mirrored tiles. */
  tta?: boolean;
  /** Objects smaller than this many pixels (at full size) are dropped as noise. */
  minArea?: number;
  /** Holes inside nuclei are filled. */
  fillHoles?: boolean;
  /** What the choice rests on, e.g. "DSB 0.33 vs 0.18 on 60 held-out images". */
  basis?: string;
}

/** Contents of `nuclei-model.json`, written beside the TF.js `model.json` / `weights.bin`. */
export interface ModelMetadata {
  format: typeof METADATA_FORMAT;
  version: typeof METADATA_VERSION;
  /** Preset the config came from, or 'custom'. */
  preset: PresetName | 'custom';
  config: UNetConfig;
  /** Side of the square model input in pixels (= config.inputSize). */
  inputSize: number;
  /** ISO 8601. */
  createdAt: string;
  training?: TrainingInfo;
  /** Final metrics, e.g. { val_iou: 0.82, dsbScore: 0.41 }. */
  metrics?: Record<string, number>;
  /** Per-epoch history as tfjs-layers reports it (`loss`, `val_iou`, ...). */
  history?: Record<string, number[]>;
  segmentation?: SegmentationDefaults;
  /** How images are normalised before they reach the network; absent: 8-bit RGB as is (seed models). */
  preprocessing?: Preprocessing;
  tfjsVersion: string;
}

/** What callers pass to saveModel; the rest is filled in. */
export interface SaveMetadata {
  preset?: PresetName | 'custom';
  /** Defaults to the preset's config. */
  config?: UNetConfig;
  createdAt?: string;
  training?: TrainingInfo;
  metrics?: Record<string, number>;
  history?: Record<string, number[]>;
  segmentation?: SegmentationDefaults;
  preprocessing?: Preprocessing;
}

/** Complete the metadata for `model`, checking that the config describes the model's input. */
export function makeMetadata(model: tf.LayersModel, input: SaveMetadata = {}): ModelMetadata {
  const preset = input.preset ?? (input.config ? 'custom' : 'seed');
  const config = input.config ?? resolveConfig(preset === 'custom' ? undefined : preset);
  const [, h, w, ch] = model.inputs[0].shape;
  if (h !== config.inputSize || w !== config.inputSize || ch !== config.inputChannels) {
    throw new Error(
      `Model metadata: config says ${config.inputSize}x${config.inputSize}x${config.inputChannels} ` +
        `but the model input is ${h}x${w}x${ch}; pass the config the model was built with`,
    );
  }
  if (preprocessedChannels(input.preprocessing) !== config.inputChannels) {
    throw new Error(
      `Model metadata: the preprocessing gives ${preprocessedChannels(input.preprocessing)} channels but the model takes ${config.inputChannels}`,
    );
  }
  return {
    format: METADATA_FORMAT,
    version: METADATA_VERSION,
    preset,
    config,
    inputSize: config.inputSize,
    createdAt: input.createdAt ?? new Date().toISOString(),
    ...(input.training ? { training: input.training } : {}),
    ...(input.metrics ? { metrics: input.metrics } : {}),
    ...(input.history ? { history: input.history } : {}),
    ...(input.segmentation ? { segmentation: input.segmentation } : {}),
    ...(input.preprocessing ? { preprocessing: input.preprocessing } : {}),
    tfjsVersion: tf.version.tfjs,
  };
}

/** Check parsed `nuclei-model.json`; `where` names the file in error messages. */
export function parseMetadata(value: unknown, where: string): ModelMetadata {
  const fail = (problem: string): never => {
    throw new Error(`${where}: ${problem}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not a JSON object');
  const m = value as Partial<ModelMetadata>;
  if (m.format !== METADATA_FORMAT) fail(`format is ${JSON.stringify(m.format)}, expected "${METADATA_FORMAT}"`);
  if (m.version !== METADATA_VERSION) {
    fail(`version ${JSON.stringify(m.version)} is not supported (this build reads version ${METADATA_VERSION})`);
  }
  if (typeof m.config !== 'object' || m.config === null) fail('missing config');
  try {
    validateConfig(m.config as UNetConfig);
  } catch (e) {
    fail((e as Error).message);
  }
  if (typeof m.inputSize !== 'number' || m.inputSize !== m.config!.inputSize) {
    fail(`inputSize ${m.inputSize} does not match config.inputSize ${m.config!.inputSize}`);
  }
  if (m.preset !== 'custom' && !isPresetName(m.preset)) fail(`unknown preset ${JSON.stringify(m.preset)}`);
  if (m.segmentation !== undefined && m.segmentation.mode !== 'tile' && m.segmentation.mode !== 'resize') {
    fail(`segmentation.mode is ${JSON.stringify(m.segmentation.mode)}, expected "tile" or "resize"`);
  }
  if (m.preprocessing !== undefined) validatePreprocessing(m.preprocessing, where);
  return m as ModelMetadata;
}
