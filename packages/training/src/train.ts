import type * as tf from '@tensorflow/tfjs';
import { batches, splitTrainVal, type Sample } from '@nuclei/data';
import { epochSeed } from './epoch-seed';
import { evaluateBatched } from './evaluate';
import { getLearningRate, setLearningRate } from './learning-rate';
import { namedMetrics, WeightedMeans } from './metric-names';
import { resolveOptions, sampleSize } from './options';
import { ParallelTrainer } from './parallel/pool';
import type {
  BatchLogs,
  EpochLogs,
  StopReason,
  TrainingCallback,
  TrainingContext,
  TrainingState,
  TrainOptions,
  TrainResult,
} from './types';

export type TrainData = { train: Sample[]; val: Sample[] } | Sample[];

const now = () => performance.now() / 1000;

/**
 * Train with a manual loop: one `trainOnBatch` per batch drawn from the data generator, so memory
 * stays bounded (one batch of tensors at a time) and cancellation is checked between batches.
 * Epoch N's shuffle and augmentation depend only on (seed, N), so a resumed run repeats exactly.
 */
export async function train(model: tf.LayersModel, data: TrainData, options: TrainOptions = {}): Promise<TrainResult> {
  const started = now();
  const state = options.resumeState;
  const split = Array.isArray(data)
    ? splitTrainVal(data, options.validationSplit ?? state?.options.validationSplit ?? 0.1, state?.seed ?? options.seed ?? 42)
    : data;
  const opts = resolveOptions(options, sampleSize(split.train));
  if (split.val.length > 0 && sampleSize(split.val) !== opts.size) throw new Error('Validation samples differ in size from training samples.');

  // Stable sort by order: checkpointing runs last so it snapshots the state other callbacks left.
  const callbacks = (options.callbacks ?? []).map((cb, i) => ({ cb, i }))
    .sort((a, b) => (a.cb.order ?? 0) - (b.cb.order ?? 0) || a.i - b.i)
    .map(({ cb }) => cb);
  if (state) {
    setLearningRate(model, state.learningRate);
    for (const cb of callbacks) if (cb.name && cb.setState && cb.name in state.callbacks) cb.setState(state.callbacks[cb.name]);
  }

  const history: EpochLogs[] = state ? state.history.filter((h) => h.epoch < opts.initialEpoch) : [];
  let stopRequested: StopReason | undefined;
  const ctx: TrainingContext = {
    model,
    options: opts,
    train: split.train,
    val: split.val,
    batchesPerEpoch: Math.ceil(split.train.length / opts.batchSize),
    history,
    resumeState: state,
    get stopRequested() {
      return stopRequested;
    },
    stop(reason: StopReason = 'early-stopping') {
      stopRequested ??= reason;
    },
    getLearningRate: () => getLearningRate(model),
    setLearningRate: (lr) => setLearningRate(model, lr),
    trainingState(logs: EpochLogs): TrainingState {
      const states: Record<string, unknown> = {};
      for (const cb of callbacks) if (cb.name && cb.getState) states[cb.name] = cb.getState();
      return { version: 1, epoch: logs.epoch, seed: opts.seed, learningRate: getLearningRate(model), options: { ...opts }, callbacks: states, history: [...history] };
    },
  };
  const call = async <K extends keyof TrainingCallback>(hook: K, ...args: unknown[]) => {
    for (const cb of callbacks) {
      const fn = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
      if (typeof fn === 'function') await fn.apply(cb, [...args, ctx]);
    }
  };
  const aborted = () => options.signal?.aborted === true;

  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}.`);

  await call('onTrainBegin');
  let stopReason: StopReason = 'completed';
  let parallel: ParallelTrainer | undefined;
  try {
    if (workers > 1 && opts.initialEpoch < opts.epochs && !aborted()) {
      parallel = await ParallelTrainer.start(model, { workers, workerScript: options.workerScript ?? __filename, wasmDir: options.workerWasmDir });
    }
    for (let epoch = opts.initialEpoch; epoch < opts.epochs; epoch++) {
      if (aborted()) {
        stopReason = 'aborted';
        break;
      }
      await call('onEpochBegin', epoch);
      const epochStart = now();
      const lr = getLearningRate(model);
      const means = new WeightedMeans();
      let batch = 0;
      let t = now();
      const gen = batches(split.train, opts.batchSize, {
        size: opts.size,
        shuffleSeed: opts.shuffle ? epochSeed(opts.seed, epoch, 'shuffle') : undefined,
        augment: opts.augment,
        seed: epochSeed(opts.seed, epoch, 'augment'),
      });
      for (const { x, y } of gen) {
        const n = x.shape[0];
        let values: number | number[];
        try {
          values = parallel ? await parallel.trainOnBatch(x, y) : await model.trainOnBatch(x, y);
        } finally {
          x.dispose();
          y.dispose();
        }
        const metrics = namedMetrics(model, values);
        means.add(metrics, n);
        const end = now();
        const logs: BatchLogs = { epoch, batch, batches: ctx.batchesPerEpoch, size: n, seconds: end - t, loss: metrics.loss, ...metrics };
        await call('onBatchEnd', logs);
        batch++;
        if (aborted() || stopRequested) break;
        t = now();
      }
      // An interrupted epoch is not an epoch: no validation, no onEpochEnd, so no checkpoint of it.
      if (aborted()) {
        stopReason = 'aborted';
        break;
      }
      if (stopRequested) {
        stopReason = stopRequested;
        break;
      }
      const val = await evaluateBatched(model, split.val, opts.batchSize, opts.size);
      const train = means.means();
      const logs: EpochLogs = { epoch, ...train, loss: train.loss, ...val, lr, seconds: now() - epochStart };
      history.push(logs);
      await call('onEpochEnd', logs);
      if (stopRequested) {
        stopReason = stopRequested;
        break;
      }
    }
  } finally {
    await parallel?.close();
  }
  const result: TrainResult = { stopReason, epochsCompleted: history.length ? history[history.length - 1].epoch + 1 : opts.initialEpoch, history: [...history], seconds: now() - started };
  await call('onTrainEnd', result);
  return result;
}
