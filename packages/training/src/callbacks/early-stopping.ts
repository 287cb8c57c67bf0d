import { isImprovement, monitoredValue, resolveMode, type MonitorMode } from '../monitor';
import type { TrainingCallback } from '../types';

export interface EarlyStoppingOptions {
  /** Default 'val_loss' (falls back to 'loss' without a validation set). */
  monitor?: string;
  /** Epochs without improvement before stopping. Default 5. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  mode?: MonitorMode;
}

interface EarlyStoppingState {
  best?: number;
  wait: number;
}

/** Requests a stop (`stopReason: 'early-stopping'`) after `patience` epochs without improvement. */
export function earlyStopping(options: EarlyStoppingOptions = {}): TrainingCallback & { readonly stoppedEpoch?: number } {
  const monitor = options.monitor ?? 'val_loss';
  const patience = options.patience ?? 5;
  const minDelta = options.minDelta ?? 0;
  const mode = resolveMode(monitor, options.mode);
  let state: EarlyStoppingState = { wait: 0 };
  let stoppedEpoch: number | undefined;
  return {
    name: 'earlyStopping',
    get stoppedEpoch() {
      return stoppedEpoch;
    },
    onEpochEnd(logs, ctx) {
      const value = monitoredValue(logs, monitor);
      if (value === undefined) return;
      if (isImprovement(value, state.best, mode, minDelta)) {
        state = { best: value, wait: 0 };
      } else if (++state.wait >= patience) {
        stoppedEpoch = logs.epoch;
        ctx.stop('early-stopping');
      }
    },
    getState: () => ({ ...state }),
    setState(s) {
      state = { ...(s as EarlyStoppingState) };
    },
  };
}
