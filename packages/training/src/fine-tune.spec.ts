import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildUNet, resolveConfig, saveModel, DEFAULT_PREPROCESSING } from '@nuclei/model';
import { loadStartingModel } from './fine-tune';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('loadStartingModel', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-finetune-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("puts a saved model's weights on a fresh network and keeps its normalisation; nothing leaks", async () => {
    const config = resolveConfig({ ...resolveConfig('nuclei-small'), inputSize: 32, depth: 3, encoderDropout: [0, 0, 0], decoderDropout: [0, 0] });
    const source = buildUNet(config, { seed: 1 });
    await saveModel(source, dir, { preset: 'custom', config, preprocessing: { ...DEFAULT_PREPROCESSING, low: 2 } });
    const before = tf.memory().numTensors;
    const start = await loadStartingModel(dir);
    expect(start.recipe).toBe('nuclei');
    expect(start.preprocessing?.low).toBe(2);
    expect(start.config.learningRate).toBeCloseTo(config.learningRate / 10);
    const fresh = buildUNet(start.config, { seed: 2 });
    const kernel = (m: tf.LayersModel) => m.getLayer('enc1_conv1').getWeights()[0].dataSync();
    expect(Array.from(kernel(fresh))).not.toEqual(Array.from(kernel(source)));
    start.applyTo(fresh);
    expect(Array.from(kernel(fresh))).toEqual(Array.from(kernel(source)));
    start.dispose();
    fresh.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // A network of another shape is refused, naming the model.
    const other = buildUNet({ ...config, baseFilters: 4 }, { seed: 3 });
    const again = await loadStartingModel(dir, 1e-5);
    expect(again.config.learningRate).toBe(1e-5);
    expect(() => again.applyTo(other)).toThrow(/do not fit the network being trained/);
    again.dispose();
    other.dispose();
    source.dispose();
  });
});
