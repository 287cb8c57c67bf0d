// Bundles the CLI from the packages' TypeScript sources (tsconfig paths), leaving
// TF.js, sharp and ONNX Runtime external: they carry native or wasm binaries that must load from node_modules.
const esbuild = require('esbuild');
const path = require('path');
esbuild.buildSync({
  entryPoints: [path.join(__dirname, 'src/main.ts')],
  outfile: path.join(__dirname, 'dist/nuclei.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  external: ['@tensorflow/*', 'sharp', 'onnxruntime-node'],
  tsconfig: path.join(__dirname, '../../tsconfig.base.json'),
  logLevel: 'warning',
});
