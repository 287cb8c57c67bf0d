import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildUNet, resolveConfig, saveModel, DEFAULT_PREPROCESSING } from '@nuclei/model';
import { fineTunedMetadata, loadStartingModel } from './fine-tune';
import { FINE_TUNE } from './recipes';

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
    expect(start.config.learningRate).toBe(FINE_TUNE.learningRate); // the measured fine-tuning rate, not the model's
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

  it("records the base model and the images, and keeps the base model's segmentation settings", async () => {
    const config = resolveConfig({ ...resolveConfig('nuclei-small'), inputSize: 32, depth: 3, encoderDropout: [0, 0, 0], decoderDropout: [0, 0] });
    const source = buildUNet(config, { seed: 1 });
    const base = path.join(dir, 'published', 'best');
    const segmentation = { mode: 'tile' as const, scale: 1.5, split: 'markers' as const, threshold: 0.6, minArea: 32, basis: 'mean DSB 0.559' };
    await saveModel(source, base, {
      preset: 'custom',
      config,
      preprocessing: DEFAULT_PREPROCESSING,
      segmentation,
      training: { dataset: 'dsb' },
      metrics: { fullsize_dsb: 0.559 },
    });
    source.dispose();
    const start = await loadStartingModel(base);
    const meta = fineTunedMetadata(start, ['a', 'b']);
    start.dispose();
    expect(meta.segmentation).toEqual({ ...segmentation, basis: 'kept from its base model published/best (mean DSB 0.559)' });
    expect(meta.training).toMatchObject({
      fineTunedFrom: 'published/best',
      fineTuneImages: ['a', 'b'],
      baseModel: { name: 'published/best', dataset: 'dsb', fullsizeDsb: 0.559 },
    });
  });
});
