// Training kernels for the TF.js wasm backend (GitHub issue 3). Call `registerWasmTrainingKernels()`
// after `tf.setBackend('wasm')` (or any time after '@tensorflow/tfjs-backend-wasm' is imported).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { DATA_MOVEMENT_KERNELS, dataMovementConfig } from './data-movement';

export { conv2dBackpropFilterImpl } from './conv2d-backprop-filter';
export { conv2dBackpropInputImpl } from './conv2d-backprop-input';

const OURS = Symbol.for('nuclei.wasmTrainingKernel');
type Marked = tf.KernelFunc & { [OURS]?: true };

function isOurs(name: string): boolean {
  const k = tf.getKernel(name, 'wasm');
  return !!k && !!(k.kernelFunc as Marked)[OURS];
}

/** wasm's own config for `name`, or undefined (never one of ours). */
function original(name: string): tf.KernelConfig | undefined {
  const k = tf.getKernel(name, 'wasm');
  return k && !(k.kernelFunc as Marked)[OURS] ? k : undefined;
}

/** Register `config` for wasm, replacing any kernel of that name (its setupFunc is kept in `config`). */
function install(config: tf.KernelConfig): void {
  (config.kernelFunc as Marked)[OURS] = true;
  if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
}

/**
 * Registers the wasm kernels a U-Net training step needs that wasm lacks (Conv2DBackpropFilter)
 * or runs slowly (Conv2DBackpropInput, DepthToSpace, SplitV, Concat, Sum). A replaced kernel keeps
 * wasm's setupFunc and falls back to wasm's kernelFunc for cases it does not handle (NCHW, other
 * dtypes). Idempotent: later calls register nothing new and return the same names.
 */
export function registerWasmTrainingKernels(): string[] {
  // Only kernels not yet ours get a config (built with wasm's original, which the config keeps).
  const configs: Array<() => tf.KernelConfig> = [
    () => conv2dBackpropFilterConfig,
    () => conv2dBackpropInputConfig(original(tf.Conv2DBackpropInput)),
    ...DATA_MOVEMENT_KERNELS.map((name) => () => dataMovementConfig(name, original(name))),
  ];
  const names = [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput, ...DATA_MOVEMENT_KERNELS];
  names.forEach((name, i) => {
    if (!isOurs(name)) install(configs[i]());
  });
  return [...names];
}
