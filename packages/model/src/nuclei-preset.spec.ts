import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { bceDice } from './losses';
import { acc } from './metrics';
import { DEFAULT_PREPROCESSING } from './preprocessing';
import { resolveConfig } from './presets';
import { loadModel } from './load';
import { saveModel } from './save';
import { buildUNet } from './unet';

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

const TINY2 = resolveConfig({ ...resolveConfig('nuclei'), inputSize: 16, depth: 2, baseFilters: 2, encoderDropout: [0, 0], decoderDropout: [0] });
const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('the nuclei preset', () => {
  it('is the seed network with two outputs, normalised input and BCE + Dice', () => {
    const c = resolveConfig('nuclei');
    const seed = resolveConfig('seed');
    expect({ depth: c.depth, baseFilters: c.baseFilters, inputSize: c.inputSize }).toEqual({
      depth: seed.depth,
      baseFilters: seed.baseFilters,
      inputSize: seed.inputSize,
    });
    expect(c.outputChannels).toBe(2);
    expect(c.inputScale).toBe(1);
    expect(c.loss).toBe('bceDice');
    const m = buildUNet('nuclei');
    expect(m.outputs[0].shape).toEqual([null, 128, 128, 2]);
    expect(m.loss).toBe(bceDice);
    m.dispose();
  });

  it('the same seed gives the same initial weights; another seed does not', () => {
    const a = buildUNet(TINY2, { seed: 42 });
    const b = buildUNet(TINY2, { seed: 42 });
    const c = buildUNet(TINY2, { seed: 43 });
    expect(weights(a)).toEqual(weights(b));
    expect(weights(a)).not.toEqual(weights(c));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('keeps the seed preset exactly as before (1,941,105 parameters) with or without a seed', () => {
    const m = buildUNet('seed', { seed: 1 });
    expect(m.countParams()).toBe(1941105);
    m.dispose();
  });

  it('saves and loads with its preprocessing, recompiled with its loss', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-preset-'));
    try {
      const m = buildUNet(TINY2, { seed: 1 });
      await saveModel(m, path.join(root, 'm'), { config: TINY2, preprocessing: DEFAULT_PREPROCESSING });
      const loaded = await loadModel(path.join(root, 'm'));
      expect(loaded.metadata.preprocessing).toEqual(DEFAULT_PREPROCESSING);
      expect(loaded.model.loss).toBe(bceDice);
      const x = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 3);
      const p1 = tf.tidy(() => Array.from((m.predict(x) as tf.Tensor).dataSync()));
      const p2 = tf.tidy(() => Array.from((loaded.model.predict(x) as tf.Tensor).dataSync()));
      expect(p2).toEqual(p1);
      x.dispose();
      m.dispose();
      loaded.model.dispose();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses preprocessing whose channel count does not match the model input', async () => {
    const gray = resolveConfig({ ...TINY2, inputChannels: 3 });
    const m = buildUNet(gray);
    await expect(
      saveModel(m, path.join(os.tmpdir(), 'never-written'), { config: gray, preprocessing: { ...DEFAULT_PREPROCESSING, channels: 'gray' } }),
    ).rejects.toThrow(/1 channels but the model takes 3/);
    m.dispose();
  });
});

describe('bceDice and acc', () => {
  it('bceDice is near 0 for a perfect prediction and grows with errors; Dice counts the sparse channel', () => {
    const t = tf.tensor4d([1, 0, 0, 0, 1, 1, 0, 0], [1, 2, 2, 2]);
    const perfect = tf.tensor4d([0.999, 0.001, 0.001, 0.001, 0.999, 0.999, 0.001, 0.001], [1, 2, 2, 2]);
    const missBorder = tf.tensor4d([0.999, 0.001, 0.001, 0.001, 0.999, 0.001, 0.001, 0.001], [1, 2, 2, 2]);
    const l0 = bceDice(t, perfect).dataSync()[0];
    const l1 = bceDice(t, missBorder).dataSync()[0];
    expect(l0).toBeLessThan(0.02);
    expect(l1).toBeGreaterThan(l0 + 0.2);
    tf.dispose([t, perfect, missBorder]);
  });

  it('acc is the pixel accuracy of channel 0 only', () => {
    const t = tf.tensor4d([1, 1, 0, 1], [1, 1, 2, 2]); // mask [1, 0], border [1, 1]
    const p = tf.tensor4d([0.9, 0, 0.2, 0], [1, 1, 2, 2]); // mask right, border all wrong
    expect(acc(t, p).dataSync()[0]).toBeCloseTo(1);
    tf.dispose([t, p]);
  });
});
