export type { UNetConfig } from './config';
export { PRESETS, DEFAULT_PRESET, resolveConfig, validateConfig, isPresetName, type PresetName } from './presets';
export { buildUNet, compileUNet, type BuildOptions } from './unet';
export { bceDice, lossFor, lossNameOf } from './losses';
export {
  DEFAULT_PREPROCESSING,
  imageNormalisation,
  normalisedValue,
  normalisationRanges,
  preprocessImage,
  preprocessedChannels,
  type ImageNormalisation,
  type NormalisationRanges,
  type Preprocessing,
  type SourceSamples,
} from './preprocessing';
export { acc, iou } from './metrics';
export { modelFlops } from './flops';
export { METADATA_FILE, makeMetadata, parseMetadata, type ModelMetadata, type SaveMetadata, type SegmentationDefaults, type TrainingInfo } from './metadata';
export { MODEL_JSON, WEIGHTS_BIN, type FileHandlerOptions } from './io-handler';
export { saveModel, type SaveModelOptions } from './save';
export { loadModel, isModelDir, ModelLoadError, type LoadModelOptions, type LoadedModel } from './load';
export { modelShape, isTilePredictor, tfjsPredictor, withInputSize, checkFinite, type TilePredictor } from './predictor';
