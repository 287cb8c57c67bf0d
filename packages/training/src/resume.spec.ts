import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildUNet, resolveConfig, saveModel } from '@nuclei/model';
import { checkpoint } from './callbacks/checkpoint';
import { historyLogger } from './callbacks/history';
import { resumeTraining } from './resume';
import { blobSamples } from './test-utils/samples';
import { tinyModel } from './test-utils/tiny-model';
import { TINY_UNET } from './test-utils/tiny-unet';
import { useCpu } from './test-utils/backend';
import { train } from './train';
import type { TrainingContext } from './types';

beforeAll(useCpu);

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-resume-'));
// A flat array: resume must redo the same seeded split.
const samples = blobSamples(10, 16, 4);
const common = { batchSize: 4, validationSplit: 0.2, seed: 11, augment: true };

describe('resumeTraining', () => {
  it('continues at the next epoch with Adam state restored and matches an uninterrupted run', async () => {
    const straightModel = tinyModel();
    const straight = await train(straightModel, samples, { ...common, epochs: 3 });
    straightModel.dispose();

    const out = tmp();
    const firstModel = tinyModel();
    const ctrl = new AbortController();
    // Abort in epoch 2 (zero-based): last holds epoch 1.
    const first = await train(firstModel, samples, {
      ...common,
      epochs: 3,
      signal: ctrl.signal,
      callbacks: [checkpoint(out, { metadata: { config: TINY_UNET } }), historyLogger(out), { onBatchEnd: (l) => (l.epoch === 2 ? ctrl.abort() : undefined) }],
    });
    firstModel.dispose();
    expect(first.stopReason).toBe('aborted');

    const begun: number[] = [];
    let iterationsAtStart = -1;
    const resumed = await resumeTraining(out, samples, {
      callbacks: [
        checkpoint(out),
        historyLogger(out),
        {
          onTrainBegin: async (ctx) => {
            iterationsAtStart = (await ctx.model.optimizer.getWeights())[0].tensor.dataSync()[0];
          },
          onEpochBegin: (e) => void begun.push(e),
        },
      ],
    });
    resumed.model.dispose();
    expect(resumed.resumedFrom.epoch).toBe(1);
    expect(begun).toEqual([2]);
    expect(iterationsAtStart).toBe(4); // 2 epochs x 2 batches of the 8 training samples
    expect(resumed.stopReason).toBe('completed');
    expect(resumed.epochsCompleted).toBe(3);
    expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    // Same weights, Adam moments, seed schedule (shuffle + augmentation) => same numbers.
    resumed.history.forEach((h, i) => {
      expect(h.loss).toBeCloseTo(straight.history[i].loss, 5);
      expect(h.val_loss!).toBeCloseTo(straight.history[i].val_loss!, 5);
    });
    const csv = fs.readFileSync(path.join(out, 'history.csv'), 'utf8').trim().split('\n');
    expect(csv.slice(1).map((r) => r.split(',')[0])).toEqual(['0', '1', '2']);
  });

  it('resumes a seed U-Net (with dropout) run started with non-default options on its own split and options', async () => {
    const config = resolveConfig({ inputSize: 16, depth: 2, baseFilters: 4, learningRate: 0.003 }); // seed dropout kept
    const opts = { batchSize: 3, validationSplit: 0.3, seed: 5, augment: true };
    const seen: { val: string[]; options: unknown }[] = [];
    const spy = { onTrainBegin: (ctx: TrainingContext) => void seen.push({ val: ctx.val.map((v) => v.id), options: { ...ctx.options, initialEpoch: 0 } }) };
    const straightModel = buildUNet(config, { seed: 2 });
    const straight = await train(straightModel, samples, { ...opts, epochs: 4, callbacks: [spy] });
    straightModel.dispose();

    const out = tmp();
    const firstModel = buildUNet(config, { seed: 2 });
    const ctrl = new AbortController();
    const first = await train(firstModel, samples, {
      ...opts,
      epochs: 4,
      signal: ctrl.signal,
      callbacks: [checkpoint(out, { metadata: { config } }), { onBatchEnd: (l) => (l.epoch === 2 ? ctrl.abort() : undefined) }],
    });
    firstModel.dispose();
    // Differing options are refused, naming both values.
    await expect(resumeTraining(out, samples, { validationSplit: 0.1 })).rejects.toThrow(/validationSplit 0.1: the run was started with validationSplit 0.3/);
    await expect(resumeTraining(out, samples, { batchSize: 16 })).rejects.toThrow(/batchSize 16: the run was started with batchSize 3/);
    const resumed = await resumeTraining(out, samples, { callbacks: [spy] });
    resumed.model.dispose();
    expect(seen[1]).toEqual(seen[0]); // the same held-out ids and options as the uninterrupted run
    expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1, 2, 3]);
    // The epochs before the interrupt are the interrupted run's; dropout (unseeded in tfjs) makes
    // any two runs differ a little, but the resumed one follows the uninterrupted curve.
    expect(resumed.history.slice(0, 2)).toEqual(first.history);
    resumed.history.forEach((h, i) => expect(Math.abs(h.loss - straight.history[i].loss)).toBeLessThan(0.25 * straight.history[i].loss));
    expect(resumed.history[3].loss).toBeLessThan(resumed.history[0].loss);
  });

  it('refuses a folder saved without training state', async () => {
    const out = tmp();
    const model = tinyModel();
    await saveModel(model, path.join(out, 'last'), { config: TINY_UNET }, { includeOptimizer: true });
    model.dispose();
    await expect(resumeTraining(out, samples)).rejects.toThrow(/no training state/);
  });
});
