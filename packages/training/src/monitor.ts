import type { EpochLogs } from './types';

export type MonitorMode = 'min' | 'max' | 'auto';

/** 'auto' maximises accuracy/IoU-like metrics and minimises everything else (losses). */
export function resolveMode(monitor: string, mode: MonitorMode = 'auto'): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|iou|dice|score/i.test(monitor) ? 'max' : 'min';
}

/** True when `current` beats `best` by more than `minDelta` in the direction of `mode`. */
export function isImprovement(current: number, best: number | undefined, mode: 'min' | 'max', minDelta = 0): boolean {
  if (!Number.isFinite(current)) return false;
  if (best === undefined || !Number.isFinite(best)) return true;
  return mode === 'min' ? current < best - Math.abs(minDelta) : current > best + Math.abs(minDelta);
}

/**
 * The monitored value of an epoch. Without a validation set `val_x` does not exist; falling back
 * to the train metric `x` keeps checkpoints and early stopping working instead of silently idle.
 */
export function monitoredValue(logs: EpochLogs, monitor: string): number | undefined {
  const v = logs[monitor];
  if (typeof v === 'number') return v;
  if (monitor.startsWith('val_')) {
    const train = logs[monitor.slice(4)];
    if (typeof train === 'number') return train;
  }
  return undefined;
}
