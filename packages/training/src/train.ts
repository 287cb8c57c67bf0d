import type * as tf from '@tensorflow/tfjs';
import { batches, splitTrainVal, type FullSizeSample, type Sample } from '@nuclei/data';
import { CropSampler, cropBatches, type CropOptions } from './crops';
import { epochSeed } from './epoch-seed';
import { evaluateBatches } from './evaluate';
import { getLearningRate, setLearningRate } from './learning-rate';
import { namedMetrics, WeightedMeans } from './metric-names';
import { resolveOptions, sampleSize } from './options';
import { ParallelTrainer } from './parallel/pool';
import { defaultWorkerScript } from './worker-script';
import type { BatchLogs, EpochLogs, StopReason, TrainingCallback, TrainingContext, TrainingState, TrainOptions, TrainResult } from './types';

/**
 * Whole samples already at model size (the seed's recipe), or full-size samples to cut random
 * model-size crops from (`crops`; on resume the stored crop options win).
 */
export type TrainData = { train: Sample[]; val: Sample[] } | Sample[] | CropData;

/** The ids of every sample in `data` (training and validation). */
export function sampleIds(data: TrainData): string[] {
  const all = Array.isArray(data) ? data : 'kind' in data ? data.samples : [...data.train, ...data.val];
  return all.map((s) => s.id);
}

export interface CropData {
  kind: 'crops';
  samples: FullSizeSample[];
  /** Crop side = the model input size. */
  size: number;
  crops: CropOptions;
}

function isCropData(data: TrainData): data is CropData {
  return !Array.isArray(data) && (data as CropData).kind === 'crops';
}

interface Source {
  train: readonly { id: string }[];
  val: readonly { id: string }[];
  size: number;
  crops?: CropOptions;
  perEpoch: number;
  trainBatches(epoch: number, opts: { batchSize: number; seed: number; shuffle: boolean; augment: boolean }): Iterable<{ x: tf.Tensor4D; y: tf.Tensor4D }>;
  valBatches(batchSize: number): Iterable<{ x: tf.Tensor4D; y: tf.Tensor4D }>;
}

function sourceOf(data: TrainData, validationSplit: number, seed: number, state: TrainingState | undefined): Source {
  if (isCropData(data)) {
    const crops = state?.options.crops ?? data.crops;
    const split = splitTrainVal(data.samples, validationSplit, seed);
    const train = new CropSampler(split.train, data.size, crops);
    const val = new CropSampler(split.val, data.size, crops);
    const balance = crops.kindBalance ?? 0;
    const counts = (epoch: number) => train.cropCounts(crops.cropsPerImage, balance, epochSeed(seed, epoch, 'kinds'));
    return {
      train: split.train,
      val: split.val,
      size: data.size,
      crops,
      perEpoch: counts(0).reduce((a, b) => a + b, 0),
      trainBatches: (epoch, o) =>
        cropBatches(train, o.batchSize, {
          shuffleSeed: o.shuffle ? epochSeed(o.seed, epoch, 'shuffle') : undefined,
          seed: epochSeed(o.seed, epoch, 'augment'),
          augment: crops.augment && o.augment,
          perImage: crops.cropsPerImage,
          counts: counts(epoch),
        }),
      // The same validation crops every epoch (seeded, unaugmented, scale 1).
      valBatches: (batchSize) => cropBatches(val, batchSize, { seed: seed ^ 0x5a17, augment: false, perImage: crops.valCropsPerImage }),
    };
  }
  const split = Array.isArray(data) ? splitTrainVal(data, validationSplit, seed) : data;
  const size = sampleSize(split.train);
  if (split.val.length > 0 && sampleSize(split.val) !== size) throw new Error('Validation samples differ in size from training samples.');
  return {
    train: split.train,
    val: split.val,
    size,
    perEpoch: split.train.length,
    trainBatches: (epoch, o) =>
      batches(split.train, o.batchSize, {
        size,
        shuffleSeed: o.shuffle ? epochSeed(o.seed, epoch, 'shuffle') : undefined,
        augment: o.augment,
        seed: epochSeed(o.seed, epoch, 'augment'),
      }),
    valBatches: (batchSize) => batches(split.val, batchSize, { size }),
  };
}

const now = () => performance.now() / 1000;

/**
 * Train with a manual loop: one `trainOnBatch` per batch drawn from the data generator, so memory
 * stays bounded (one batch of tensors at a time) and cancellation is checked between batches.
 * Epoch N's shuffle and augmentation depend only on (seed, N), so a resumed run repeats exactly.
 */
export async function train(model: tf.LayersModel, data: TrainData, options: TrainOptions = {}): Promise<TrainResult> {
  const started = now();
  const state = options.resumeState;
  const split = sourceOf(data, options.validationSplit ?? state?.options.validationSplit ?? 0.1, state?.seed ?? options.seed ?? 42, state);
  const opts = resolveOptions(options, split.size);
  if (split.crops) opts.crops = split.crops;

  // Stable sort by order: checkpointing runs last so it snapshots the state other callbacks left.
  const callbacks = (options.callbacks ?? [])
    .map((cb, i) => ({ cb, i }))
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
    batchesPerEpoch: Math.ceil(split.perEpoch / opts.batchSize),
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
      return {
        version: 1,
        epoch: logs.epoch,
        seed: opts.seed,
        learningRate: getLearningRate(model),
        options: { ...opts },
        callbacks: states,
        history: [...history],
      };
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
      parallel = await ParallelTrainer.start(model, { workers, workerScript: options.workerScript ?? defaultWorkerScript() });
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
      const gen = split.trainBatches(epoch, opts);
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
      const val = split.val.length ? await evaluateBatches(model, split.valBatches(opts.batchSize), opts.batchSize) : {};
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
  const result: TrainResult = {
    stopReason,
    epochsCompleted: history.length ? history[history.length - 1].epoch + 1 : opts.initialEpoch,
    history: [...history],
    seconds: now() - started,
  };
  await call('onTrainEnd', result);
  return result;
}
