import { parentPort, workerData } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';
import { acc, iou, lossFor } from '@nuclei/model';
import { selectBackend } from '@nuclei/backend';
import { shareGradients } from './gradients';
import { isTrainingWorker, type FromWorker, type StepMessage, type ToWorker, type WorkerInit } from './protocol';

/** Copy of a tensor's values that may be transferred (never the backend's own buffer). */
export function floatCopy(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`Parallel training needs float32 weights, got ${t.dtype}.`);
  return (t.dataSync() as Float32Array).slice();
}

/** Write `model.weights` from one concatenated array (the layout `readWeights` produces). */
export function writeWeights(model: tf.LayersModel, flat: Float32Array): void {
  let offset = 0;
  const tensors = model.weights.map((w) => {
    const shape = w.read().shape;
    const n = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(flat.subarray(offset, offset + n), shape, 'float32');
    offset += n;
    return t;
  });
  if (offset !== flat.length) {
    tf.dispose(tensors);
    throw new Error(`Weights do not match the worker's model (${flat.length} values for ${offset}).`);
  }
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/** `model.weights`, concatenated into one array. */
export function readWeights(model: tf.LayersModel): Float32Array {
  const total = model.weights.reduce((s, w) => s + w.read().size, 0);
  const flat = new Float32Array(total);
  let offset = 0;
  for (const w of model.weights) {
    const t = w.read();
    if (t.dtype !== 'float32') throw new Error(`Parallel training needs float32 weights, got ${t.dtype} for ${w.name}.`);
    const values = t.dataSync() as Float32Array;
    flat.set(values, offset);
    offset += values.length;
  }
  return flat;
}

const METRICS: Record<string, string | ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor)> = { iou, acc };

/**
 * Body of a training worker thread: one backend and one model replica that, for every step
 * message, takes the main thread's weights and returns the loss gradients of its share of the
 * batch. Call it from a bundle's entry when `isTrainingWorker()`; it returns at once and the
 * thread lives until the main thread terminates it.
 */
export function runTrainingWorker(): void {
  const port = parentPort;
  if (!port || !isTrainingWorker()) throw new Error('runTrainingWorker() must run in a worker thread started by train().');
  const init = workerData as WorkerInit;
  const post = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
  const fail = (e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    post({ type: 'error', message: err.message, stack: err.stack });
  };

  let model: tf.LayersModel | undefined;
  const ready = (async () => {
    // The main thread already printed whatever tfjs wants to say; a worker stays quiet.
    tf.env().set('PROD', true);
    // The wasm binaries are found by @nuclei/backend (beside the bundle, or in node_modules).
    await selectBackend(init.backend);
    const m = await tf.models.modelFromJSON({ modelTopology: JSON.parse(init.modelJson) });
    m.compile({ optimizer: tf.train.sgd(0), loss: lossFor(init.loss), metrics: init.metrics.map((name) => METRICS[name] ?? name) });
    model = m;
    post({ type: 'ready' });
  })();
  ready.catch(fail);

  const step = (msg: StepMessage) => {
    if (!model) throw new Error('worker model not ready');
    writeWeights(model, msg.weights);
    const x = tf.tensor(msg.x, msg.xShape, 'float32');
    const y = tf.tensor(msg.y, msg.yShape, 'float32');
    try {
      const { grads, values } = shareGradients(model, x, y);
      const arrays = grads.map(floatCopy);
      tf.dispose(grads);
      post(
        { type: 'result', id: msg.id, grads: arrays, values },
        arrays.map((a) => a.buffer as ArrayBuffer),
      );
    } finally {
      x.dispose();
      y.dispose();
    }
  };
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'close') {
      model?.dispose();
      port.close();
      return;
    }
    ready.then(() => step(msg)).catch(fail);
  });
}
