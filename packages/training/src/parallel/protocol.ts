import { isMainThread, workerData } from 'worker_threads';
import type { BackendPreference } from '@nuclei/backend';

/** `workerData` key that marks a thread as a training worker (the bundle entry checks it). */
export const WORKER_FLAG = 'nucleiTrainingWorker';

/** What a worker is started with (its `workerData`). */
export interface WorkerInit {
  [WORKER_FLAG]: true;
  backend: BackendPreference;
  /** `model.toJSON()`: the topology (no weights, no training config). */
  modelJson: string;
  /** The compiled loss, by its config name (see lossNameOf). */
  loss: 'bce' | 'bceDice';
  /** The compiled metrics: names, or 'iou' for the @nuclei/model IoU function. */
  metrics: string[];
}

/** Main -> worker: the current weights (all of `model.weights`, concatenated) and one share of a batch. */
export interface StepMessage {
  type: 'step';
  id: number;
  weights: Float32Array;
  x: Float32Array;
  xShape: number[];
  y: Float32Array;
  yShape: number[];
}

export type ToWorker = StepMessage | { type: 'close' };

export type FromWorker =
  { type: 'ready' } | { type: 'result'; id: number; grads: Float32Array[]; values: number[] } | { type: 'error'; message: string; stack?: string };

/**
 * True in a worker thread started by `train(..., { workers })`: a bundle's entry calls
 * `runTrainingWorker()` instead of its normal main when this holds.
 */
export function isTrainingWorker(): boolean {
  return !isMainThread && (workerData as Partial<WorkerInit> | null)?.[WORKER_FLAG] === true;
}
