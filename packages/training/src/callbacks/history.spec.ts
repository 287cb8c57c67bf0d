import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { epochLogs, fakeContext } from '../test-utils/fake-context';
import { blobSamples } from '../test-utils/samples';
import { tinyModel } from '../test-utils/tiny-model';
import { useCpu } from '../test-utils/backend';
import { train } from '../train';
import { historyLogger } from './history';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-history-'));
const lines = (f: string) => fs.readFileSync(f, 'utf8').trim().split('\n');

describe('historyLogger', () => {
  it('writes one csv row and one json line per epoch of a real run', async () => {
    await useCpu();
    const dir = tmp();
    const model = tinyModel();
    await train(model, { train: blobSamples(4), val: blobSamples(2, 16, 5) }, { epochs: 3, batchSize: 4, callbacks: [historyLogger(dir)] });
    model.dispose();
    const csv = lines(path.join(dir, 'history.csv'));
    expect(csv[0]).toBe('epoch,loss,acc,iou,val_loss,val_acc,val_iou,lr,seconds');
    expect(csv.slice(1).map((r) => r.split(',')[0])).toEqual(['0', '1', '2']);
    const json = lines(path.join(dir, 'history.jsonl')).map((l) => JSON.parse(l));
    expect(json.map((j) => j.epoch)).toEqual([0, 1, 2]);
    expect(Number(csv[3].split(',')[4])).toBeCloseTo(json[2].val_loss, 6);
  });

  it('has each epoch on disk as soon as it ends (an interrupted run keeps them)', () => {
    const dir = tmp();
    const cb = historyLogger(dir);
    const ctx = fakeContext();
    cb.onTrainBegin!(ctx);
    cb.onEpochEnd!(epochLogs(0, 0.5), ctx);
    expect(lines(path.join(dir, 'history.csv'))).toEqual(['epoch,loss,val_loss,lr,seconds', '0,0.5,0.5,0.01,1']);
    expect(lines(path.join(dir, 'history.jsonl'))).toHaveLength(1);
  });

  it('starts fresh at epoch 0, and on resume keeps earlier rows and drops rows at or after the resume epoch', () => {
    const dir = tmp();
    const first = historyLogger(dir);
    const ctx = fakeContext();
    first.onTrainBegin!(ctx);
    [0, 1, 2].forEach((e) => first.onEpochEnd!(epochLogs(e, 1 - e / 10), ctx));
    // Checkpoint of epoch 2 never landed: resume at 2.
    const resumed = historyLogger(dir);
    const ctx2 = fakeContext({ initialEpoch: 2 });
    resumed.onTrainBegin!(ctx2);
    resumed.onEpochEnd!(epochLogs(2, 0.7), ctx2);
    const csv = lines(path.join(dir, 'history.csv'));
    expect(csv.map((r) => r.split(',').slice(0, 2).join(','))).toEqual(['epoch,loss', '0,1', '1,0.9', '2,0.7']);
    expect(lines(path.join(dir, 'history.jsonl')).map((l) => JSON.parse(l).loss)).toEqual([1, 0.9, 0.7]);
    historyLogger(dir).onTrainBegin!(fakeContext());
    expect(fs.existsSync(path.join(dir, 'history.csv'))).toBe(false);
  });
});
