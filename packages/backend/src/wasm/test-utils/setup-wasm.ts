// Test helpers: bring up the wasm backend in Node and compare a kernel on wasm with cpu.
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { registerWasmTrainingKernels } from '../index';

export async function setUpWasm(): Promise<string[]> {
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + path.sep);
  // The cpu backend (the reference in tests) warns once about tfjs-node on first use: do that quietly.
  await tf.setBackend('cpu');
  const warn = console.warn;
  console.warn = () => undefined;
  tf.tensor([1]).dispose();
  console.warn = warn;
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('wasm backend did not initialise');
  return registerWasmTrainingKernels();
}

/** Deterministic pseudo-random values in [-1, 1). */
export function randomValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

/** Run one kernel with the given inputs on `backend`; returns its values and shape. */
export async function runOn(
  backend: string,
  kernel: string,
  inputs: Record<string, { shape: number[]; values: Float32Array }>,
  attrs: Record<string, unknown>,
): Promise<{ shape: number[]; values: Float32Array }> {
  const prev = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const ts: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.values, v.shape);
    const out = tf.engine().runKernel(kernel, ts as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
    const values = (await out.data()) as Float32Array;
    const shape = out.shape;
    out.dispose();
    for (const t of Object.values(ts)) t.dispose();
    return { shape, values };
  } finally {
    await tf.setBackend(prev);
  }
}

/** max |a - b| / max(|b|): relative error of `a` against the reference `b`. */
export function relError(a: Float32Array, b: Float32Array): number {
  let d = 0,
    m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return m === 0 ? d : d / m;
}
