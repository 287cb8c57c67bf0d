import type * as tf from '@tensorflow/tfjs';
import type { EpochLogs, ResolvedTrainOptions, StopReason, TrainingContext } from '../types';

/** A TrainingContext without a model, for unit tests of callbacks. */
export function fakeContext(options: Partial<ResolvedTrainOptions> = {}, lr = 0.01): TrainingContext & { lr: number } {
  let stopRequested: StopReason | undefined;
  const ctx = {
    lr,
    model: undefined as unknown as tf.LayersModel,
    options: { epochs: 10, batchSize: 4, validationSplit: 0.1, seed: 42, shuffle: true, augment: false, initialEpoch: 0, size: 16, ...options },
    train: [],
    val: [],
    batchesPerEpoch: 3,
    history: [],
    get stopRequested() {
      return stopRequested;
    },
    stop(reason: StopReason = 'early-stopping') {
      stopRequested ??= reason;
    },
    getLearningRate: () => ctx.lr,
    setLearningRate: (v: number) => {
      ctx.lr = v;
    },
    trainingState: () => {
      throw new Error('not in fake context');
    },
  };
  return ctx;
}

export const epochLogs = (epoch: number, val_loss: number, extra: Partial<EpochLogs> = {}): EpochLogs => ({
  epoch,
  loss: val_loss,
  val_loss,
  lr: 0.01,
  seconds: 1,
  ...extra,
});
