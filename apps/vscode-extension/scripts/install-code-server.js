// Installs code-server (a real VS Code served to a browser) for the end-to-end test, OUTSIDE the
// workspace, once: into $NUCLEI_CODE_SERVER_DIR, else $NUCLEI_E2E_CACHE/code-server, else
// ~/.cache/nuclei-e2e/code-server. Workarounds measured on this kind of machine (root, only the npm
// registry and Debian reachable), see /work/shared/notes/vscode-e2e.md:
//  - Debian packages: libkrb5-dev (kerberos builds from source), g++/make/python3 (node-gyp builds
//    of kerberos, node-pty, argon2), ripgrep (see below), chromium (the browser the test drives).
//    Missing ones are installed with apt-get when running as root, else named in the error.
//  - npm_config_unsafe_perm (code-server's postinstall refuses root otherwise), npm_config_yes
//    (node-pty runs `npx node-gyp`), npm_config_nodedir = this Node's own headers when present
//    (node-gyp would download them from nodejs.org otherwise).
//  - Debian's rg packed as the .tar.gz @vscode/ripgrep looks for in its download cache (its own
//    download from GitHub would fail).
// A marker file is written only after a complete install; a half install is started over.
//   node scripts/install-code-server.js   -> progress on stderr, the code-server path on stdout
const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const VERSION = process.env.NUCLEI_CODE_SERVER_VERSION || '4.100.3';
const RIPGREP = { pkg: process.env.NUCLEI_VSCODE_RIPGREP || '1.15.11', asset: 'v13.0.0-10' };
const cacheRoot = process.env.NUCLEI_E2E_CACHE || path.join(os.homedir(), '.cache', 'nuclei-e2e');
const dir = path.resolve(process.env.NUCLEI_CODE_SERVER_DIR || path.join(cacheRoot, 'code-server'));
const bin = path.join(dir, 'node_modules', '.bin', 'code-server');
const marker = path.join(dir, '.nuclei-installed');

/** Debian packages the install and the test need: [package, file that shows it is there]. */
const DEBS = [
  ['libkrb5-dev', '/usr/include/gssapi/gssapi.h'],
  ['ripgrep', '/usr/bin/rg'],
  ['g++', '/usr/bin/g++'],
  ['make', '/usr/bin/make'],
  ['python3', '/usr/bin/python3'],
  ['chromium', '/usr/lib/chromium/chromium'],
];

const t0 = Date.now();
function say(msg) {
  process.stderr.write(`[code-server setup ${Math.round((Date.now() - t0) / 1000)}s] ${msg}\n`);
}

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', process.stderr, 'inherit'], ...opts });
}

function missingDebs(names = DEBS) {
  return names.filter(([, file]) => !fs.existsSync(file)).map(([name]) => name);
}

/** Installs the missing Debian packages (as root), or throws naming them. */
function ensureDebs(names = DEBS) {
  const missing = missingDebs(names);
  if (missing.length === 0) return;
  const cmd = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (!process.getuid || process.getuid() !== 0) throw new Error(`the e2e test needs Debian packages ${missing.join(' ')}: ${cmd}`);
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  sh('apt-get', ['update', '-qq'], { env });
  sh('apt-get', ['install', '-y', '-qq', ...missing], { env });
  const still = missingDebs(names);
  if (still.length) throw new Error(`Debian packages still missing after apt-get: ${still.join(' ')}`);
}

/** Debian's rg, packed as the download @vscode/ripgrep would make, in its cache under `tmp`. */
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
  say(`ripgrep: Debian's rg packed as ${tarball}`);
}

function installed() {
  try {
    return fs.readFileSync(marker, 'utf8').trim() === VERSION && fs.existsSync(bin);
  } catch {
    return false;
  }
}

/** Node's headers next to this node (Debian/NodeSource put them in /usr/include/node). */
function nodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

/** The install itself (async, so that it can say it is still going). Resolves to the executable. */
async function install() {
  if (installed()) return bin;
  say(`installing code-server@${VERSION} into ${dir} (about 1.5-3 min from scratch)`);
  ensureDebs();
  const tmp = path.join(path.dirname(dir), 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  ripgrepCache(tmp);
  // A half install (no marker) is started over.
  fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, allowScripts: { 'code-server': true, argon2: true } }, null, 2) + '\n');
  const headers = nodeDir();
  const env = {
    ...process.env,
    TMPDIR: tmp,
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    npm_config_workspaces: 'false',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...(headers ? { npm_config_nodedir: headers } : {}),
  };
  say(
    `npm install code-server@${VERSION}${headers ? ` (node headers from ${headers}/include/node)` : ''}; its postinstall builds native modules and installs VS Code's own dependencies (npm's warning about "unsafe-perm" is expected: the postinstall checks it)`,
  );
  const started = Date.now();
  await new Promise((resolve, reject) => {
    const child = spawn('npm', ['install', '--no-save', '--no-package-lock', '--loglevel=warn', `code-server@${VERSION}`], {
      cwd: dir,
      env,
      stdio: ['ignore', process.stderr, 'inherit'],
    });
    const beat = setInterval(() => say(`npm install still running (${Math.round((Date.now() - started) / 1000)} s)`), 20_000);
    child.on('error', (e) => {
      clearInterval(beat);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearInterval(beat);
      if (code === 0) resolve(undefined);
      else reject(new Error(`npm install code-server@${VERSION} failed (${signal ?? `exit ${code}`}) in ${dir}`));
    });
  });
  if (!fs.existsSync(bin)) throw new Error(`code-server@${VERSION} did not install into ${dir} (no ${bin})`);
  const out = execFileSync(bin, ['--version'], { env: { ...process.env, HOME: tmp } }).toString();
  const version = (/^(\d+\.\d+\.\d+) /m.exec(out) || [])[1];
  if (version !== VERSION) throw new Error(`code-server in ${dir} says version ${version}, wanted ${VERSION}`);
  fs.writeFileSync(marker, VERSION + '\n');
  say(`code-server ${version} installed in ${Math.round((Date.now() - started) / 1000)} s: ${bin}`);
  return bin;
}

/** Synchronous form for the test's setup: installs in a child process (with its progress) if needed. */
function ensureCodeServer() {
  if (installed()) return bin;
  execFileSync(process.execPath, [__filename], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!installed()) throw new Error(`code-server@${VERSION} is not installed in ${dir}`);
  return bin;
}

module.exports = { ensureCodeServer, install, ensureDebs, missingDebs, codeServerDir: dir, codeServerBin: bin };

if (require.main === module) {
  install().then(
    (b) => console.log(b),
    (e) => {
      say(`FAILED: ${e.message}`);
      process.exit(1);
    },
  );
}
