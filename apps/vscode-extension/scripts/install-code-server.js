// Installs code-server (a real VS Code served to a browser) for the end-to-end test, OUTSIDE the
// workspace: into ~/.cache/nuclei-e2e/code-server (or $NUCLEI_CODE_SERVER_DIR), once.
// Workarounds measured on this kind of machine (root, only the npm registry and Debian reachable):
// unsafe-perm (postinstall refuses root otherwise), libkrb5-dev (kerberos builds from source),
// npm_config_yes (node-pty runs `npx node-gyp`), and Debian's ripgrep placed where @vscode/ripgrep
// looks for a cached download (its own download would fail).
//   node scripts/install-code-server.js   -> prints the path of the code-server executable
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const VERSION = process.env.NUCLEI_CODE_SERVER_VERSION || '4.100.3';
const RIPGREP = { pkg: process.env.NUCLEI_VSCODE_RIPGREP || '1.15.11', asset: 'v13.0.0-10' };
const dir = process.env.NUCLEI_CODE_SERVER_DIR || path.join(os.homedir(), '.cache', 'nuclei-e2e', 'code-server');
const bin = path.join(dir, 'node_modules', '.bin', 'code-server');

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
}

function haveDeb(name) {
  try { return execFileSync('dpkg-query', ['-W', '-f=${Status}', name]).toString().includes('install ok installed'); } catch { return false; }
}

function ensureDebs(names) {
  const missing = names.filter((n) => !haveDeb(n));
  if (missing.length === 0) return;
  if (process.getuid && process.getuid() !== 0) throw new Error(`code-server needs Debian packages ${missing.join(' ')}: apt-get install -y ${missing.join(' ')}`);
  sh('apt-get', ['update', '-qq']);
  sh('apt-get', ['install', '-y', '-qq', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function ripgrepCache(tmp) {
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch] || process.arch;
  const cache = path.join(tmp, `vscode-ripgrep-cache-${RIPGREP.pkg}`);
  const tarball = path.join(cache, `ripgrep-${RIPGREP.asset}-${arch}-unknown-linux-musl.tar.gz`);
  if (fs.existsSync(tarball)) return;
  fs.mkdirSync(cache, { recursive: true });
  const stage = fs.mkdtempSync(path.join(tmp, 'rg-'));
  fs.copyFileSync('/usr/bin/rg', path.join(stage, 'rg'));
  fs.chmodSync(path.join(stage, 'rg'), 0o755);
  sh('tar', ['czf', tarball, '-C', stage, 'rg']);
  fs.rmSync(stage, { recursive: true, force: true });
}

function installed() {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'code-server', 'package.json'), 'utf8'));
    return pkg.version === VERSION && fs.existsSync(bin);
  } catch { return false; }
}

function ensureCodeServer() {
  if (installed()) return bin;
  ensureDebs(['libkrb5-dev', 'ripgrep']);
  const tmp = path.join(path.dirname(dir), 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  ripgrepCache(tmp);
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json'))) fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, allowScripts: { 'code-server': true, argon2: true } }, null, 2) + '\n');
  const started = Date.now();
  console.error(`installing code-server@${VERSION} into ${dir} (about 1.5 min)`);
  sh('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--no-package-lock', `code-server@${VERSION}`], {
    cwd: dir,
    env: { ...process.env, TMPDIR: tmp, npm_config_unsafe_perm: 'true', npm_config_yes: 'true', npm_config_workspaces: 'false' },
  });
  if (!installed()) throw new Error(`code-server@${VERSION} did not install into ${dir}`);
  console.error(`code-server installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return bin;
}

module.exports = { ensureCodeServer, codeServerDir: dir };

if (require.main === module) console.log(ensureCodeServer());
