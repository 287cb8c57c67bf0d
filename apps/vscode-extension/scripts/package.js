// Builds and packages the extension as a platform-specific .vsix (sharp's and ONNX Runtime's
// native binaries are for this platform), then checks the package: sources/tests left out, and
// sharp and ONNX Runtime loading from the unpacked extension alone (outside this repository's node_modules).
//   node scripts/package.js [--out FILE.vsix] [--no-build]
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const target = `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const out = path.resolve(outArg >= 0 ? args[outArg + 1] : path.join(root, `${pkg.name}-${target}-${pkg.version}.vsix`));

function packageVsix() {
  if (!args.includes('--no-build')) require(path.join(root, 'build.js')).buildAll();
  const vsce = require.resolve('@vscode/vsce/vsce', { paths: [root] });
  execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--target', target, '--out', out], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return out;
}

/** Unzips with Python's zipfile, else unzip, into a fresh temporary folder. */
function unpack(vsix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-vsix-'));
  try {
    execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', vsix, dir]);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
    execFileSync('unzip', ['-q', vsix, '-d', dir]);
  }
  return dir;
}

function checkPackage(vsix) {
  const dir = unpack(vsix);
  try {
    const ext = path.join(dir, 'extension');
    const files = [];
    const walk = (d) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(path.relative(ext, p));
      }
    };
    walk(ext);
    const bad = files.filter((f) => /^(src|test|scripts)\//.test(f) || (/\.(ts|map)$/.test(f) && !f.startsWith('dist/node_modules/')));
    if (bad.length) throw new Error(`package holds sources or tests: ${bad.slice(0, 5).join(', ')}`);
    for (const need of ['dist/extension.js', 'dist/webview/segment.js', 'dist/webview/train.js', 'dist/webview/evaluate.js', 'package.json']) {
      if (!files.includes(need)) throw new Error(`package lacks ${need}`);
    }
    if (!files.some((f) => f.startsWith('dist/wasm/') && f.endsWith('.wasm'))) throw new Error('package lacks dist/wasm/*.wasm');
    const hasModel = files.includes('dist/models/default/model.json');
    // sharp from the unpacked extension, in a child process whose cwd is the temp folder.
    const probe =
      `const s = require(${JSON.stringify(path.join(ext, 'dist/node_modules/sharp'))});` +
      `s({create:{width:2,height:2,channels:3,background:'#f00'}}).png().toBuffer().then(b => console.log('sharp', s.versions.sharp, 'libvips', s.versions.vips, 'png', b.length, 'bytes'))`;
    const said = execFileSync(process.execPath, ['-e', probe], { cwd: dir, env: { ...process.env, NODE_PATH: '' } })
      .toString()
      .trim();
    // ONNX Runtime from the unpacked extension: a session on the bundled model's model.onnx, one prediction.
    const onnxFile = path.join(ext, 'dist/models/default/model.onnx');
    const ortProbe =
      `const ort = require(${JSON.stringify(path.join(ext, 'dist/node_modules/onnxruntime-node'))});` +
      (fs.existsSync(onnxFile)
        ? `ort.InferenceSession.create(${JSON.stringify(onnxFile)}).then(async (s) => { const n = s.inputNames[0]; ` +
          `const r = await s.run({ [n]: new ort.Tensor('float32', new Float32Array(3 * 64 * 64), [1, 3, 64, 64]) }); ` +
          `console.log('onnxruntime-node', ort.env.versions.node, 'ran model.onnx: output', r[s.outputNames[0]].dims.join('x')); })`
        : `console.log('onnxruntime-node', ort.env.versions.node, 'loads (no model.onnx to run)')`);
    const ortSaid = execFileSync(process.execPath, ['-e', ortProbe], { cwd: dir, env: { ...process.env, NODE_PATH: '' } })
      .toString()
      .trim();
    const otherPlatforms = files.filter((f) => f.startsWith('dist/node_modules/onnxruntime-node/bin/') && !f.includes(`/${process.platform}/${process.arch}/`));
    if (otherPlatforms.length) throw new Error(`package holds other platforms' ONNX Runtime binaries: ${otherPlatforms[0]}`);
    const size = (fs.statSync(vsix).size / 1e6).toFixed(1);
    console.log(
      `package: ${path.basename(vsix)} (${size} MB, ${files.length} files${hasModel ? ', default model' : ', NO default model'}); ${said}; ${ortSaid}`,
    );
    return { files, hasModel };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { packageVsix, checkPackage, unpack, target };

if (require.main === module) {
  checkPackage(packageVsix());
}
