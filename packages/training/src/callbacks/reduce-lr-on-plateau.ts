import { isImprovement, monitoredValue, resolveMode, type MonitorMode } from '../monitor';
import type { TrainingCallback } from '../types';

export interface ReduceLrOnPlateauOptions {
  /** Default 'val_loss' (falls back to 'loss' without a validation set). */
  monitor?: string;
  /** New lr = lr * factor. Default 0.5. */
  factor?: number;
  /** Epochs without improvement before reducing. Default 3. */
  patience?: number;
  /** Default 1e-4. */
  minDelta?: number;
  /** Lower bound of the learning rate. Default 1e-6. */
  minLr?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  mode?: MonitorMode;
  /** Told about each change (e.g. to print it). */
  onReduce?: (change: { epoch: number; from: number; to: number }) => void;
}

interface ReduceLrState {
  best?: number;
  wait: number;
  cooldown: number;
}

/** Multiplies the optimizer's learning rate by `factor` when the monitored metric plateaus. */
export function reduceLrOnPlateau(options: ReduceLrOnPlateauOptions = {}): TrainingCallback {
  const monitor = options.monitor ?? 'val_loss';
  const factor = options.factor ?? 0.5;
  const patience = options.patience ?? 3;
  const minDelta = options.minDelta ?? 1e-4;
  const minLr = options.minLr ?? 1e-6;
  const cooldown = options.cooldown ?? 0;
  const mode = resolveMode(monitor, options.mode);
  if (!(factor > 0 && factor < 1)) throw new Error(`factor must be in (0, 1), got ${factor}.`);
  let state: ReduceLrState = { wait: 0, cooldown: 0 };
  return {
    name: 'reduceLrOnPlateau',
    onEpochEnd(logs, ctx) {
      const value = monitoredValue(logs, monitor);
      if (value === undefined) return;
      const improved = isImprovement(value, state.best, mode, minDelta);
      if (improved) {
        state.best = value;
        state.wait = 0;
      }
      // The `cooldown` epochs after a reduction only track the best value: the new lr gets time to act.
      if (state.cooldown > 0) {
        state.cooldown--;
        return;
      }
      if (improved) return;
      if (++state.wait < patience) return;
      const from = ctx.getLearningRate();
      const to = Math.max(from * factor, minLr);
      // Already at the floor: nothing to change (and nothing worth reporting).
      if (to < from) {
        ctx.setLearningRate(to);
        options.onReduce?.({ epoch: logs.epoch, from, to });
      }
      state.wait = 0;
      state.cooldown = cooldown;
    },
    getState: () => ({ ...state }),
    setState(s) {
      state = { ...(s as ReduceLrState) };
    },
  };
}
