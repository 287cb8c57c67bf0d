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
