import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildUNet } from '@nuclei/model';
import { blobSamples } from '../test-utils/samples';
import { useCpu } from '../test-utils/backend';
import { train } from '../train';
import type { BatchLogs, TrainingCallback } from '../types';
import { ParallelTrainer, splitBatch } from './pool';
import { buildTestWorker } from './test-utils/build-worker';

// Worker threads start their own tfjs (cpu here, like the main thread): allow for a slow shared machine.
jest.setTimeout(120000);

let worker: { script: string; remove: () => void };
beforeAll(async () => {
  await useCpu();
  worker = buildTestWorker();
});
afterAll(() => worker?.remove());
afterEach(() => jest.restoreAllMocks());

const SIZE = 32;
const tinyUNet = (dropout: boolean) =>
  buildUNet({ inputSize: SIZE, depth: 3, baseFilters: 4, learningRate: 0.01, ...(dropout ? {} : { encoderDropout: [0, 0, 0], decoderDropout: [0, 0] }) });

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
    const model = tinyUNet(true);
    const tensors: number[] = [];
    const batchLogs: BatchLogs[] = [];
    const cb: TrainingCallback = {
      onBatchEnd: (l) => void batchLogs.push(l),
      onEpochEnd: () => void tensors.push(tf.memory().numTensors),
    };
    const result = await train(model, { train: blobSamples(10, SIZE, 1), val: blobSamples(2, SIZE, 2) }, {
      epochs: 4, batchSize: 4, workers: 2, workerScript: worker.script, callbacks: [cb],
    });
    model.dispose();
    expect(result.stopReason).toBe('completed');
    const losses = result.history.map((h) => h.loss);
    expect(losses[3]).toBeLessThan(losses[0]);
    // 10 samples in batches of 4: 4, 4, 2; every batch has loss, acc and iou.
    expect(batchLogs.slice(0, 3).map((l) => [l.batch, l.batches, l.size])).toEqual([[0, 3, 4], [1, 3, 4], [2, 3, 2]]);
    for (const l of batchLogs) for (const k of ['loss', 'acc', 'iou']) expect(Number.isFinite(l[k])).toBe(true);
    expect(typeof result.history[3].val_loss).toBe('number');
    // Adam creates its moments on the first step, so compare from epoch 1 on.
    expect(tensors[1]).toBe(tensors[0]);
    expect(tensors[3]).toBe(tensors[1]);
  });

  it('takes the same step as the single-thread loop when there is no dropout', async () => {
    const samples = blobSamples(6, SIZE, 3);
    const single = tinyUNet(false);
    const parallel = tinyUNet(false);
    parallel.setWeights(single.getWeights());
    const logs: Record<string, BatchLogs[]> = { single: [], parallel: [] };
    const opts = { epochs: 1, batchSize: 6, shuffle: false };
    await train(single, { train: samples, val: [] }, { ...opts, callbacks: [{ onBatchEnd: (l) => void logs.single.push(l) }] });
    await train(parallel, { train: samples, val: [] }, {
      ...opts, workers: 3, workerScript: worker.script, callbacks: [{ onBatchEnd: (l) => void logs.parallel.push(l) }],
    });
    const a = single.getWeights();
    const b = parallel.getWeights();
    const before = tinyUNet(false); // not needed for weights: just checks the step moved them
    before.dispose();
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) {
      const va = a[i].dataSync();
      const vb = b[i].dataSync();
      let scale = 0;
      let diff = 0;
      for (let j = 0; j < va.length; j++) {
        scale = Math.max(scale, Math.abs(va[j]));
        diff = Math.max(diff, Math.abs(va[j] - vb[j]));
      }
      expect(diff).toBeLessThanOrEqual(1e-4 * scale);
    }
    for (const k of ['loss', 'acc', 'iou']) expect(logs.parallel[0][k]).toBeCloseTo(logs.single[0][k]!, 5);
    single.dispose();
    parallel.dispose();
  });

  it('stops on abort between batches and terminates its workers', async () => {
    const start = jest.spyOn(ParallelTrainer, 'start');
    const abort = new AbortController();
    const batches: number[] = [];
    const model = tinyUNet(true);
    const result = await train(model, blobSamples(12, SIZE, 4), {
      epochs: 3, batchSize: 4, validationSplit: 0, workers: 2, workerScript: worker.script, signal: abort.signal,
      callbacks: [{ onBatchEnd: (l) => { batches.push(l.batch); abort.abort(); } }],
    });
    model.dispose();
    expect(result.stopReason).toBe('aborted');
    expect(batches).toEqual([0]);
    const trainer = await start.mock.results[0].value as ParallelTrainer;
    // threadId becomes -1 once a worker has exited.
    for (const t of trainer.threads) expect(t.threadId).toBe(-1);
  });

  it('fails with a clear message when the worker script does not start a training worker, and cleans up', async () => {
    const dir = fs.mkdtempSync(path.join(path.dirname(worker.script), 'plain-'));
    const script = path.join(dir, 'plain.js');
    fs.writeFileSync(script, '// not a training worker\n');
    const start = jest.spyOn(ParallelTrainer, 'start');
    const model = tinyUNet(true);
    const before = tf.memory().numTensors;
    await expect(train(model, blobSamples(4, SIZE, 5), { epochs: 1, batchSize: 4, validationSplit: 0, workers: 2, workerScript: script }))
      .rejects.toThrow(/runTrainingWorker\(\)/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    await expect(start.mock.results[0].value).rejects.toThrow();
  });

  it('rejects a bad workers count', async () => {
    const model = tinyUNet(true);
    await expect(train(model, blobSamples(4, SIZE, 6), { epochs: 1, workers: 0 })).rejects.toThrow(/workers/);
    model.dispose();
  });
});
