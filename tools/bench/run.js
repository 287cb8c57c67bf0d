#!/usr/bin/env node
// Runs one benchmark (or all) from tools/bench/src/<name>.bench.ts: bundled by esbuild from the
// packages' sources, then run in a fresh Node process so benchmarks do not disturb each other.
// Usage: npm run bench -- [data|model|segment ...] [-- extra args for the benchmark]
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const srcDir = path.join(__dirname, 'src');
const outDir = path.join(__dirname, 'dist');
const all = fs
  .readdirSync(srcDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace('.bench.ts', ''));
const sep = process.argv.indexOf('--');
const names = (sep < 0 ? process.argv.slice(2) : process.argv.slice(2, sep)).filter(Boolean);
const extra = sep < 0 ? [] : process.argv.slice(sep + 1);
const chosen = names.length ? names : all;
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`unknown benchmark "${name}"; have: ${all.join(', ')}`);
    process.exit(2);
  }
  const outfile = path.join(outDir, `${name}.bench.js`);
  esbuild.buildSync({
    entryPoints: [path.join(srcDir, `${name}.bench.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Native or not bundleable (playwright-core reads its own package files at run time): loaded from node_modules.
    external: ['@tensorflow/*', 'sharp', 'onnxruntime-node', 'playwright-core'],
    tsconfig: path.join(__dirname, '../../tsconfig.base.json'),
    logLevel: 'warning',
  });
  console.log(`\n=== bench: ${name}`);
  const r = spawnSync(process.execPath, ['--max-old-space-size=16384', outfile, ...extra], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
