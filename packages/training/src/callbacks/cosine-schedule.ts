import type { TrainingCallback } from '../types';

export interface CosineScheduleOptions {
  /** Peak learning rate (epoch 0); default: the optimizer's rate when training begins. */
  initialLr?: number;
  /** Final rate as a fraction of the peak. Default 0.02. */
  minFactor?: number;
  /** Epochs to warm up linearly from minFactor to the peak. Default 0. */
  warmupEpochs?: number;
}

/** The rate of epoch `epoch` of `epochs` under a cosine schedule (with optional linear warm-up). */
export function cosineRate(epoch: number, epochs: number, peak: number, minFactor = 0.02, warmup = 0): number {
  const min = peak * minFactor;
  if (epoch < warmup) return min + ((peak - min) * (epoch + 1)) / (warmup + 1);
  const span = Math.max(1, epochs - warmup - 1);
  const t = Math.min(1, (epoch - warmup) / span);
  return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * t));
}

/**
 * Cosine learning-rate decay over the run's epochs, set at the start of each epoch. The peak is
 * saved with the run so a resumed run continues the same curve.
 */
export function cosineSchedule(options: CosineScheduleOptions = {}): TrainingCallback {
  let peak = options.initialLr;
  return {
    name: 'cosineSchedule',
    onTrainBegin(ctx) {
      peak ??= ctx.getLearningRate();
    },
    onEpochBegin(epoch, ctx) {
      ctx.setLearningRate(cosineRate(epoch, ctx.options.epochs, peak!, options.minFactor ?? 0.02, options.warmupEpochs ?? 0));
    },
    getState: () => ({ peak }),
    setState(s) {
      const p = (s as { peak?: number }).peak;
      if (typeof p === 'number') peak = p;
    },
  };
}
