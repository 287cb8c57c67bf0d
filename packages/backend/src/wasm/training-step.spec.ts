// One training step of a small U-Net-like model (same layer kinds as the seed U-Net) on wasm.
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './index';
import { buildSeedUNet, seedUNetFlops } from './test-utils/seed-unet';
import { randomValues, setUpWasm } from './test-utils/setup-wasm';

let names: string[] = [];
beforeAll(async () => {
  names = await setUpWasm();
});

describe('registerWasmTrainingKernels', () => {
  it('registers the missing and the replaced kernels, idempotently', () => {
    expect(names).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'Conv2DBackpropInput']));
    expect(registerWasmTrainingKernels()).toEqual(names);
    for (const n of names) expect(tf.getKernel(n, 'wasm')).toBeDefined();
    // every kernel wasm lacked that cpu has and training needs is now there
    const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    expect(wasm.has('Conv2DBackpropFilter')).toBe(true);
  });
});

describe('training on wasm', () => {
  it('the seed U-Net has 1,941,105 parameters; FLOP count ~1.5 GFLOP/image', () => {
    const m = buildSeedUNet({ compile: false });
    expect(m.countParams()).toBe(1941105);
    m.dispose();
    expect(seedUNetFlops(128) / 1e9).toBeGreaterThan(1.3);
    expect(seedUNetFlops(128) / 1e9).toBeLessThan(1.7);
  });

  it('trainOnBatch runs, the loss is finite and decreases, no tensor leaks', async () => {
    const size = 16,
      n = 4;
    const model = buildSeedUNet({ size, filters: [4, 8, 8, 16, 16], learningRate: 1e-2 });
    const x = tf.tensor4d(
      randomValues(n * size * size * 3, 7).map((v) => (v + 1) * 127.5),
      [n, size, size, 3],
    );
    const y = tf.tidy(() => tf.mean(x, 3, true).greater(127.5).cast('float32'));
    // warm-up step so that optimizer slots exist before the memory check
    await model.trainOnBatch(x, y);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) losses.push((await model.trainOnBatch(x, y)) as number);
    expect(tf.memory().numTensors).toBe(before);
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    // and `fit` for one epoch of 2 batches
    const h = await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0] as number)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    y.dispose();
    model.dispose();
  });
});
