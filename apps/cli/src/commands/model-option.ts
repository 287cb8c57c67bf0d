import * as path from 'path';
import { loadModel } from '@nuclei/model';
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
