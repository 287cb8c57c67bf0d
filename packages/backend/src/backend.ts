import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm';

export type BackendPreference = 'auto' | 'gpu' | 'node' | 'wasm' | 'cpu';
export type BackendCandidate = Exclude<BackendPreference, 'auto'>;
/** What `tf.getBackend()` says, except that tfjs-node-gpu (which also registers 'tensorflow') is 'tensorflow-gpu'. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendAttempt {
  name: BackendCandidate;
  ok: boolean;
  reason?: string;
}

export interface BackendSelection {
  backend: BackendName;
  preference: BackendPreference;
  attempts: BackendAttempt[];
  /** Kernels added by `registerWasmTrainingKernels()` when wasm was selected. */
  wasmTrainingKernels?: string[];
  /** One line for the CLI / extension, e.g. "backend: wasm (skipped gpu: ...; skipped node: ...)". */
  describe(): string;
}

export interface SelectBackendOptions {
  /** Folder holding the tfjs-backend-wasm `.wasm` files; default: `defaultWasmDir()`. */
  wasmDir?: string;
  /** Loads an optional module by name; tests inject failures or fakes here. Defaults to Node's require. */
  requireModule?: (name: string) => unknown;
}

const AUTO_ORDER: BackendCandidate[] = ['gpu', 'node', 'wasm', 'cpu'];
const NODE_MODULES: Record<'gpu' | 'node', string> = {
  gpu: '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

// The name sits in a variable so bundlers (esbuild) leave these optional native modules external:
// they are absent on machines where their libtensorflow download failed.
const nodeRequire = (name: string): unknown => require(name);

/**
 * Pick and initialise a TF.js backend. 'auto' tries tfjs-node-gpu, tfjs-node, wasm, then cpu and
 * records why each earlier one was skipped; an explicit preference that fails throws with the reason.
 */
export async function selectBackend(preference: BackendPreference = 'auto', options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const candidates = preference === 'auto' ? AUTO_ORDER : [preference];
  if (!candidates.every((c) => AUTO_ORDER.includes(c))) {
    throw new Error(`Unknown backend '${preference}' (expected auto, gpu, node, wasm or cpu)`);
  }
  const attempts: BackendAttempt[] = [];
  for (const name of candidates) {
    const result = await tryBackend(name, options);
    attempts.push(result.ok ? { name, ok: true } : { name, ok: false, reason: result.reason });
    if (result.ok) {
      const selection: BackendSelection = {
        backend: name === 'gpu' ? 'tensorflow-gpu' : (tf.getBackend() as BackendName),
        preference,
        attempts,
        describe: () => describeSelection(selection),
      };
      if (result.wasmTrainingKernels) selection.wasmTrainingKernels = result.wasmTrainingKernels;
      return selection;
    }
  }
  const why = attempts.map((a) => `${a.name}: ${a.reason}`).join('; ');
  throw new Error(preference === 'auto' ? `No TF.js backend could be initialised (${why})` : `Backend '${preference}' is not available: ${why}`);
}

function describeSelection(s: BackendSelection): string {
  const skipped = s.attempts.filter((a) => !a.ok).map((a) => `skipped ${a.name}: ${a.reason}`);
  return `backend: ${s.backend}` + (skipped.length ? ` (${skipped.join('; ')})` : '');
}

type TryResult = { ok: true; wasmTrainingKernels?: string[] } | { ok: false; reason: string };

async function tryBackend(name: BackendCandidate, options: SelectBackendOptions): Promise<TryResult> {
  try {
    switch (name) {
      case 'gpu':
      case 'node':
        return await tryTensorflow(NODE_MODULES[name], options.requireModule ?? nodeRequire);
      case 'wasm':
        return await tryWasm(options.wasmDir);
      case 'cpu':
        return (await tf.setBackend('cpu')) ? { ok: true } : { ok: false, reason: 'cpu backend failed to initialise' };
    }
  } catch (e) {
    return { ok: false, reason: firstLine(e) };
  }
}

async function tryTensorflow(moduleName: string, load: (name: string) => unknown): Promise<TryResult> {
  try {
    load(moduleName);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'MODULE_NOT_FOUND' && String(err.message).includes(moduleName)) {
      return { ok: false, reason: `${moduleName} not installed` };
    }
    // Installed but its native binding (libtensorflow, CUDA) failed to load.
    return { ok: false, reason: `${moduleName} failed to load: ${firstLine(e)}` };
  }
  if (!tf.findBackendFactory('tensorflow')) {
    return { ok: false, reason: `${moduleName} loaded but registered no 'tensorflow' backend (a second copy of @tensorflow/tfjs?)` };
  }
  if (!(await tf.setBackend('tensorflow'))) return { ok: false, reason: `${moduleName}: 'tensorflow' backend failed to initialise` };
  await tf.ready();
  return { ok: true };
}

const WASM_BINARIES = ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm'];

/**
 * Where the `.wasm` binaries are, so no caller has to pass the folder along: a `wasm/` folder
 * beside this code when it holds them (a bundle that ships them, like the VS Code extension's
 * dist/wasm, for its main thread and its training threads alike), else
 * @tensorflow/tfjs-backend-wasm's own dist/ folder, resolved at run time.
 */
export function defaultWasmDir(beside = path.join(__dirname, 'wasm')): string {
  if (WASM_BINARIES.some((b) => fs.existsSync(path.join(beside, b)))) return beside;
  // `main` is dist/tf-backend-wasm.node.js, so its folder is dist/. The name is in a variable so
  // bundlers leave the resolution to run time (the JS is bundled, the .wasm files are not).
  const pkg = '@tensorflow/tfjs-backend-wasm';
  return path.dirname(require.resolve(pkg));
}

async function tryWasm(wasmDir?: string): Promise<TryResult> {
  const e = tf.engine();
  if (!e.registry['wasm']) {
    // Paths can only be set before the wasm backend is first initialised.
    let dir: string;
    try {
      dir = wasmDir ?? defaultWasmDir();
    } catch (err) {
      return { ok: false, reason: `cannot locate @tensorflow/tfjs-backend-wasm: ${firstLine(err)}` };
    }
    if (!WASM_BINARIES.some((b) => fs.existsSync(path.join(dir, b)))) {
      return { ok: false, reason: `no ${WASM_BINARIES.join(' or ')} in ${dir}` };
    }
    // Node has no wasm threads (no SharedArrayBuffer workers here): single-threaded SIMD.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths(dir.endsWith(path.sep) || dir.endsWith('/') ? dir : dir + path.sep);
  }
  if (!tf.findBackendFactory('wasm')) return { ok: false, reason: 'wasm backend is not registered' };
  if (!(await tf.setBackend('wasm'))) return { ok: false, reason: 'wasm backend failed to initialise' };
  await tf.ready();
  return { ok: true, wasmTrainingKernels: registerWasmTrainingKernels() };
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

/**
 * Importing tfjs-backend-wasm (the wasm training kernels do) registers 'wasm' with priority 2,
 * above cpu; in Node every op run before `await tf.ready()` then throws "The highest priority
 * backend 'wasm' has not yet been initialized". Importing @nuclei/backend must not change the
 * default backend, so wasm is re-registered below cpu and only used when selectBackend picks it.
 */
function demoteWasm(): void {
  const e = tf.engine();
  const factory = e.registryFactory['wasm'];
  if (factory && factory.priority > 0 && !e.registry['wasm'] && e.backendName !== 'wasm') {
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory.factory, 0);
  }
}
demoteWasm();
