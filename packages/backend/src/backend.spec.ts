import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { defaultWasmDir, selectBackend } from './backend';

// A loader on which tfjs-node[-gpu] are absent, whatever this machine has installed (they install
// wherever libtensorflow can be downloaded).
const absent = (name: string): never => {
  throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
};

// Order matters: the wasm backend's paths can only be set before it first initialises.
describe('selectBackend', () => {
  it('importing the package leaves cpu as the default (wasm is demoted below it)', () => {
    // Without the demotion this throws "The highest priority backend 'wasm' has not yet been initialized".
    const t = tf.tensor([1, 2]);
    expect(tf.getBackend()).toBe('cpu');
    t.dispose();
  });

  it('selects cpu explicitly', async () => {
    const s = await selectBackend('cpu');
    expect(s.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(s.attempts).toEqual([{ name: 'cpu', ok: true }]);
    expect(s.describe()).toBe('backend: cpu');
  });

  it.each([
    ['gpu', '@tensorflow/tfjs-node-gpu'],
    ['node', '@tensorflow/tfjs-node'],
  ] as const)('explicit %s throws a clear error when %s is absent', async (pref, mod) => {
    await expect(selectBackend(pref, { requireModule: absent })).rejects.toThrow(`Backend '${pref}' is not available: ${pref}: ${mod} not installed`);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('reports a module that is installed but fails to load (e.g. missing libtensorflow)', async () => {
    const requireModule = () => {
      throw new Error('libtensorflow.so.2: cannot open shared object file\nstack...');
    };
    await expect(selectBackend('node', { requireModule })).rejects.toThrow(
      "Backend 'node' is not available: node: @tensorflow/tfjs-node failed to load: libtensorflow.so.2: cannot open shared object file",
    );
  });

  it('explicit wasm with a folder lacking the binaries names the folder', async () => {
    await expect(selectBackend('wasm', { wasmDir: '/no/such/dir' })).rejects.toThrow(
      /Backend 'wasm' is not available: wasm: no tfjs-backend-wasm-simd.wasm or tfjs-backend-wasm.wasm in \/no\/such\/dir/,
    );
  });

  it('resolves the wasm binaries folder from the installed package', () => {
    expect(path.basename(defaultWasmDir())).toBe('dist');
  });

  it('prefers a wasm/ folder with the binaries beside the code (a bundle that ships them)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-wasm-'));
    try {
      expect(defaultWasmDir(dir)).not.toBe(dir); // empty: not it
      fs.writeFileSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'), '');
      expect(defaultWasmDir(dir)).toBe(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('selects wasm explicitly, registers the training kernels and computes', async () => {
    const s = await selectBackend('wasm');
    expect(s.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(Array.isArray(s.wasmTrainingKernels)).toBe(true);
    const sum = tf.tidy(() => tf.sum(tf.tensor([1, 2, 3])).dataSync()[0]);
    expect(sum).toBe(6);
  });

  it('auto skips the absent tfjs-node packages and lands on wasm, listing why', async () => {
    await selectBackend('cpu');
    const s = await selectBackend('auto', { requireModule: absent });
    expect(s.preference).toBe('auto');
    expect(s.backend).toBe('wasm');
    expect(s.attempts).toEqual([
      { name: 'gpu', ok: false, reason: '@tensorflow/tfjs-node-gpu not installed' },
      { name: 'node', ok: false, reason: '@tensorflow/tfjs-node not installed' },
      { name: 'wasm', ok: true },
    ]);
    expect(s.describe()).toBe('backend: wasm (skipped gpu: @tensorflow/tfjs-node-gpu not installed; skipped node: @tensorflow/tfjs-node not installed)');
  });

  it('auto uses tensorflow when tfjs-node registers it', async () => {
    // Fake tfjs-node: registers a 'tensorflow' backend (a cpu backend under another name).
    const cpu = tf.findBackend('cpu') as tf.KernelBackend;
    const requireModule = (name: string) => {
      if (name !== '@tensorflow/tfjs-node') absent(name);
      if (!tf.findBackendFactory('tensorflow')) tf.registerBackend('tensorflow', () => new (cpu.constructor as new () => tf.KernelBackend)());
    };
    try {
      const s = await selectBackend('auto', { requireModule });
      expect(s.backend).toBe('tensorflow');
      expect(s.describe()).toBe('backend: tensorflow (skipped gpu: @tensorflow/tfjs-node-gpu not installed)');
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('tensorflow');
    }
  });

  it('rejects an unknown preference', async () => {
    await expect(selectBackend('tpu' as never)).rejects.toThrow(/Unknown backend 'tpu'/);
  });
});
