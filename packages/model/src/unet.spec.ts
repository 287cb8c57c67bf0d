import * as tf from '@tensorflow/tfjs';
import { buildUNet, compileUNet } from './unet';
import { PRESETS, resolveConfig } from './presets';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('buildUNet', () => {
  it('builds the seed network by default with exactly 1,941,105 parameters', () => {
    const model = buildUNet();
    try {
      expect(model.countParams()).toBe(1941105);
      expect(model.inputs[0].shape).toEqual([null, 128, 128, 3]);
      expect(model.outputs[0].shape).toEqual([null, 128, 128, 1]);
      // First layer after the input scales 0..255 to 0..1.
      const rescale = model.layers[1];
      expect(rescale.getClassName()).toBe('Rescaling');
      expect(rescale.getConfig().scale).toBeCloseTo(1 / 255);
      // Seed topology: 5 encoder + 4 decoder blocks of 2 convs, plus the 1x1 output conv.
      const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
      expect(convs).toHaveLength(19);
      expect(model.layers.filter((l) => l.getClassName() === 'Conv2DTranspose').map((l) => l.getConfig().filters)).toEqual([128, 64, 32, 16]);
      expect(model.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => l.getConfig().rate)).toEqual([0.1, 0.1, 0.2, 0.2, 0.3, 0.2, 0.2, 0.1, 0.1]);
      expect(model.getLayer('enc1_conv1').getConfig().activation).toBe('elu');
      expect(model.getLayer('mask').getConfig().activation).toBe('sigmoid');
      // Compiled: the loss and metric names the training package and history rely on.
      expect(model.loss).toBe('binaryCrossentropy');
      expect(model.metricsNames).toEqual(['loss', 'acc', 'iou']);
    } finally {
      model.dispose();
    }
  });

  it('predicts one full-size image to probabilities without leaking tensors', () => {
    const model = buildUNet('seed');
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => model.predict(tf.fill([1, 128, 128, 3], 200)) as tf.Tensor);
    expect(out.shape).toEqual([1, 128, 128, 1]);
    const v = out.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('builds the other presets with their distinguishing layers', () => {
    const bn = buildUNet('seed-bn');
    expect(bn.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(true);
    expect(bn.countParams()).not.toBe(1941105);
    bn.dispose();
    const resize = buildUNet('seed-resize');
    expect(resize.layers.some((l) => l.getClassName() === 'UpSampling2D')).toBe(true);
    expect(resize.layers.some((l) => l.getClassName() === 'Conv2DTranspose')).toBe(false);
    resize.dispose();
    const small = buildUNet('small');
    expect(small.getLayer('enc1_conv1').getConfig().filters).toBe(8);
    expect(small.countParams()).toBeLessThan(1941105 / 3);
    small.dispose();
  });

  it('accepts partial configs (tiny nets), trains one step with iou in history, disposes everything', async () => {
    const before = tf.memory().numTensors;
    const model = buildUNet({ inputSize: 16, depth: 3, baseFilters: 4 });
    expect(model.outputs[0].shape).toEqual([null, 16, 16, 1]);
    const x = tf.randomUniform([2, 16, 16, 3], 0, 255, 'float32', 1);
    const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 2), 0.5), 'float32'));
    const h = await model.fit(x, y, { epochs: 1, batchSize: 2, validationData: [x, y], verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'iou', 'loss', 'val_acc', 'val_iou', 'val_loss']);
    expect(h.history.iou[0]).toBeGreaterThanOrEqual(0);
    expect(h.history.iou[0]).toBeLessThanOrEqual(1);
    tf.dispose([x, y]);
    compileUNet(model, 1e-4); // recompiling frees the previous Adam state
    model.dispose(); // and dispose frees the optimizer compileUNet created
    expect(tf.memory().numTensors).toBe(before);
  });

  it('compileUNet sets the learning rate', () => {
    const model = buildUNet({ inputSize: 8, depth: 2, baseFilters: 2 });
    compileUNet(model, 0.01);
    expect((model.optimizer.getConfig() as { learningRate: number }).learningRate).toBe(0.01);
    model.dispose();
  });
});

describe('resolveConfig', () => {
  it('defaults to the seed preset and returns copies', () => {
    const c = resolveConfig();
    expect(c).toEqual(PRESETS.seed);
    c.encoderDropout[0] = 0.9;
    expect(PRESETS.seed.encoderDropout[0]).toBe(0.1);
  });

  it('fits the seed dropout lists to a smaller depth', () => {
    const c = resolveConfig({ depth: 3 });
    expect(c.encoderDropout).toEqual([0.1, 0.1, 0.3]);
    expect(c.decoderDropout).toEqual([0.1, 0.1]);
  });

  it('rejects bad configs with a message naming the field', () => {
    expect(() => resolveConfig('nope' as never)).toThrow(/Unknown U-Net preset 'nope'/);
    expect(() => resolveConfig({ inputSize: 100 })).toThrow(/inputSize 100 must be a positive multiple of 16/);
    expect(() => resolveConfig({ depth: 3, encoderDropout: [0.1] })).toThrow(/encoderDropout has 1 entries, depth needs 3/);
    expect(() => resolveConfig({ learningRate: 0 })).toThrow(/learningRate/);
  });
});
