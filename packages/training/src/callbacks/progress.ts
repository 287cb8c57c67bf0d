import { EtaEstimator } from '../eta';
import type { EpochLogs, StopReason, TrainingCallback } from '../types';

/** Structured progress: no rendering here (the CLI draws a bar, VS Code a notification). */
export type ProgressEvent =
  | { type: 'train-begin'; epochs: number; initialEpoch: number; batchesPerEpoch: number; trainSize: number; valSize: number }
  | { type: 'epoch-begin'; epoch: number; epochs: number }
  | {
      type: 'batch';
      /** Zero-based, like `batch`. */
      epoch: number;
      epochs: number;
      batch: number;
      batches: number;
      loss: number;
      acc?: number;
      iou?: number;
      imagesPerSecond: number;
      /** Seconds left in this epoch (including validation) and in the run; undefined until measured. */
      epochEtaSeconds?: number;
      etaSeconds?: number;
      /** Fraction of the whole run done, 0..1. */
      fraction: number;
    }
  | { type: 'epoch-end'; epoch: number; epochs: number; logs: EpochLogs; seconds: number; etaSeconds?: number; fraction: number }
  | { type: 'train-end'; stopReason: StopReason; epochsCompleted: number; seconds: number };

/**
 * Calls `onProgress` with events. Images/s is smoothed over batches (a single batch is noisy).
 */
export function progress(onProgress: (event: ProgressEvent) => void, options: { smoothing?: number } = {}): TrainingCallback {
  const smoothing = options.smoothing ?? 0.2;
  let eta = new EtaEstimator(1, smoothing);
  let rate: number | undefined;
  let batchSeconds = 0;
  let epochs = 0;
  let initialEpoch = 0;
  let batchesPerEpoch = 1;
  let batchSize = 1;
  const fraction = (epoch: number, batchesDone: number) => {
    const total = (epochs - initialEpoch) * batchesPerEpoch;
    return total <= 0 ? 1 : Math.min(1, ((epoch - initialEpoch) * batchesPerEpoch + batchesDone) / total);
  };
  return {
    onTrainBegin(ctx) {
      ({ epochs, initialEpoch, batchSize } = ctx.options);
      batchesPerEpoch = ctx.batchesPerEpoch;
      eta = new EtaEstimator(batchesPerEpoch, smoothing);
      onProgress({ type: 'train-begin', epochs, initialEpoch, batchesPerEpoch, trainSize: ctx.train.length, valSize: ctx.val.length });
    },
    onEpochBegin(epoch) {
      batchSeconds = 0;
      onProgress({ type: 'epoch-begin', epoch, epochs });
    },
    onBatchEnd(logs) {
      batchSeconds += logs.seconds;
      // Per-image time so a short last batch does not skew the per-batch estimate.
      eta.addBatch((logs.seconds * batchSize) / Math.max(1, logs.size));
      const r = logs.size / Math.max(logs.seconds, 1e-9);
      rate = rate === undefined ? r : rate + smoothing * (r - rate);
      const done = logs.batch + 1;
      onProgress({
        type: 'batch',
        epoch: logs.epoch,
        epochs,
        batch: logs.batch,
        batches: logs.batches,
        loss: logs.loss,
        acc: logs.acc,
        iou: logs.iou,
        imagesPerSecond: rate,
        epochEtaSeconds: eta.epochSeconds(done),
        etaSeconds: eta.totalSeconds(done, epochs - logs.epoch - 1),
        fraction: fraction(logs.epoch, done),
      });
    },
    onEpochEnd(logs) {
      eta.addValidation(logs.seconds - batchSeconds);
      // This epoch (and its validation) is done: what is left is whole epochs.
      const after = epochs - logs.epoch - 1;
      onProgress({
        type: 'epoch-end',
        epoch: logs.epoch,
        epochs,
        logs,
        seconds: logs.seconds,
        etaSeconds: after > 0 ? eta.totalSeconds(0, after - 1) : 0,
        fraction: fraction(logs.epoch + 1, 0),
      });
    },
    onTrainEnd(result) {
      onProgress({ type: 'train-end', stopReason: result.stopReason, epochsCompleted: result.epochsCompleted, seconds: result.seconds });
    },
  };
}
