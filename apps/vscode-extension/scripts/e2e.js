// `npm run e2e -w nuclei-vscode`: packages the extension once, makes sure code-server and the
// Debian packages the test needs are there (installing them on a fresh machine, see
// install-code-server.js), then runs the opt-in end-to-end tests (packaged extension in a Node
// host, and in a real VS Code via code-server) in one jest process. Extra arguments go to jest.
// Env: NUCLEI_E2E_CACHE (where code-server is installed; default ~/.cache/nuclei-e2e),
// NUCLEI_VSIX (an already packaged .vsix).
const { spawnSync } = require('child_process');
const path = require('path');
const root = path.resolve(__dirname, '..');

const t0 = Date.now();
const step = (msg) => process.stderr.write(`e2e [${Math.round((Date.now() - t0) / 1000)}s] ${msg}\n`);

async function main() {
  step('code-server and Debian packages');
  const { install } = require('./install-code-server.js');
  const bin = await install();
  step(`code-server: ${bin}`);
  step('packaging the extension');
  const { packageVsix, checkPackage } = require('./package.js');
  const vsix = process.env.NUCLEI_VSIX || packageVsix();
  checkPackage(vsix);
  step('jest: test/e2e');
  const jest = require.resolve('jest/bin/jest', { paths: [root] });
  const r = spawnSync(process.execPath, [jest, '-c', path.join(root, 'jest.config.js'), '--runInBand', path.join(root, 'test/e2e'), ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NUCLEI_E2E: '1', NUCLEI_VSIX: vsix },
  });
  step(`done: ${r.status === 0 ? 'passed' : 'FAILED'}`);
  return r.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    step(`FAILED: ${e.message}`);
    process.exit(1);
  },
);
