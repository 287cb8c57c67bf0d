import * as path from 'path';
import type * as tf from '@tensorflow/tfjs';
import { loadModel, type ModelMetadata } from '@nuclei/model';
import { LAST_DIR, TRAINING_STATE_KEY } from './callbacks/checkpoint';
import { train, type TrainData } from './train';
import type { TrainingState, TrainOptions, TrainResult } from './types';

/** The TrainingState stored by the checkpoint callback in `<out>/last`, or an error naming the folder. */
export function trainingStateOf(metadata: ModelMetadata, where: string): TrainingState {
  const state = metadata.training?.[TRAINING_STATE_KEY] as TrainingState | undefined;
  if (!state || state.version !== 1 || typeof state.epoch !== 'number' || typeof state.seed !== 'number') {
    throw new Error(`${where} holds no training state to resume from (it was not saved by the checkpoint callback's "last").`);
  }
  return state;
}

export interface ResumedTraining extends TrainResult {
  /** The model loaded from `<out>/last` and trained further; the caller disposes it. */
  model: tf.LayersModel;
  resumedFrom: TrainingState;
}

/**
 * Continue a run from `<outDir>/last`: weights, Adam state (moments and iteration count), learning
 * rate, callback states (best value, patience counters) and the seed, starting at the epoch after
 * the last completed one. `options` may change e.g. `epochs` or the callbacks (pass the same
 * checkpoint/history out dir to keep writing there); the seed and start epoch come from the state.
 */
export async function resumeTraining(
  outDir: string,
  data: TrainData,
  options: Omit<TrainOptions, 'resumeState' | 'initialEpoch' | 'seed'> = {},
): Promise<ResumedTraining> {
  const dir = path.join(outDir, LAST_DIR);
  const { model, metadata, optimizerRestored } = await loadModel(dir);
  try {
    const state = trainingStateOf(metadata, dir);
    if (!optimizerRestored) throw new Error(`${dir} has no optimizer state; resuming would restart Adam from scratch.`);
    const result = await train(model, data, { ...options, resumeState: state });
    return { ...result, model, resumedFrom: state };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
