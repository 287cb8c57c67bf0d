import type { Sample } from '@nuclei/data';
import type { ResolvedTrainOptions, TrainOptions } from './types';

export const DEFAULT_OPTIONS = {
  epochs: 20,
  batchSize: 16,
  validationSplit: 0.1,
  seed: 42,
  shuffle: true,
  // The seed notebook trains without augmentation; keep that unless asked.
  augment: false,
  initialEpoch: 0,
} as const;

/** Square side of the samples (checked, so a mixed-size set fails here rather than in a kernel). */
export function sampleSize(samples: readonly Sample[]): number {
  if (samples.length === 0) throw new Error('No training samples.');
  const size = Math.round(Math.sqrt(samples[0].mask.length));
  for (const s of samples) {
    if (s.mask.length !== size * size || s.image.length !== size * size * 3) {
      throw new Error(`Sample ${s.id} is not ${size}x${size} (image ${s.image.length} bytes, mask ${s.mask.length}).`);
    }
  }
  return size;
}

/**
 * Defaults, then the stored options of a resumed run, then what the caller passes now (so a
 * resumed run can e.g. raise `epochs`). The seed and initial epoch always come from the state on
 * resume: that is what makes the continuation match an uninterrupted run.
 */
export function resolveOptions(options: TrainOptions, size: number): ResolvedTrainOptions {
  const state = options.resumeState;
  if (state) {
    // A resumed run is the run it resumes: settings that shape its data and steps cannot change
    // (a new validation split would train on images that were held out). Only epochs may.
    for (const k of ['batchSize', 'validationSplit', 'shuffle', 'augment'] as const) {
      const given = options[k];
      if (given !== undefined && given !== state.options[k]) {
        throw new Error(`cannot resume with ${k} ${given}: the run was started with ${k} ${state.options[k]} (leave it out to keep the run's value)`);
      }
    }
  }
  const pick = <K extends keyof ResolvedTrainOptions>(k: K, fallback: ResolvedTrainOptions[K]): ResolvedTrainOptions[K] =>
    (options[k] as ResolvedTrainOptions[K] | undefined) ?? state?.options[k] ?? fallback;
  const resolved: ResolvedTrainOptions = {
    epochs: pick('epochs', DEFAULT_OPTIONS.epochs),
    batchSize: pick('batchSize', DEFAULT_OPTIONS.batchSize),
    validationSplit: pick('validationSplit', DEFAULT_OPTIONS.validationSplit),
    seed: state ? state.seed : (options.seed ?? DEFAULT_OPTIONS.seed),
    shuffle: pick('shuffle', DEFAULT_OPTIONS.shuffle),
    augment: pick('augment', DEFAULT_OPTIONS.augment),
    initialEpoch: state ? state.epoch + 1 : (options.initialEpoch ?? DEFAULT_OPTIONS.initialEpoch),
    size,
  };
  if (!Number.isInteger(resolved.epochs) || resolved.epochs < 0) throw new Error(`epochs must be a non-negative integer, got ${resolved.epochs}.`);
  if (!Number.isInteger(resolved.batchSize) || resolved.batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${resolved.batchSize}.`);
  if (!(resolved.validationSplit >= 0 && resolved.validationSplit < 1)) throw new Error(`validationSplit must be in [0, 1), got ${resolved.validationSplit}.`);
  if (options.size !== undefined && options.size !== size) throw new Error(`size ${options.size} does not match the samples (${size}).`);
  return resolved;
}
