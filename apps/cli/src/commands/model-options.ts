import * as path from 'path';
import { loadModel } from '@nuclei/model';
import type { SegmentOptions } from '@nuclei/segmentation';
import { choiceOption, intOption, numberOption } from '../args';
import { CliError } from '../cli-error';
import { findDefaultModel } from '../default-model';

/** Loads --model DIR, or the bundled default model when none is given. */
export async function loadModelOption(value: unknown) {
  const dir = value ? path.resolve(String(value)) : findDefaultModel();
  if (!dir) {
    throw new CliError('no --model given and no bundled default model found (models/default); train one with "nuclei train" or set NUCLEI_MODEL');
  }
  const loaded = await loadModel(dir);
  console.log(`model: ${dir} (${loaded.metadata.preset ?? 'custom'}, input ${loaded.metadata.inputSize}x${loaded.metadata.inputSize})`);
  return { ...loaded, dir };
}

/** One line saying how images will be segmented (segment's own defaults for what is unset). */
export function describeOptions(o: SegmentOptions): string {
  const mode = o.mode ?? 'tile';
  const scale = mode === 'tile' && o.scale !== undefined && o.scale !== 1 ? ` at scale ${o.scale}` : '';
  return `${mode}${scale}, threshold ${o.threshold ?? 0.5}, split ${o.split ?? 'watershed'}${o.tta ? ', flip-averaged (tta)' : ''}`;
}

/** The segmentation flags shared by `segment` and `evaluate`. */
export const SEGMENT_FLAGS = {
  mode: { type: 'string' },
  threshold: { type: 'string' },
  split: { type: 'string' },
  scale: { type: 'string' },
  'tile-size': { type: 'string' },
  tta: { type: 'boolean' },
} as const;

/** Only what the user set: the rest comes from the model's recommendation, then segment's defaults. */
export function segmentOptionsFromFlags(values: Record<string, string | boolean | undefined>): SegmentOptions {
  const set = (name: string) => values[name] !== undefined;
  return {
    mode: set('mode') ? choiceOption('mode', values.mode, ['tile', 'resize'] as const, 'tile') : undefined,
    threshold: set('threshold') ? numberOption('threshold', values.threshold, 0.5, 0, 1) : undefined,
    split: set('split') ? choiceOption('split', values.split, ['watershed', 'components'] as const, 'watershed') : undefined,
    scale: set('scale') ? numberOption('scale', values.scale, 1, 0.01, 4) : undefined,
    tileSize: set('tile-size') ? intOption('tile-size', values['tile-size'], 128, 16) : undefined,
    tta: values.tta ? true : undefined,
  };
}
