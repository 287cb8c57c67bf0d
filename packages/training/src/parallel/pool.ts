import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';
import { acc, iou, lossNameOf } from '@nuclei/model';
import { type BackendPreference } from '@nuclei/backend';
import { shareGradients } from './gradients';
import { WORKER_FLAG, type FromWorker, type StepMessage, type WorkerInit } from './protocol';
import { readWeights } from './worker';

export interface ParallelOptions {
  /** Replicas in all: the main thread plus `workers - 1` worker threads. */
  workers: number;
  /** Script each worker thread runs; its entry must call `runTrainingWorker()` when `isTrainingWorker()`. */
  workerScript: string;
  /** Backend of the workers; default: the main thread's (wasm -> 'wasm', cpu -> 'cpu', tensorflow -> 'node'). */
  backend?: BackendPreference;
}

/** How many images of an `n`-image batch each replica takes; replica 0 is the main thread. */
export function splitBatch(n: number, replicas: number): number[] {
  const base = Math.floor(n / replicas);
  const extra = n % replicas;
  // The main thread also prepares batches and runs the optimizer: workers take the remainder first.
  return Array.from({ length: replicas }, (_, i) => base + (i > 0 && i <= extra ? 1 : 0));
}

function backendOfMainThread(): BackendPreference {
  const name = tf.getBackend();
  if (name === 'wasm' || name === 'cpu') return name;
  if (name === 'tensorflow') return 'node';
  throw new Error(`Parallel training cannot start workers on the '${name}' backend.`);
}

function compiledNames(model: tf.LayersModel): { loss: 'bce' | 'bceDice'; metrics: string[] } {
  const loss = lossNameOf(model.loss);
  const raw = model.metrics === undefined ? [] : Array.isArray(model.metrics) ? model.metrics : [model.metrics];
  const metrics = raw.map((m) => {
    if (typeof m === 'string') return m;
    if (m === iou) return 'iou';
    if (m === acc) return 'acc';
    throw new Error(`Parallel training cannot send the metric function '${(m as { name?: string }).name}' to workers (only named metrics, iou and acc).`);
  });
  return { loss, metrics };
}

interface Replica {
  worker: Worker;
  pending: Map<number, { resolve: (r: { grads: Float32Array[]; values: number[] }) => void; reject: (e: Error) => void }>;
  failure?: Error;
}

/**
 * Data-parallel training steps: each batch is split between the main thread and worker threads
 * (one backend and model replica each). Workers get the current weights with their share and
 * return gradients; the main thread averages them weighted by share size and applies the model's
 * own optimizer, so the main model is the only one with optimizer state and the replicas are
 * exact copies at the start of every step.
 */
export class ParallelTrainer {
  private nextId = 0;
  private closed = false;
  /** Where the last step's wall time went on the main thread, in ms (for benchmarks). */
  lastStep = { send: 0, mainShare: 0, waitWorkers: 0, apply: 0 };

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly replicas: Replica[],
  ) {}

  static async start(model: tf.LayersModel, options: ParallelOptions): Promise<ParallelTrainer> {
    if (!Number.isInteger(options.workers) || options.workers < 2) throw new Error(`workers must be an integer >= 2 here, got ${options.workers}.`);
    if (!model.optimizer) throw new Error('The model must be compiled before training.');
    const init: WorkerInit = {
      [WORKER_FLAG]: true,
      backend: options.backend ?? backendOfMainThread(),
      modelJson: model.toJSON() as string,
      ...compiledNames(model),
    };
    const replicas: Replica[] = [];
    const trainer = new ParallelTrainer(model, replicas);
    const started: Promise<void>[] = [];
    try {
      for (let i = 1; i < options.workers; i++) {
        const worker = new Worker(options.workerScript, { workerData: init });
        const replica: Replica = { worker, pending: new Map() };
        replicas.push(replica);
        started.push(trainer.listen(replica, options.workerScript));
      }
      await Promise.all(started);
    } catch (e) {
      await trainer.close();
      throw e;
    }
    return trainer;
  }

  /** Wire a worker's events; resolves on its 'ready'. */
  private listen(replica: Replica, script: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const fail = (err: Error) => {
        if (this.closed) return;
        replica.failure ??= err;
        if (!ready) reject(err);
        for (const p of replica.pending.values()) p.reject(err);
        replica.pending.clear();
      };
      const startError = (why: string) =>
        new Error(`Training worker (${script}) ${why}. Its entry must call runTrainingWorker() from @nuclei/training when isTrainingWorker().`);
      replica.worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          ready = true;
          resolve();
        } else if (msg.type === 'result') {
          const p = replica.pending.get(msg.id);
          replica.pending.delete(msg.id);
          p?.resolve(msg);
        } else if (msg.type === 'error') {
          const err = new Error(`Training worker failed: ${msg.message}`);
          if (msg.stack) err.stack = `${err.message}\n(worker stack) ${msg.stack}`;
          fail(err);
        }
      });
      replica.worker.on('error', (e) => fail(ready ? new Error(`Training worker failed: ${e.message}`) : startError(`failed to start: ${e.message}`)));
      replica.worker.on('exit', (code) =>
        fail(ready ? new Error(`Training worker exited (code ${code}).`) : startError(`exited (code ${code}) before it was ready`)),
      );
    });
  }

  /** One optimizer step on the batch; returns `[loss, ...metrics]` like `model.trainOnBatch`. */
  async trainOnBatch(x: tf.Tensor, y: tf.Tensor): Promise<number[]> {
    if (this.closed) throw new Error('ParallelTrainer is closed.');
    for (const r of this.replicas) if (r.failure) throw r.failure;
    const model = this.model;
    const t0 = performance.now();
    const n = x.shape[0];
    const shares = splitBatch(n, this.replicas.length + 1);
    const xPer = x.size / n;
    const yPer = y.size / n;
    const xData = x.dataSync() as Float32Array;
    const yData = y.dataSync() as Float32Array;
    const weights = readWeights(model);

    // Workers first, so they compute while the main thread does its own share.
    const results: Promise<{ grads: Float32Array[]; values: number[] }>[] = [];
    const workerShares: number[] = [];
    let offset = shares[0];
    this.replicas.forEach((r, i) => {
      const k = shares[i + 1];
      if (k === 0) return;
      const id = this.nextId++;
      const msg: StepMessage = {
        type: 'step',
        id,
        weights: weights.slice(),
        x: xData.slice(offset * xPer, (offset + k) * xPer),
        xShape: [k, ...x.shape.slice(1)],
        y: yData.slice(offset * yPer, (offset + k) * yPer),
        yShape: [k, ...y.shape.slice(1)],
      };
      offset += k;
      const p = new Promise<{ grads: Float32Array[]; values: number[] }>((resolve, reject) => r.pending.set(id, { resolve, reject }));
      p.catch(() => undefined); // handled below; avoids an unhandled rejection if the main share throws first
      results.push(p);
      workerShares.push(k);
      r.worker.postMessage(msg, [msg.weights.buffer, msg.x.buffer, msg.y.buffer] as ArrayBuffer[]);
    });

    const t1 = performance.now();
    let main: { grads: tf.Tensor[]; values: number[] } | undefined;
    if (shares[0] > 0) {
      const xs = shares[0] === n ? x : x.slice(0, shares[0]);
      const ys = shares[0] === n ? y : y.slice(0, shares[0]);
      try {
        main = shareGradients(model, xs, ys);
      } finally {
        if (xs !== x) xs.dispose();
        if (ys !== y) ys.dispose();
      }
    }
    const t2 = performance.now();
    try {
      const others = await Promise.all(results);
      const t3 = performance.now();
      const variables = model.trainableWeights;
      const values = new Array<number>((main?.values ?? others[0].values).length).fill(0);
      main?.values.forEach((v, m) => (values[m] += (v * shares[0]) / n));
      others.forEach((o, i) => o.values.forEach((v, m) => (values[m] += (v * workerShares[i]) / n)));
      tf.tidy(() => {
        const averaged = variables.map((v, j) => {
          let sum: tf.Tensor | undefined = main ? tf.mul(main.grads[j], shares[0] / n) : undefined;
          others.forEach((o, i) => {
            const g = tf.mul(tf.tensor(o.grads[j], v.read().shape, 'float32'), workerShares[i] / n);
            sum = sum ? tf.add(sum, g) : g;
          });
          return { name: (v.read() as tf.Variable).name, tensor: sum as tf.Tensor };
        });
        model.optimizer.applyGradients(averaged);
      });
      this.lastStep = { send: t1 - t0, mainShare: t2 - t1, waitWorkers: t3 - t2, apply: performance.now() - t3 };
      return values;
    } finally {
      if (main) tf.dispose(main.grads);
    }
  }

  /** Terminate the workers (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.replicas.map((r) => r.worker.terminate().catch(() => undefined)));
    for (const r of this.replicas) {
      for (const p of r.pending.values()) p.reject(new Error('ParallelTrainer closed.'));
      r.pending.clear();
    }
  }

  /** Worker threads running (for tests). */
  get threads(): readonly Worker[] {
    return this.replicas.map((r) => r.worker);
  }
}
