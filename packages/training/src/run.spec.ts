import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { generateSyntheticDataset } from '@nuclei/data';
import { resolveConfig } from '@nuclei/model';
import { BEST_DIR, LAST_DIR } from './callbacks/checkpoint';
import { holdsTrainingRun, presetMatches, RUN_LOCK, RunLockError, takeRunLock, trainingRunFiles, trainWithRecipe } from './run';
import { useCpu } from './test-utils/backend';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-run-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
beforeAll(useCpu);

describe('what holds a run', () => {
  it('a folder with last/, best/ or history.csv holds a run; one with only a model.json does not', () => {
    const dir = fs.mkdtempSync(path.join(root, 'holds-'));
    expect(holdsTrainingRun(dir)).toBe(false);
    fs.writeFileSync(path.join(dir, 'model.json'), '{}');
    expect(holdsTrainingRun(dir)).toBe(false);
    fs.writeFileSync(path.join(dir, 'history.csv'), 'epoch\n');
    fs.mkdirSync(path.join(dir, LAST_DIR));
    expect(trainingRunFiles(dir)).toEqual([LAST_DIR, 'history.csv']);
    expect(holdsTrainingRun(dir)).toBe(true);
  });
});

describe('takeRunLock', () => {
  it("refuses a folder a live process trains into, takes over a dead one's lock, and releases its own", () => {
    const dir = fs.mkdtempSync(path.join(root, 'lock-'));
    const lock = path.join(dir, RUN_LOCK);
    const release = takeRunLock(dir);
    expect(fs.readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    // This process holds it: a second run here is refused too.
    expect(() => takeRunLock(dir)).toThrow(RunLockError);
    expect(() => takeRunLock(dir)).toThrow(`${dir} is in use by another training run (pid ${process.pid})`);
    release();
    expect(fs.existsSync(lock)).toBe(false);
    // A process that has ended (a pid just used and gone).
    const gone = Number(execFileSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).trim());
    fs.writeFileSync(lock, `${gone}\n`);
    const again = takeRunLock(dir);
    expect(fs.readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    again();
  });
});

describe('presetMatches', () => {
  it('ignores size and learning rate, not the network', () => {
    const small = resolveConfig('nuclei-small');
    expect(presetMatches('nuclei-small', { ...small, inputSize: 32, learningRate: 0.5 })).toBe(true);
    expect(presetMatches('nuclei-small', { ...small, baseFilters: small.baseFilters * 2 })).toBe(false);
    expect(presetMatches('custom', small)).toBe(false);
  });
});

describe('trainWithRecipe', () => {
  const data = path.join(root, 'data');
  beforeAll(() => generateSyntheticDataset(data, { count: 2, width: 48, height: 48, seed: 3 }));

  it('trains a run into its folder: checkpoints that record the recipe, the backend and the preset rule', async () => {
    const out = path.join(root, 'run');
    fs.mkdirSync(out);
    const prepared: number[] = [];
    const { result, preset, epochs } = await trainWithRecipe(data, {
      out,
      recipe: 'nuclei',
      preset: 'nuclei-small',
      size: 32,
      cropsPerImage: 1,
      epochs: 1,
      batchSize: 2,
      validationSplit: 0,
      workers: 1,
      backend: tf.getBackend(),
      onPrepared: (p, e) => prepared.push(p.samples, e),
    });
    expect(prepared).toEqual([2, 1]);
    expect(epochs).toBe(1);
    expect(result.epochsCompleted).toBe(1);
    // 32 px is not the preset's own size: the model is 'custom'.
    expect(preset).toBe('custom');
    expect(holdsTrainingRun(out)).toBe(true);
    const meta = JSON.parse(fs.readFileSync(path.join(out, fs.existsSync(path.join(out, BEST_DIR)) ? BEST_DIR : LAST_DIR, 'nuclei-model.json'), 'utf8'));
    expect(meta.preset).toBe('custom');
    expect(meta.training).toMatchObject({ dataset: data, backend: 'cpu', recipe: 'nuclei' });
  }, 120_000);

  it('a folder without usable samples is bad input, named', async () => {
    const empty = fs.mkdtempSync(path.join(root, 'empty-'));
    await expect(trainWithRecipe(empty, { out: path.join(root, 'never'), recipe: 'nuclei', backend: 'cpu', skipInvalid: true })).rejects.toThrow(
      /no usable samples|no samples|empty/i,
    );
  });
});
