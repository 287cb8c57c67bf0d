import * as fs from 'fs';
import * as path from 'path';

/**
 * The CLI as users run it (one esbuild bundle, so worker threads and `kill -9` behave as in
 * production), built once per test file into dist/; remove() deletes it.
 */
export function buildCliBundle(name: string): { file: string; remove: () => void } {
  const file = path.join(__dirname, '..', '..', 'dist', `fault-${name}-${process.pid}.js`);
  const esbuild = require('esbuild');
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, '..', 'main.ts')], outfile: file, bundle: true, platform: 'node', target: 'node20',
    format: 'cjs', external: ['@tensorflow/*', 'sharp'], tsconfig: path.join(__dirname, '../../../../tsconfig.base.json'), logLevel: 'error',
  });
  return { file, remove: () => fs.rmSync(file, { force: true }) };
}

/** A deterministic stream of numbers in [0, 1) (mulberry32), so fault trials repeat. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
