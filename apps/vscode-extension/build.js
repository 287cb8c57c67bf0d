// Builds the extension into dist/:
//   dist/extension.js       extension host bundle (CJS, `vscode` external), packages bundled from source
//   dist/webview/<view>.js  one browser bundle per webview page
//   dist/wasm/*.wasm        TF.js wasm backend binaries (found by @nuclei/backend beside the bundles)
//   dist/node_modules/...   sharp and its platform packages, onnxruntime-node with this platform's binary
//                           only (native: kept external and shipped)
//   dist/models/default     the bundled default model, when <repo>/models/default exists
// `node build.js --webview` builds only the webview bundles (used by the browser test).
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const root = __dirname;
const repo = path.resolve(root, '../..');
const dist = path.join(root, 'dist');
const VIEWS = ['segment', 'train', 'evaluate', 'slide'];

function buildWebviews(outDir = path.join(dist, 'webview')) {
  esbuild.buildSync({
    entryPoints: VIEWS.map((v) => path.join(root, 'src/webview-ui', `${v}.ts`)),
    outdir: outDir,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    sourcemap: false,
    minify: false,
    logLevel: 'warning',
  });
  return outDir;
}

function buildExtension() {
  buildNodeBundle('extension.ts', 'extension.js');
  // Threads of data-parallel training run this bundle (see src/training-worker.ts).
  buildNodeBundle('training-worker.ts', 'training-worker.js');
}

function buildNodeBundle(entry, out) {
  esbuild.buildSync({
    entryPoints: [path.join(root, 'src', entry)],
    outfile: path.join(dist, out),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    // vscode is provided by the host; sharp and onnxruntime-node are native (shipped in
    // dist/node_modules); tfjs-node[-gpu] are optional native backends that selectBackend may try and skip.
    external: ['vscode', 'sharp', 'onnxruntime-node', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    tsconfig: path.join(repo, 'tsconfig.base.json'),
    // @nuclei/backend's defaultWasmDir() finds dist/wasm beside the bundle before trying require.resolve.
    logOverride: { 'require-resolve-not-external': 'silent' },
    logLevel: 'warning',
  });
}

function copyDir(from, to, skip = () => false) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (skip(src, entry)) continue;
    if (entry.isDirectory()) copyDir(src, dst, skip);
    else if (entry.isSymbolicLink()) fs.copyFileSync(fs.realpathSync(src), dst);
    else fs.copyFileSync(src, dst);
  }
}

function copyWasm() {
  const pkg = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json', { paths: [repo] }));
  const out = path.join(dist, 'wasm');
  fs.mkdirSync(out, { recursive: true });
  const files = fs.readdirSync(path.join(pkg, 'dist')).filter((f) => f.endsWith('.wasm'));
  for (const f of files) fs.copyFileSync(path.join(pkg, 'dist', f), path.join(out, f));
  return files;
}

/** Finds the folder of package `name` as Node would resolve it from `fromDir`. */
function findPackage(name, fromDir) {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Copies package `name` (resolved from `fromDir`) and, recursively, its dependencies and the
 * optional dependencies that are installed (sharp's `@img/sharp-<platform>` packages) into
 * dist/node_modules, flat. Only sharp's and ONNX Runtime's trees are shipped, so flat is unambiguous.
 */
function shipPackage(name, fromDir, shipped = new Map(), options = {}) {
  if (shipped.has(name)) return shipped;
  const dir = findPackage(name, fromDir);
  if (!dir) return shipped; // an optional dependency for another platform
  const target = path.join(dist, 'node_modules', name);
  const skip = options.skip ?? (() => false);
  copyDir(
    dir,
    target,
    (src, entry) =>
      (entry.isDirectory() && entry.name === 'node_modules' && path.dirname(src) === dir) ||
      (entry.isDirectory() && src === path.join(dir, 'src')) ||
      (/\.(md|ts|mts|cts|map)$/.test(entry.name) && !/^LICENSE/i.test(entry.name)) ||
      skip(path.relative(dir, src), entry),
  );
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  shipped.set(name, pkg.version);
  const deps = Object.keys(pkg.dependencies || {}).filter((d) => !(options.installOnly ?? []).includes(d));
  for (const dep of [...deps, ...Object.keys(pkg.optionalDependencies || {})]) {
    shipPackage(dep, dir, shipped);
  }
  return shipped;
}

/**
 * onnxruntime-node carries every platform's binaries (288 MB); ship this platform's only, and
 * leave out its install script and what only that script needs (it downloads CUDA libraries).
 */
function shipOnnxRuntime(shipped) {
  const mine = path.join('bin', 'napi-v6', process.platform, process.arch);
  return shipPackage('onnxruntime-node', repo, shipped, {
    installOnly: ['adm-zip', 'global-agent'],
    skip: (rel, entry) => rel === 'script' || (rel.startsWith(`bin${path.sep}`) && entry.isDirectory() && !mine.startsWith(rel) && !rel.startsWith(mine)),
  });
}

function copyModel() {
  const from = process.env.NUCLEI_DEFAULT_MODEL || path.join(repo, 'models/default');
  const to = path.join(dist, 'models/default');
  if (!fs.existsSync(path.join(from, 'model.json'))) {
    console.warn(`build: no default model at ${from}; the extension will need nuclei.modelPath`);
    return false;
  }
  copyDir(from, to);
  return true;
}

function buildAll() {
  fs.rmSync(dist, { recursive: true, force: true });
  buildExtension();
  buildWebviews();
  const wasm = copyWasm();
  const shipped = shipOnnxRuntime(shipPackage('sharp', repo));
  const model = copyModel();
  console.log(
    `build: dist/extension.js, dist/webview/{${VIEWS.join(',')}}.js, ${wasm.length} wasm files, ` +
      `node_modules: ${[...shipped].map(([n, v]) => `${n}@${v}`).join(' ')}${model ? ', default model' : ''}`,
  );
}

module.exports = { buildWebviews, buildExtension, buildAll, VIEWS };

if (require.main === module) {
  if (process.argv.includes('--webview')) buildWebviews();
  else buildAll();
}
