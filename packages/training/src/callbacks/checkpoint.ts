import * as path from 'path';
import { makeMetadata, saveModel, type SaveMetadata } from '@nuclei/model';
import { isImprovement, monitoredValue, resolveMode, type MonitorMode } from '../monitor';
import type { EpochLogs, TrainingCallback, TrainingContext, TrainingState } from '../types';

export const BEST_DIR = 'best';
export const LAST_DIR = 'last';

export interface CheckpointOptions {
  /** Default 'val_loss' (falls back to 'loss' without a validation set). */
  monitor?: string;
  mode?: MonitorMode;
  /** Save `<outDir>/best` when the monitored value improves. Default true. */
  saveBest?: boolean;
  /** Save `<outDir>/last` after every epoch, with optimizer and training state for resume. Default true. */
  saveLast?: boolean;
  /**
   * Preset/config of the model (saveModel checks it against the model input). Optional on resume:
   * the checkpoint's own state remembers it.
   */
  metadata?: SaveMetadata;
}

interface CheckpointState {
  best?: number;
  bestEpoch?: number;
  metadata?: SaveMetadata;
}

/** Where resume looks for its state in the metadata of `<out>/last`. */
export const TRAINING_STATE_KEY = 'state';

function historyColumns(history: readonly EpochLogs[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const h of history) {
    for (const [k, v] of Object.entries(h)) if (typeof v === 'number' && k !== 'epoch') (out[k] ??= []).push(v);
  }
  return out;
}

function finite(logs: EpochLogs): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(logs)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

/**
 * Saves the best model (on `monitor`) to `<outDir>/best` and every completed epoch to
 * `<outDir>/last`, both with optimizer state (saveModel is atomic, so an interrupted save leaves
 * the previous checkpoint intact). `<out>/last` carries a TrainingState in
 * `metadata.training.state` for resumeTraining. Runs after the other callbacks (order 100) so the
 * state it records includes their updates for the epoch.
 */
export function checkpoint(outDir: string, options: CheckpointOptions = {}): TrainingCallback {
  const monitor = options.monitor ?? 'val_loss';
  const mode = resolveMode(monitor, options.mode);
  let state: CheckpointState = {};
  const metadataFor = (ctx: TrainingContext, logs: EpochLogs, training?: TrainingState): SaveMetadata => {
    const base = options.metadata ?? state.metadata ?? {};
    const o = ctx.options;
    return {
      ...base,
      training: {
        ...base.training,
        epochs: logs.epoch + 1,
        images: ctx.train.length,
        batchSize: o.batchSize,
        validationSplit: o.validationSplit,
        seed: o.seed,
        // The held-out images by id, so a published model can be scored on exactly those at full size.
        validationIds: ctx.val.map((s) => s.id),
        ...(training ? { [TRAINING_STATE_KEY]: training } : {}),
      },
      metrics: finite(logs),
      history: historyColumns(ctx.history),
    };
  };
  return {
    name: 'checkpoint',
    order: 100,
    onTrainBegin(ctx) {
      if (options.metadata) {
        const { preset, config, preprocessing, segmentation } = options.metadata;
        state.metadata = { preset, config, ...(preprocessing ? { preprocessing } : {}), ...(segmentation ? { segmentation } : {}) };
      }
      // Fail now on a config that does not match the model, not after the first epoch's work.
      makeMetadata(ctx.model, options.metadata ?? state.metadata ?? {});
    },
    async onEpochEnd(logs, ctx) {
      const value = monitoredValue(logs, monitor);
      if ((options.saveBest ?? true) && value !== undefined && isImprovement(value, state.best, mode)) {
        state = { ...state, best: value, bestEpoch: logs.epoch };
        await saveModel(ctx.model, path.join(outDir, BEST_DIR), metadataFor(ctx, logs), { includeOptimizer: true });
      }
      if (options.saveLast ?? true) {
        const training: TrainingState = {
          ...ctx.trainingState(logs),
          ...(state.best !== undefined ? { best: { monitor, value: state.best, epoch: state.bestEpoch! } } : {}),
        };
        await saveModel(ctx.model, path.join(outDir, LAST_DIR), metadataFor(ctx, logs, training), { includeOptimizer: true });
      }
    },
    getState: () => ({ ...state }),
    setState(s) {
      state = { ...(s as CheckpointState) };
    },
  };
}
