import type { SaveMetadata } from '@nuclei/model';
import type { TrainingCallback } from '../types';
import { checkpoint } from './checkpoint';
import { cosineSchedule, type CosineScheduleOptions } from './cosine-schedule';
import { earlyStopping, type EarlyStoppingOptions } from './early-stopping';
import { historyLogger } from './history';
import { progress, type ProgressEvent } from './progress';
import { reduceLrOnPlateau, type ReduceLrOnPlateauOptions } from './reduce-lr-on-plateau';

export interface DefaultCallbacksOptions {
  /** Preset/config for the checkpoints (optional when resuming). */
  metadata?: SaveMetadata;
  onProgress?: (event: ProgressEvent) => void;
  /** Off unless given (the seed trains a fixed number of epochs). */
  earlyStopping?: EarlyStoppingOptions;
  reduceLr?: ReduceLrOnPlateauOptions;
  /** Cosine learning-rate decay over the run (off unless given). */
  cosine?: CosineScheduleOptions;
}

/**
 * The set a CLI or editor run wants in `outDir`: progress, history files, optional early stopping
 * and lr reduction, and best/last checkpoints. One place so the CLI and VS Code behave the same.
 */
export function defaultCallbacks(outDir: string, options: DefaultCallbacksOptions = {}): TrainingCallback[] {
  return [
    ...(options.onProgress ? [progress(options.onProgress)] : []),
    historyLogger(outDir),
    ...(options.earlyStopping ? [earlyStopping(options.earlyStopping)] : []),
    ...(options.cosine ? [cosineSchedule(options.cosine)] : []),
    ...(options.reduceLr ? [reduceLrOnPlateau(options.reduceLr)] : []),
    checkpoint(outDir, { metadata: options.metadata }),
  ];
}
