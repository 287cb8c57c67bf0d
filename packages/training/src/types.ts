import type * as tf from '@tensorflow/tfjs';
import type { CropOptions } from './crops';

/** Why `train` returned. */
export type StopReason = 'completed' | 'aborted' | 'early-stopping';

/** Metrics of one batch. `epoch` and `batch` are zero-based (as in Keras/TF.js). */
export interface BatchLogs {
  epoch: number;
  batch: number;
  /** Batches in this epoch. */
  batches: number;
  /** Images in this batch (the last one may be short). */
  size: number;
  /** Wall time of this batch: data preparation plus the training step. */
  seconds: number;
  loss: number;
  acc?: number;
  iou?: number;
  [metric: string]: number | undefined;
}

/** Train means and validation metrics of one epoch. `epoch` is zero-based. */
export interface EpochLogs {
  epoch: number;
  loss: number;
  acc?: number;
  iou?: number;
  val_loss?: number;
  val_acc?: number;
  val_iou?: number;
  /** Learning rate used during this epoch. */
  lr: number;
  seconds: number;
  [metric: string]: number | undefined;
}

/** The JSON-serialisable options a run was made with (stored in checkpoints for resume). */
export interface ResolvedTrainOptions {
  epochs: number;
  batchSize: number;
  validationSplit: number;
  seed: number;
  shuffle: boolean;
  augment: boolean;
  initialEpoch: number;
  size: number;
  /** Set when the run trains on crops of full-size images. */
  crops?: CropOptions;
}

export interface TrainOptions extends Partial<ResolvedTrainOptions> {
  callbacks?: TrainingCallback[];
  /** Aborting stops training at the end of the current batch (`stopReason: 'aborted'`). */
  signal?: AbortSignal;
  /** Set by `resumeTraining`: the state stored in `<out>/last`. */
  resumeState?: TrainingState;
  /**
   * Data-parallel replicas: each batch is split between the main thread and `workers - 1` worker
   * threads (one backend each), gradients are averaged and the model's optimizer applied once.
   * Default 1: the single-thread loop (`trainOnBatch`).
   */
  workers?: number;
  /**
   * Script the worker threads run. Default: the installed package's `worker-entry.js`, or in a
   * bundle the bundle itself (whose entry must call `runTrainingWorker()` when `isTrainingWorker()`).
   * An unbundled TypeScript file cannot be used.
   */
  workerScript?: string;
}

export interface TrainResult {
  stopReason: StopReason;
  /** Zero-based index of the next epoch to run = number of epochs completed, counting resumed ones. */
  epochsCompleted: number;
  /** One entry per completed epoch, including those before a resume. */
  history: EpochLogs[];
  seconds: number;
}

/** Everything needed to continue a run; stored in the metadata of `<out>/last`. */
export interface TrainingState {
  version: 1;
  /** Last completed epoch (zero-based); a resume starts at `epoch + 1`. */
  epoch: number;
  seed: number;
  learningRate: number;
  options: ResolvedTrainOptions;
  /** Best monitored value so far (from the checkpoint callback). */
  best?: { monitor: string; value: number; epoch: number };
  /** `getState()` of every named callback, keyed by name. */
  callbacks: Record<string, unknown>;
  history: EpochLogs[];
}

/** What callbacks see and can change. */
export interface TrainingContext {
  readonly model: tf.LayersModel;
  readonly options: Readonly<ResolvedTrainOptions>;
  /** The training and validation samples (whole samples or full-size images crops are cut from). */
  readonly train: readonly { id: string }[];
  readonly val: readonly { id: string }[];
  readonly batchesPerEpoch: number;
  /** Completed epochs so far (including resumed ones). */
  readonly history: readonly EpochLogs[];
  /** Set when the run continues from a checkpoint. */
  readonly resumeState?: TrainingState;
  /** The reason a stop was requested, if any. */
  readonly stopRequested: StopReason | undefined;
  /** Ask the loop to stop: at the end of the epoch from `onEpochEnd`, else after the current batch. */
  stop(reason?: StopReason): void;
  getLearningRate(): number;
  setLearningRate(lr: number): void;
  /** A snapshot for `<out>/last`, taken after `logs` (the epoch just completed). */
  trainingState(logs: EpochLogs): TrainingState;
}

type MaybePromise = void | Promise<void>;

/**
 * A training callback. All hooks are optional and may be async (the loop awaits them in order).
 * Named callbacks with get/setState have their state saved in checkpoints and restored on resume.
 */
export interface TrainingCallback {
  readonly name?: string;
  /** Callbacks run in ascending order (stable); checkpointing uses 100 so it sees the final epoch state. */
  readonly order?: number;
  onTrainBegin?(ctx: TrainingContext): MaybePromise;
  onEpochBegin?(epoch: number, ctx: TrainingContext): MaybePromise;
  onBatchEnd?(logs: BatchLogs, ctx: TrainingContext): MaybePromise;
  onEpochEnd?(logs: EpochLogs, ctx: TrainingContext): MaybePromise;
  onTrainEnd?(result: TrainResult, ctx: TrainingContext): MaybePromise;
  getState?(): unknown;
  setState?(state: unknown): void;
}
