export type { UNetConfig } from './config';
export { PRESETS, DEFAULT_PRESET, resolveConfig, validateConfig, isPresetName, type PresetName } from './presets';
export { buildUNet, compileUNet } from './unet';
export { iou, IOU_METRIC_NAME } from './metrics';
export { modelFlops } from './flops';
export {
  selectBackend,
  defaultWasmDir,
  type BackendPreference,
  type BackendCandidate,
  type BackendName,
  type BackendAttempt,
  type BackendSelection,
  type SelectBackendOptions,
} from './backend';
export { registerWasmTrainingKernels } from './wasm';
