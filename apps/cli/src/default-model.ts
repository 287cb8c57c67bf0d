import * as path from 'path';
import { isModelDir } from '@nuclei/model';

/** Where the bundled default model lives, relative to the repository (or package) root. */
export const DEFAULT_MODEL_SUBDIR = path.join('models', 'default');

/**
 * The model to use when none is given: $NUCLEI_MODEL, else the bundled `models/default` found by
 * walking up from this file (works from sources, the esbuild bundle and an installed package).
 */
export function findDefaultModel(start = __dirname, env = process.env): string | undefined {
  if (env.NUCLEI_MODEL) return path.resolve(env.NUCLEI_MODEL);
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, DEFAULT_MODEL_SUBDIR);
    if (isModelDir(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
