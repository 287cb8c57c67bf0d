import * as tf from '@tensorflow/tfjs';
import { blobSamples } from './test-utils/samples';
import { tinyModel } from './test-utils/tiny-model';
import { useCpu } from './test-utils/backend';
import { train } from './train';
import type { BatchLogs, EpochLogs, TrainingCallback } from './types';

beforeAll(useCpu);

const data = () => ({ train: blobSamples(12, 16, 1), val: blobSamples(4, 16, 2) });

describe('train', () => {
  it('lowers the loss over a few epochs and reports train and val metrics', async () => {
    const model = tinyModel();
    const result = await train(model, data(), { epochs: 5, batchSize: 4 });
    model.dispose();
    expect(result.stopReason).toBe('completed');
    expect(result.epochsCompleted).toBe(5);
    expect(result.history.map((h) => h.epoch)).toEqual([0, 1, 2, 3, 4]);
    const [first, last] = [result.history[0], result.history[4]];
    expect(last.loss).toBeLessThan(first.loss * 0.9);
    expect(last.val_loss!).toBeLessThan(first.val_loss!);
    for (const k of ['acc', 'iou', 'val_acc', 'val_iou']) expect(last[k]).toBeGreaterThanOrEqual(0);
    expect(last.lr).toBeCloseTo(0.01);
  });

  it('calls hooks in order with per-batch logs and keeps tensors constant between epochs', async () => {
    const model = tinyModel();
    const events: string[] = [];
    const tensors: number[] = [];
    const batchLogs: BatchLogs[] = [];
    const cb: TrainingCallback = {
      onTrainBegin: () => void events.push('train-begin'),
      onEpochBegin: (e) => void events.push(`epoch-begin ${e}`),
      onBatchEnd: async (l) => {
        await new Promise((r) => setTimeout(r, 1)); // async hooks are awaited
        batchLogs.push(l);
      },
      onEpochEnd: (l: EpochLogs) => {
        events.push(`epoch-end ${l.epoch}`);
        tensors.push(tf.memory().numTensors);
      },
      onTrainEnd: (r) => void events.push(`train-end ${r.stopReason}`),
    };
    await train(model, data(), { epochs: 3, batchSize: 5, callbacks: [cb] });
    model.dispose();
    expect(events).toEqual([
      'train-begin',
      'epoch-begin 0',
      'epoch-end 0',
      'epoch-begin 1',
      'epoch-end 1',
      'epoch-begin 2',
      'epoch-end 2',
      'train-end completed',
    ]);
    // 12 samples in batches of 5: 5, 5, 2.
    expect(batchLogs.slice(0, 3).map((l) => [l.epoch, l.batch, l.batches, l.size])).toEqual([
      [0, 0, 3, 5],
      [0, 1, 3, 5],
      [0, 2, 3, 2],
    ]);
    expect(batchLogs[0].seconds).toBeGreaterThan(0);
    expect(typeof batchLogs[0].iou).toBe('number');
    // Adam creates its moment variables on the first step, so compare from epoch 1 on.
    expect(tensors[2]).toBe(tensors[1]);
    expect(tensors[1]).toBe(tensors[0]);
  });

  it('splits a flat sample array with the seed and repeats a run exactly', async () => {
    const samples = blobSamples(20, 16, 3);
    const run = async () => {
      const model = tinyModel();
      const seen: number[] = [];
      const r = await train(model, samples, {
        epochs: 2,
        batchSize: 4,
        validationSplit: 0.2,
        seed: 5,
        callbacks: [{ onTrainBegin: (ctx) => void seen.push(ctx.train.length, ctx.val.length) }],
      });
      model.dispose();
      return { r, seen };
    };
    const a = await run();
    const b = await run();
    expect(a.seen).toEqual([16, 4]);
    expect(b.r.history.map((h) => h.loss)).toEqual(a.r.history.map((h) => h.loss));
  });

  it('stops at the end of the current batch when aborted and reports it', async () => {
    const model = tinyModel();
    const controller = new AbortController();
    const epochsEnded: number[] = [];
    let batchesAfterAbort = 0;
    let tensorsAtEpochEnd = -1;
    let tensorsAtTrainEnd = -2;
    const result = await train(model, data(), {
      epochs: 5,
      batchSize: 2,
      signal: controller.signal,
      callbacks: [
        {
          onBatchEnd: (l) => {
            if (controller.signal.aborted) batchesAfterAbort++;
            if (l.epoch === 1 && l.batch === 2) controller.abort();
          },
          onEpochEnd: (l) => {
            epochsEnded.push(l.epoch);
            tensorsAtEpochEnd = tf.memory().numTensors;
          },
          onTrainEnd: () => {
            tensorsAtTrainEnd = tf.memory().numTensors;
          },
        },
      ],
    });
    model.dispose();
    expect(result.stopReason).toBe('aborted');
    expect(batchesAfterAbort).toBe(0);
    expect(epochsEnded).toEqual([0]);
    expect(result.epochsCompleted).toBe(1);
    // Leaving the batch loop early must not strand the current batch's tensors.
    expect(tensorsAtTrainEnd).toBe(tensorsAtEpochEnd);
  });

  it('lets a callback stop training after the epoch', async () => {
    const model = tinyModel();
    const result = await train(model, data(), { epochs: 5, batchSize: 6, callbacks: [{ onEpochEnd: (l, ctx) => (l.epoch === 1 ? ctx.stop() : undefined) }] });
    model.dispose();
    expect(result.stopReason).toBe('early-stopping');
    expect(result.history).toHaveLength(2);
  });

  it('rejects samples of mixed sizes', async () => {
    const model = tinyModel();
    await expect(train(model, { train: [...blobSamples(2, 16), ...blobSamples(1, 8)], val: [] }, { epochs: 1 })).rejects.toThrow(/not 16x16/);
    model.dispose();
  });
});
