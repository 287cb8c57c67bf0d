// Training kernels for the TF.js wasm backend (GitHub issue 3). Call `registerWasmTrainingKernels()`
// after `tf.setBackend('wasm')` (or any time after '@tensorflow/tfjs-backend-wasm' is imported).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { setWasmKernel } from './kernel-utils';

export { conv2dBackpropFilterImpl } from './conv2d-backprop-filter';
export { conv2dBackpropInputImpl } from './conv2d-backprop-input';

const OURS = Symbol.for('nuclei.wasmTrainingKernel');
type Marked = tf.KernelFunc & { [OURS]?: true };

function isOurs(name: string): boolean {
  const k = tf.getKernel(name, 'wasm');
  return !!k && !!(k.kernelFunc as Marked)[OURS];
}

/** Register `config` for wasm, replacing any kernel of that name (whose setupFunc is kept). */
function install(config: tf.KernelConfig): void {
  (config.kernelFunc as Marked)[OURS] = true;
  if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
}

let registered: string[] | undefined;

/**
 * Registers (once; later calls return the same list) the wasm kernels a U-Net training step needs
 * that wasm lacks or runs slowly. Returns the kernel names.
 */
export function registerWasmTrainingKernels(): string[] {
  if (registered && registered.every(isOurs)) return [...registered];
  const names: string[] = [];

  if (!isOurs(tf.Conv2DBackpropFilter)) install(conv2dBackpropFilterConfig);
  names.push(tf.Conv2DBackpropFilter);

  if (!isOurs(tf.Conv2DBackpropInput)) {
    const orig = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
    if (orig) setWasmKernel('__orig__' + tf.Conv2DBackpropInput, orig.kernelFunc);
    install(conv2dBackpropInputConfig(orig));
  }
  names.push(tf.Conv2DBackpropInput);

  registered = names;
  return [...names];
}
