import * as path from 'path';
import { loadModel } from '@nuclei/model';
import type { SegmentOptions } from '@nuclei/segmentation';
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
  return `${mode}${scale}, threshold ${o.threshold ?? 0.5}, split ${o.split ?? 'watershed'}`;
}
