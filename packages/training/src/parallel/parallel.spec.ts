import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';
import { buildUNet, iou } from '@nuclei/model';
import { selectBackend } from '@nuclei/backend';
import { blobSamples } from '../test-utils/samples';
import { train } from '../train';
import type { BatchLogs, TrainingCallback } from '../types';
import { shareGradients } from './gradients';
import { ParallelTrainer, splitBatch } from './pool';
import type { StepMessage } from './protocol';
import { buildTestWorker } from './test-utils/build-worker';

// Worker threads start their own tfjs and wasm backend: allow for a slow shared machine.
jest.setTimeout(120000);

let worker: { script: string; remove: () => void };
beforeAll(async () => {
  // The path the CLI takes: wasm with the training kernels, in the main thread and (by default) the workers.
  // (The cpu backend also works but a U-Net step there takes seconds.)
  // PROD, not IS_TEST, quiets tfjs: IS_TEST's per-kernel leak check misfires on wasm's fused conv gradients.
  tf.env().set('PROD', true);
  await selectBackend('wasm');
  worker = buildTestWorker();
});
afterAll(() => worker?.remove());
afterEach(() => jest.restoreAllMocks());

const SIZE = 32;
const tinyUNet = (dropout: boolean, learningRate = 0.01) =>
  // Seeded initial weights, so 'the loss falls' tests cannot fail by an unlucky start.
  buildUNet(
    { inputSize: SIZE, depth: 3, baseFilters: 4, learningRate, ...(dropout ? {} : { encoderDropout: [0, 0, 0], decoderDropout: [0, 0] }) },
    { seed: 1 },
  );

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

describe('splitBatch', () => {
  it('splits evenly and gives the remainder to the workers', () => {
    expect(splitBatch(16, 2)).toEqual([8, 8]);
    expect(splitBatch(5, 2)).toEqual([2, 3]);
    expect(splitBatch(7, 3)).toEqual([2, 3, 2]);
    expect(splitBatch(1, 2)).toEqual([0, 1]);
  });
});

describe('train with workers', () => {
  it('lowers the loss, reports batch metrics and keeps main-thread tensors constant between epochs', async () => {
    // No dropout and a moderate rate, so the loss falls steadily on these few blobs (with dropout and
    // lr 0.01 a 4-epoch run sometimes ended above where it started).
    const model = tinyUNet(false, 0.003);
    const tensors: number[] = [];
    const batchLogs: BatchLogs[] = [];
    const cb: TrainingCallback = {
      onBatchEnd: (l) => void batchLogs.push(l),
      onEpochEnd: () => void tensors.push(tf.memory().numTensors),
    };
    const result = await train(
      model,
      { train: blobSamples(10, SIZE, 1), val: blobSamples(2, SIZE, 2) },
      {
        epochs: 6,
        batchSize: 4,
        workers: 2,
        workerScript: worker.script,
        callbacks: [cb],
      },
    );
    model.dispose();
    expect(result.stopReason).toBe('completed');
    const losses = result.history.map((h) => h.loss);
    expect(Math.min(losses[4], losses[5])).toBeLessThan(0.95 * losses[0]);
    // 10 samples in batches of 4: 4, 4, 2; every batch has loss, acc and iou.
    expect(batchLogs.slice(0, 3).map((l) => [l.batch, l.batches, l.size])).toEqual([
      [0, 3, 4],
      [1, 3, 4],
      [2, 3, 2],
    ]);
    for (const l of batchLogs) for (const k of ['loss', 'acc', 'iou']) expect(Number.isFinite(l[k])).toBe(true);
    expect(typeof result.history[5].val_loss).toBe('number');
    // Adam creates its moments on the first step, so compare from epoch 1 on.
    expect(tensors[1]).toBe(tensors[0]);
    expect(tensors[5]).toBe(tensors[1]);
  });

  it('takes the same step as the single-thread loop when there is no dropout', async () => {
    const samples = blobSamples(5, SIZE, 3);
    // Plain SGD: its step is linear in the gradient. Adam's first step is ~lr * sign(g), so a gradient
    // entry near zero (a sum of cancelling per-image terms, whose float rounding depends on how the
    // batch is split) can flip sign and move ~2 lr apart: with Adam this test failed now and then.
    const sgd = (m: tf.LayersModel) => {
      m.compile({ optimizer: tf.train.sgd(0.5), loss: 'binaryCrossentropy', metrics: ['accuracy', iou] });
      return m;
    };
    const single = sgd(tinyUNet(false));
    const parallel = sgd(tinyUNet(false));
    const initial = single.getWeights().map((w) => w.dataSync().slice());
    parallel.setWeights(single.getWeights());
    const logs: Record<string, BatchLogs[]> = { single: [], parallel: [] };
    // One batch of 5: shares 2 (main) and 3 (worker), so a wrong weighting would show.
    const opts = { epochs: 1, batchSize: 5, shuffle: false };
    await train(single, { train: samples, val: [] }, { ...opts, callbacks: [{ onBatchEnd: (l) => void logs.single.push(l) }] });
    await train(
      parallel,
      { train: samples, val: [] },
      {
        ...opts,
        workers: 2,
        workerScript: worker.script,
        callbacks: [{ onBatchEnd: (l) => void logs.parallel.push(l) }],
      },
    );
    const a = single.getWeights().map((w) => w.dataSync());
    const b = parallel.getWeights().map((w) => w.dataSync());
    expect(b.length).toBe(a.length);
    let moved = 0;
    a.forEach((va, i) => {
      // Float32 sums over all pixels differ with how the batch is split (up to ~4e-4 of a gradient,
      // see the next test); a wrong weighting of the shares would be off by ~10%.
      expect(maxDiff(va, b[i])).toBeLessThanOrEqual(2e-3 * maxAbs(va));
      moved = Math.max(moved, maxDiff(va, initial[i]) / maxAbs(va));
    });
    expect(moved).toBeGreaterThan(1e-3); // the step did change the weights
    for (const k of ['loss', 'acc', 'iou']) expect(logs.parallel[0][k]).toBeCloseTo(logs.single[0][k]!, 5);
    single.dispose();
    parallel.dispose();
  });

  it("averages the replicas' gradients into the full-batch gradient (weighted by share)", async () => {
    const model = tinyUNet(false);
    const reference = tinyUNet(false);
    reference.setWeights(model.getWeights());
    const samples = blobSamples(7, SIZE, 7); // shares 2, 3, 2
    const x = tf.tensor4d(Float32Array.from(samples.flatMap((s) => [...s.image])), [7, SIZE, SIZE, 3]);
    const y = tf.tensor4d(Float32Array.from(samples.flatMap((s) => [...s.mask])), [7, SIZE, SIZE, 1]);
    let applied: Float32Array[] = [];
    jest.spyOn(model.optimizer, 'applyGradients').mockImplementation((g) => {
      applied = (g as { tensor: tf.Tensor }[]).map(({ tensor }) => (tensor.dataSync() as Float32Array).slice());
    });
    const trainer = await ParallelTrainer.start(model, { workers: 3, workerScript: worker.script });
    try {
      const values = await trainer.trainOnBatch(x, y);
      expect(applied.length).toBe(model.trainableWeights.length);
      // (1) Exactly what the three shares give when computed here and weighted 2/7, 3/7, 2/7.
      const parts = [
        [0, 2],
        [2, 3],
        [5, 2],
      ].map(([at, k]) => {
        const xs = x.slice(at, k);
        const ys = y.slice(at, k);
        const r = shareGradients(reference, xs, ys);
        tf.dispose([xs, ys]);
        return { k, ...r };
      });
      const split = tf.tidy(() =>
        applied.map((_, i) =>
          parts
            .map((p) => tf.mul(p.grads[i], p.k / 7))
            .reduce((a, b) => tf.add(a, b))
            .dataSync(),
        ),
      );
      split.forEach((want, i) => expect(maxDiff(applied[i], want)).toBeLessThanOrEqual(1e-6 * maxAbs(want)));
      // (2) The full-batch gradient, up to float32 rounding: the filter gradients sum over all pixels of the
      // share, so splitting changes the summation order, and entries that are sums of cancelling terms
      // differ by up to ~4e-4 of the tensor's largest entry here. A wrong weighting would be off by ~10%.
      const full = shareGradients(reference, x, y);
      full.grads.forEach((g, i) => {
        const want = g.dataSync();
        if (process.env.DEBUG_PAR) console.log(i, g.shape.join('x'), (maxDiff(applied[i], want) / maxAbs(want)).toExponential(2));
        expect(maxDiff(applied[i], want)).toBeLessThanOrEqual(2e-3 * maxAbs(want) + 1e-9);
      });
      expect(maxAbs(applied[0])).toBeGreaterThan(0);
      values.forEach((v, i) => expect(v).toBeCloseTo(full.values[i], 5));
      for (const p of parts) tf.dispose(p.grads);
      tf.dispose(full.grads);
    } finally {
      await trainer.close();
      tf.dispose([x, y]);
      model.dispose();
      reference.dispose();
    }
  });

  it('stops on abort between batches and terminates its workers', async () => {
    const start = jest.spyOn(ParallelTrainer, 'start');
    const abort = new AbortController();
    const batches: number[] = [];
    // No dropout and a moderate rate, so the loss falls steadily on these few blobs (with dropout and
    // lr 0.01 a 4-epoch run sometimes ended above where it started).
    const model = tinyUNet(false, 0.003);
    const result = await train(model, blobSamples(12, SIZE, 4), {
      epochs: 3,
      batchSize: 4,
      validationSplit: 0,
      workers: 2,
      workerScript: worker.script,
      signal: abort.signal,
      callbacks: [
        {
          onBatchEnd: (l) => {
            batches.push(l.batch);
            abort.abort();
          },
        },
      ],
    });
    model.dispose();
    expect(result.stopReason).toBe('aborted');
    expect(batches).toEqual([0]);
    const trainer = (await start.mock.results[0].value) as ParallelTrainer;
    // threadId becomes -1 once a worker has exited.
    for (const t of trainer.threads) expect(t.threadId).toBe(-1);
  });

  it('fails with a clear message when the worker script does not start a training worker, and cleans up', async () => {
    const dir = fs.mkdtempSync(path.join(path.dirname(worker.script), 'plain-'));
    const script = path.join(dir, 'plain.js');
    fs.writeFileSync(script, '// not a training worker\n');
    const start = jest.spyOn(ParallelTrainer, 'start');
    // No dropout and a moderate rate, so the loss falls steadily on these few blobs (with dropout and
    // lr 0.01 a 4-epoch run sometimes ended above where it started).
    const model = tinyUNet(false, 0.003);
    const before = tf.memory().numTensors;
    await expect(train(model, blobSamples(4, SIZE, 5), { epochs: 1, batchSize: 4, validationSplit: 0, workers: 2, workerScript: script })).rejects.toThrow(
      /runTrainingWorker\(\)/,
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    await expect(start.mock.results[0].value).rejects.toThrow();
  });

  it('fails the run when a worker fails mid-training, and terminates the workers', async () => {
    const start = jest.spyOn(ParallelTrainer, 'start');
    const post = Worker.prototype.postMessage;
    let steps = 0;
    jest.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, msg: StepMessage, transfer?: readonly Transferable[]) {
      // The second step's share arrives with a wrong shape: the worker's tf.tensor throws.
      if (msg.type === 'step' && ++steps === 2) msg = { ...msg, xShape: [msg.xShape[0] + 5, ...msg.xShape.slice(1)] };
      return post.call(this, msg, transfer as never);
    });
    const base = tf.memory().numTensors;
    // No dropout and a moderate rate, so the loss falls steadily on these few blobs (with dropout and
    // lr 0.01 a 4-epoch run sometimes ended above where it started).
    const model = tinyUNet(false, 0.003);
    await expect(
      train(model, blobSamples(12, SIZE, 8), { epochs: 2, batchSize: 4, validationSplit: 0, workers: 2, workerScript: worker.script }),
    ).rejects.toThrow(/Training worker failed/);
    model.dispose(); // with its Adam moments: nothing else may be left
    expect(tf.memory().numTensors).toBe(base);
    const trainer = (await start.mock.results[0].value) as ParallelTrainer;
    for (const t of trainer.threads) expect(t.threadId).toBe(-1);
  });

  it('rejects a bad workers count', async () => {
    // No dropout and a moderate rate, so the loss falls steadily on these few blobs (with dropout and
    // lr 0.01 a 4-epoch run sometimes ended above where it started).
    const model = tinyUNet(false, 0.003);
    await expect(train(model, blobSamples(4, SIZE, 6), { epochs: 1, workers: 0 })).rejects.toThrow(/workers/);
    model.dispose();
  });
});
