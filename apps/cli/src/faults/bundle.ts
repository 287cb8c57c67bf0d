import * as fs from 'fs';
import * as path from 'path';
import { createRng } from '@nuclei/data';

/**
 * The CLI as users run it (one esbuild bundle, so worker threads and `kill -9` behave as in
 * production), built once per test file into dist/; remove() deletes it.
 */
export function buildCliBundle(name: string): { file: string; remove: () => void } {
  const file = path.join(__dirname, '..', '..', 'dist', `fault-${name}-${process.pid}.js`);
  const esbuild = require('esbuild');
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, '..', 'main.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@tensorflow/*', 'sharp', 'onnxruntime-node'],
    tsconfig: path.join(__dirname, '../../../../tsconfig.base.json'),
    logLevel: 'error',
  });
  return { file, remove: () => fs.rmSync(file, { force: true }) };
}

/** A deterministic stream of numbers in [0, 1), so fault trials repeat. */
export const seeded = createRng;
