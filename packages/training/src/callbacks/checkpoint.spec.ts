import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadModel } from '@nuclei/model';
import { blobSamples } from '../test-utils/samples';
import { TINY_UNET } from '../test-utils/tiny-unet';
import { tinyModel } from '../test-utils/tiny-model';
import { useCpu } from '../test-utils/backend';
import { train } from '../train';
import { trainingStateOf } from '../resume';
import { checkpoint } from './checkpoint';

beforeAll(useCpu);

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-ckpt-'));
const data = () => ({ train: blobSamples(8), val: blobSamples(4, 16, 2) });

describe('checkpoint', () => {
  it('saves best and last with optimizer and training state, loadable by loadModel', async () => {
    const out = tmp();
    const model = tinyModel();
    const result = await train(model, data(), { epochs: 3, batchSize: 4, seed: 9, callbacks: [checkpoint(out, { metadata: { config: TINY_UNET } })] });
    const liveOpt = await Promise.all((await model.optimizer.getWeights()).map(async (w) => ({ name: w.name, v: Array.from(await w.tensor.data()) })));
    model.dispose();

    const last = await loadModel(path.join(out, 'last'));
    expect(last.optimizerRestored).toBe(true);
    const state = trainingStateOf(last.metadata, 'last');
    expect(state.epoch).toBe(2);
    expect(state.seed).toBe(9);
    expect(state.options).toMatchObject({ epochs: 3, batchSize: 4, size: 16 });
    expect(state.history).toHaveLength(3);
    const bestLoss = Math.min(...result.history.map((h) => h.val_loss!));
    expect(state.best).toEqual({ monitor: 'val_loss', value: bestLoss, epoch: result.history.findIndex((h) => h.val_loss === bestLoss) });
    expect(last.metadata.history?.val_loss).toEqual(result.history.map((h) => h.val_loss));
    // Adam's iteration count and moments are those of the live model at the end.
    const loadedOpt = await last.model.optimizer.getWeights();
    expect(loadedOpt.map((w) => w.name)).toEqual(liveOpt.map((w) => w.name));
    expect(Array.from(await loadedOpt[0].tensor.data())).toEqual([6]); // 3 epochs x 2 batches
    loadedOpt.forEach((w, i) => expect(Array.from(w.tensor.dataSync())).toEqual(liveOpt[i].v));
    last.model.dispose();

    const best = await loadModel(path.join(out, 'best'));
    expect(best.metadata.metrics?.val_loss).toBe(bestLoss);
    expect(best.metadata.training?.validationIds).toEqual(data().val.map((s) => s.id));
    best.model.dispose();
  });

  it('keeps the last completed epoch when a run is aborted mid-epoch', async () => {
    const out = tmp();
    const model = tinyModel();
    const controller = new AbortController();
    const result = await train(model, data(), {
      epochs: 5,
      batchSize: 2,
      signal: controller.signal,
      callbacks: [
        checkpoint(out, { metadata: { config: TINY_UNET } }),
        { onBatchEnd: (l) => (l.epoch === 2 && l.batch === 1 ? controller.abort() : undefined) },
      ],
    });
    model.dispose();
    expect(result.stopReason).toBe('aborted');
    const last = await loadModel(path.join(out, 'last'));
    expect(trainingStateOf(last.metadata, 'last').epoch).toBe(1);
    last.model.dispose();
    expect(fs.readdirSync(out).sort()).toEqual(['best', 'last']); // no half-written temp folders
  });

  it('fails at train begin when the metadata does not describe the model', async () => {
    const model = tinyModel();
    await expect(train(model, data(), { epochs: 1, callbacks: [checkpoint(tmp(), { metadata: { preset: 'seed' } })] })).rejects.toThrow(
      /128x128x3 but the model input is 16x16x3/,
    );
    model.dispose();
  });
});
