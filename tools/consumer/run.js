#!/usr/bin/env node
// The libraries as an outside developer gets them: every @nuclei package packed with `npm pack`,
// the tarballs installed into a fresh project outside the workspace (with TF.js as the app's own
// dependency), and a small pipeline run from plain Node in CommonJS and ESM: synthetic data, a
// model, one training epoch on two worker threads, segmentation, the DSB score.
// Not a unit test (it installs from the registry or npm's cache): `npm run consumer-check`.
// (TypeScript checks the app's use of the types; skipLibCheck, since TF.js's own .d.ts files do not
// compile under strict settings.)
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const repo = path.resolve(__dirname, '../..');
const PACKAGES = ['evaluation', 'data', 'model', 'backend', 'onnx', 'training', 'segmentation', 'slide'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args, cwd, env = {}) => {
  try {
    return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } }).toString();
  } catch (e) {
    throw new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(' ')} failed:\n${e.stdout?.toString() ?? e.message}`);
  }
};

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-consumer-'));
const started = Date.now();
try {
  run('npx', ['nx', 'run-many', '-t', 'build', '--projects', PACKAGES.map((p) => `@nuclei/${p}`).join(','), '--outputStyle=static'], repo);
  const tarballs = PACKAGES.map((p) => {
    const out = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work, '--ignore-scripts'], path.join(repo, 'packages', p)));
    const files = out[0].files.map((f) => f.path);
    const bad = files.filter((f) => /test-utils|testing|\.spec\.|\.map$/.test(f));
    if (bad.length) throw new Error(`@nuclei/${p} packs test files or source maps: ${bad.join(', ')}`);
    for (const need of ['README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts'])
      if (!files.includes(need)) throw new Error(`@nuclei/${p} packs no ${need}`);
    return path.join(work, out[0].filename);
  });
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  // As the README says for firewalled machines: no CUDA download for onnxruntime-node.
  run(npm, ['install', '--no-audit', '--no-fund', '@tensorflow/tfjs@4.22.0', ...tarballs], app, { ONNXRUNTIME_NODE_INSTALL: 'skip' });
  const tfjsCopies = run('find', ['node_modules', '-name', 'package.json', '-path', '*@tensorflow/tfjs/package.json'], app).trim().split('\n').filter(Boolean);
  if (tfjsCopies.length !== 1)
    throw new Error(`expected one copy of @tensorflow/tfjs (a peer dependency), found ${tfjsCopies.length}: ${tfjsCopies.join(', ')}`);

  fs.writeFileSync(
    path.join(app, 'pipeline.cjs'),
    `
const { generateSyntheticSample, masksToLabels } = require('@nuclei/data');
const { buildUNet } = require('@nuclei/model');
const { selectBackend } = require('@nuclei/backend');
const { train } = require('@nuclei/training');
const { segment } = require('@nuclei/segmentation');
const { dsbScore } = require('@nuclei/evaluation');
const { selectEngine, describeEngine } = require('@nuclei/onnx');
const { planBlocks } = require('@nuclei/slide');
(async () => {
  const sel = await selectBackend('auto');
  const s = 32;
  const samples = Array.from({ length: 8 }, (_, i) => {
    const { image, masks } = generateSyntheticSample({ width: s, height: s, seed: i + 1 });
    const labels = masksToLabels(masks, s, s);
    return { id: 's' + i, image: image.data, mask: Uint8Array.from(labels, (v) => (v ? 1 : 0)), originalWidth: s, originalHeight: s };
  });
  const model = buildUNet({ inputSize: s, baseFilters: 4, depth: 3 }, { seed: 1 });
  const r = await train(model, samples, { epochs: 1, batchSize: 4, workers: 2, validationSplit: 0.25 });
  const engine = await selectEngine(model, 'auto');
  const { image, masks } = generateSyntheticSample({ width: 80, height: 64, seed: 99 });
  const seg = await segment(image, engine.predictor, {});
  const score = dsbScore(seg.labels, masksToLabels(masks, 80, 64), 80, 64).score;
  console.log(JSON.stringify({ backend: sel.backend, engine: describeEngine(engine), stop: r.stopReason, nuclei: seg.count, dsb: score, blocks: planBlocks(1000, 800, 256, 32).length }));
  engine.predictor.dispose();
  model.dispose();
})().catch((e) => { console.error(e); process.exit(1); });
`,
  );
  const cjs = JSON.parse(run(process.execPath, ['pipeline.cjs'], app).trim().split('\n').pop());
  if (cjs.stop !== 'completed' || typeof cjs.dsb !== 'number' || cjs.blocks !== 16) throw new Error(`pipeline: ${JSON.stringify(cjs)}`);
  // Importing the model package leaves TF.js's backend registry alone (backends are @nuclei/backend's business).
  fs.writeFileSync(
    path.join(app, 'esm.mjs'),
    `import * as tf from '@tensorflow/tfjs';\nimport { dsbScore } from '@nuclei/evaluation';\nimport { PRESETS } from '@nuclei/model';\nconsole.log(JSON.stringify({ esm: typeof dsbScore, presets: Object.keys(PRESETS).length, wasmRegistered: 'wasm' in tf.engine().registryFactory }));\n`,
  );
  const esm = JSON.parse(run(process.execPath, ['esm.mjs'], app).trim());
  if (esm.wasmRegistered) throw new Error('importing @nuclei/model registered the wasm backend');
  fs.writeFileSync(
    path.join(app, 'typed.ts'),
    `import { segment, type SegmentResult } from '@nuclei/segmentation';\nimport { exportOnnx } from '@nuclei/onnx';\nexport const f: (typeof segment) | undefined = undefined;\nexport type R = SegmentResult;\nexport const g = exportOnnx;\n`,
  );
  run(
    process.execPath,
    [
      path.join(repo, 'node_modules/typescript/bin/tsc'),
      '--strict',
      '--noEmit',
      '--module',
      'commonjs',
      '--moduleResolution',
      'node',
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      '--typeRoots',
      path.join(repo, 'node_modules/@types'),
      'typed.ts',
    ],
    app,
  );
  console.log(
    `consumer check: ${PACKAGES.length} packages packed and installed outside the workspace (one @tensorflow/tfjs), CommonJS pipeline ${JSON.stringify(cjs)}, ESM ${JSON.stringify(esm)}, strict TypeScript types ok, in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
