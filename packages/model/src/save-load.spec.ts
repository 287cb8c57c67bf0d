import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildUNet } from './unet';
import { resolveConfig } from './presets';
import { saveModel } from './save';
import { loadModel } from './load';
import { METADATA_FILE } from './metadata';

// Tiny and dropout-free so training steps are deterministic and fast.
const TINY = resolveConfig({ inputSize: 16, depth: 2, baseFilters: 2, encoderDropout: [0, 0], decoderDropout: [0] });

let root: string;
let x: tf.Tensor;
let y: tf.Tensor;

beforeAll(async () => {
  await tf.setBackend('cpu');
  x = tf.randomUniform([2, 16, 16, 3], 0, 255, 'float32', 1);
  y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 2), 0.5), 'float32'));
});
afterAll(() => tf.dispose([x, y]));
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-model-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const predict = (m: tf.LayersModel) => tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync().slice());
const fitOnce = (m: tf.LayersModel) => m.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 });
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => w.dataSync().slice());

describe('saveModel / loadModel', () => {
  it('round-trips: same predictions, metadata, compiled with iou, can train', async () => {
    const model = buildUNet(TINY);
    const dir = path.join(root, 'model');
    const written = await saveModel(model, dir, {
      config: TINY,
      training: { dataset: 'synthetic', epochs: 3, images: 2 },
      metrics: { val_iou: 0.5 },
      history: { loss: [0.7, 0.6] },
    });
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', METADATA_FILE, 'weights.bin'].sort());
    expect(fs.readdirSync(root)).toEqual(['model']); // no temp folders left behind

    const before = tf.memory().numTensors;
    const { model: loaded, metadata, optimizerRestored } = await loadModel(dir);
    expect(optimizerRestored).toBe(false);
    expect(metadata).toEqual(written);
    expect(metadata).toMatchObject({ format: 'nuclei-unet', version: 1, preset: 'custom', inputSize: 16, tfjsVersion: tf.version.tfjs });
    expect(metadata.training).toEqual({ dataset: 'synthetic', epochs: 3, images: 2 });
    expect(Array.from(predict(loaded))).toEqual(Array.from(predict(model)));
    expect(loaded.layers[1].getClassName()).toBe('Rescaling');
    expect(loaded.metricsNames).toEqual(['loss', 'acc', 'iou']);
    const h = await fitOnce(loaded);
    expect(h.history.iou).toHaveLength(1);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('with includeOptimizer restores Adam state so training resumes exactly', async () => {
    const a = buildUNet({ ...TINY, learningRate: 0.01 });
    await fitOnce(a);
    await fitOnce(a);
    const withOpt = path.join(root, 'with-opt');
    const withoutOpt = path.join(root, 'without-opt');
    await saveModel(a, withOpt, { config: TINY }, { includeOptimizer: true });
    await saveModel(a, withoutOpt, { config: TINY });

    const b = await loadModel(withOpt);
    expect(b.optimizerRestored).toBe(true);
    // The saved learning rate wins over the metadata config's 1e-3.
    expect((b.model.optimizer.getConfig() as { learningRate: number }).learningRate).toBe(0.01);
    const optA = await a.optimizer.getWeights();
    const optB = await b.model.optimizer.getWeights();
    expect(optB.length).toBe(optA.length);
    expect(optB[0].tensor.dataSync()[0]).toBe(2); // Adam's iteration count
    optA.forEach((w, i) => expect(Array.from(optB[i].tensor.dataSync())).toEqual(Array.from(w.tensor.dataSync())));
    tf.dispose([optA[0].tensor, optB[0].tensor]); // getWeights makes a fresh tensor for the iteration count

    const c = await loadModel(withoutOpt);
    expect(c.optimizerRestored).toBe(false);

    await fitOnce(a);
    await fitOnce(b.model);
    await fitOnce(c.model);
    const wa = weightsOf(a);
    const wb = weightsOf(b.model);
    const wc = weightsOf(c.model);
    const maxDiff = (p: Float32Array[] | Int32Array[] | Uint8Array[], q: typeof p) =>
      Math.max(...p.map((arr, i) => Math.max(...Array.from(arr, (v, j) => Math.abs(v - q[i][j])))));
    expect(maxDiff(wa as Float32Array[], wb as Float32Array[])).toBeLessThan(1e-6);
    // Control: a fresh Adam takes a different step, so the comparison above can fail.
    expect(maxDiff(wa as Float32Array[], wc as Float32Array[])).toBeGreaterThan(1e-4);
    [a, b.model, c.model].forEach((m) => m.dispose());
  });

  it('a failure mid-write leaves the previous model in place and no temp folders', async () => {
    const dir = path.join(root, 'model');
    const v1 = buildUNet(TINY);
    await saveModel(v1, dir, { config: TINY });
    const v2 = buildUNet(TINY); // different random weights
    expect(Array.from(predict(v2))).not.toEqual(Array.from(predict(v1)));

    for (const failAt of ['model.json', METADATA_FILE]) {
      const written: string[] = [];
      const onWrite = (file: string) => {
        if (file === failAt) throw new Error(`simulated crash before ${file}`);
        written.push(file);
      };
      await expect(saveModel(v2, dir, { config: TINY }, { onWrite })).rejects.toThrow(
        `Saving model to ${dir} failed: simulated crash before ${failAt} (any previous model there is untouched)`,
      );
      expect(written).toContain('weights.bin'); // the failure really was mid-write
      expect(fs.readdirSync(root)).toEqual(['model']);
      const { model } = await loadModel(dir);
      expect(Array.from(predict(model))).toEqual(Array.from(predict(v1)));
      model.dispose();
    }

    // And a save that completes replaces it.
    await saveModel(v2, dir, { config: TINY });
    expect(fs.readdirSync(root)).toEqual(['model']);
    const { model } = await loadModel(dir);
    expect(Array.from(predict(model))).toEqual(Array.from(predict(v2)));
    [model, v1, v2].forEach((m) => m.dispose());
  });

  it('keeps the segmentation defaults measured for the model, and rejects an unknown mode', async () => {
    const model = buildUNet(TINY);
    const dir = path.join(root, 'model');
    const segmentation = { mode: 'resize' as const, split: 'watershed' as const, basis: 'DSB 0.33 vs 0.18' };
    await saveModel(model, dir, { config: TINY, segmentation });
    const loaded = await loadModel(dir);
    expect(loaded.metadata.segmentation).toEqual(segmentation);
    loaded.model.dispose();
    const meta = JSON.parse(fs.readFileSync(path.join(dir, METADATA_FILE), 'utf8'));
    fs.writeFileSync(path.join(dir, METADATA_FILE), JSON.stringify({ ...meta, segmentation: { mode: 'squash' } }));
    await expect(loadModel(dir)).rejects.toThrow(/segmentation\.mode is "squash"/);
    model.dispose();
  });

  it('refuses to replace a folder that is not a model', async () => {
    const dir = path.join(root, 'photos');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'holiday.jpg'), 'x');
    const m = buildUNet(TINY);
    await expect(saveModel(m, dir, { config: TINY })).rejects.toThrow(`Cannot save model to ${dir}: the folder is not empty and holds no saved model`);
    expect(fs.readdirSync(dir)).toEqual(['holiday.jpg']);
    m.dispose();
  });

  it('rejects metadata whose config does not describe the model', async () => {
    const m = buildUNet(TINY);
    await expect(saveModel(m, path.join(root, 'm'))).rejects.toThrow(/config says 128x128x3 but the model input is 16x16x3/);
    m.dispose();
  });
});

describe('loadModel errors', () => {
  let dir: string;
  beforeEach(async () => {
    dir = path.join(root, 'model');
    const m = buildUNet(TINY);
    await saveModel(m, dir, { config: TINY, preset: 'custom' });
    m.dispose();
  });

  it('folder does not exist', async () => {
    await expect(loadModel(path.join(root, 'nope'))).rejects.toThrow(`No model at ${path.join(root, 'nope')}: the folder does not exist`);
  });

  it('points at the previous model left by an interrupted swap', async () => {
    fs.renameSync(dir, path.join(root, '.model.old-1-2'));
    await expect(loadModel(dir)).rejects.toThrow(/an interrupted save left the previous model in .*\.model\.old-1-2/);
  });

  it('folder that is not a model', async () => {
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    await expect(loadModel(empty)).rejects.toThrow(`${empty} is not a saved model: no model.json and no ${METADATA_FILE}`);
  });

  it('model.json without nuclei metadata', async () => {
    fs.rmSync(path.join(dir, METADATA_FILE));
    await expect(loadModel(dir)).rejects.toThrow(`${dir} is not a nuclei model: model.json is there but ${METADATA_FILE} is missing`);
  });

  it('truncated weight file', async () => {
    const bin = path.join(dir, 'weights.bin');
    const size = fs.statSync(bin).size;
    fs.truncateSync(bin, size - 10);
    await expect(loadModel(dir)).rejects.toThrow(`${dir}: weight file weights.bin is ${size - 10} bytes but model.json expects ${size} (truncated`);
  });

  it('corrupt model.json', async () => {
    const file = path.join(dir, 'model.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 100));
    await expect(loadModel(dir)).rejects.toThrow(`corrupt ${file}: not valid JSON`);
  });

  it('model.json without topology', async () => {
    const file = path.join(dir, 'model.json');
    fs.writeFileSync(file, JSON.stringify({ weightsManifest: [] }));
    await expect(loadModel(dir)).rejects.toThrow(`corrupt ${file}: no modelTopology`);
  });

  it('metadata of another format or version', async () => {
    const file = path.join(dir, METADATA_FILE);
    const meta = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...meta, version: 2 }));
    await expect(loadModel(dir)).rejects.toThrow(`${file}: version 2 is not supported`);
    fs.writeFileSync(file, JSON.stringify({ ...meta, format: 'keras' }));
    await expect(loadModel(dir)).rejects.toThrow(`${file}: format is "keras", expected "nuclei-unet"`);
  });

  it('input size mismatch', async () => {
    await expect(loadModel(dir, { expectedInputSize: 128 })).rejects.toThrow(`Model at ${dir} takes 16x16 inputs, expected 128x128`);
    const { model } = await loadModel(dir, { expectedInputSize: 16 });
    model.dispose();
  });
});

describe('saveModel and the file system', () => {
  it("gives the model folder the user's umask (not mkdtemp's 0700) and removes dead saves' temp folders", async () => {
    const model = buildUNet(TINY);
    const probe = path.join(root, 'probe');
    fs.mkdirSync(probe);
    const stale = path.join(root, '.m.saving-999999999-0badc0de');
    const live = path.join(root, `.m.saving-${process.ppid}-00000000`);
    fs.mkdirSync(stale);
    fs.mkdirSync(live);
    await saveModel(model, path.join(root, 'm'), { config: TINY });
    model.dispose();
    expect(fs.statSync(path.join(root, 'm')).mode & 0o777).toBe(fs.statSync(probe).mode & 0o777);
    expect(fs.existsSync(stale)).toBe(false); // its process is gone
    expect(fs.existsSync(live)).toBe(true); // a live process may still be saving
  });
});
