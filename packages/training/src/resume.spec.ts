import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { saveModel } from '@nuclei/model';
import { checkpoint } from './callbacks/checkpoint';
import { historyLogger } from './callbacks/history';
import { resumeTraining } from './resume';
import { blobSamples } from './test-utils/samples';
import { tinyModel } from './test-utils/tiny-model';
import { TINY_UNET } from './test-utils/tiny-unet';
import { useCpu } from './test-utils/backend';
import { train } from './train';

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

  it('refuses a folder saved without training state', async () => {
    const out = tmp();
    const model = tinyModel();
    await saveModel(model, path.join(out, 'last'), { config: TINY_UNET }, { includeOptimizer: true });
    model.dispose();
    await expect(resumeTraining(out, samples)).rejects.toThrow(/no training state/);
  });
});
