// `npm run e2e -w nuclei-vscode`: packages the extension once, then runs the opt-in end-to-end
// tests (packaged extension in a Node host, and in a real VS Code via code-server) in one jest process.
const { spawnSync } = require('child_process');
const path = require('path');
const root = path.resolve(__dirname, '..');
const { packageVsix, checkPackage } = require('./package.js');
const vsix = process.env.NUCLEI_VSIX || packageVsix();
checkPackage(vsix);
const jest = require.resolve('jest/bin/jest', { paths: [root] });
const r = spawnSync(process.execPath, [jest, '-c', path.join(root, 'jest.config.js'), '--runInBand', path.join(root, 'test/e2e'), ...process.argv.slice(2)], {
  cwd: root, stdio: 'inherit', env: { ...process.env, NUCLEI_E2E: '1', NUCLEI_VSIX: vsix },
});
process.exit(r.status ?? 1);
