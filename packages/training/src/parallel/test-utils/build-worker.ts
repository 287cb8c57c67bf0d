import * as fs from 'fs';
import * as path from 'path';

const repo = path.resolve(__dirname, '../../../../..');

/**
 * Bundle `worker-entry.ts` (a worker thread cannot run TypeScript) into node_modules/.cache,
 * where `require('@tensorflow/tfjs')` resolves to the repo's copy. Returns the script and a cleanup.
 */
export function buildTestWorker(): { script: string; remove: () => void } {
  // Required lazily: esbuild is a dev dependency of the repo, used by tests only.
  const esbuild = require('esbuild') as typeof import('esbuild');
  const cache = path.join(repo, 'node_modules', '.cache');
  fs.mkdirSync(cache, { recursive: true });
  const dir = fs.mkdtempSync(path.join(cache, 'nuclei-training-worker-'));
  const script = path.join(dir, 'worker.js');
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'worker-entry.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@tensorflow/*', 'sharp'],
    tsconfig: path.join(repo, 'tsconfig.base.json'),
    logLevel: 'warning',
  });
  return { script, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
