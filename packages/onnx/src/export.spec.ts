import * as tf from '@tensorflow/tfjs';
import { buildUNet, PRESETS, type UNetConfig, type PresetName } from '@nuclei/model';
import { onnx } from 'onnx-proto';
import { exportOnnx, ONNX_INPUT, ONNX_OUTPUT, permute } from './export';
import { loadOnnxRuntime, onnxPredictor } from './runtime';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Random biases and batch-norm statistics (their initial values are trivial 0s and 1s); kernels keep
 * their seeded He/Glorot values, which keep activations in range through a deep network.
 */
function randomise(model: tf.LayersModel, seed: number): void {
  const weights = model.weights.map((w, i) => {
    const name = w.originalName;
    const shape = w.shape as number[];
    if (name.endsWith('kernel')) return w.read().clone();
    if (name.endsWith('moving_variance')) return tf.randomUniform(shape, 0.5, 1.5, 'float32', seed + i);
    if (name.endsWith('gamma')) return tf.randomUniform(shape, 0.5, 1.5, 'float32', seed + i);
    return tf.randomNormal(shape, 0, 0.1, 'float32', seed + i);
  });
  model.setWeights(weights);
  tf.dispose(weights);
}

/** TF.js outputs of a fully convolutional model at h x w (a copy built at that size). */
async function tfjsAt(model: tf.LayersModel, nhwc: Float32Array, n: number, h: number, w: number, c: number): Promise<Float32Array> {
  const topology = JSON.parse(model.toJSON(null, true) as string);
  topology.config.layers[0].config.batch_input_shape = [null, h, w, c];
  const copy = await tf.models.modelFromJSON({ modelTopology: topology });
  copy.setWeights(model.getWeights());
  const out = tf.tidy(() => copy.predict(tf.tensor4d(nhwc, [n, h, w, c])) as tf.Tensor);
  const data = (await out.data()) as Float32Array;
  out.dispose();
  copy.dispose();
  return data;
}

// onnxruntime-node is a dependency that installs everywhere (its CPU binaries are in the package), so no skip.
const loaded = loadOnnxRuntime();
const ort = 'ort' in loaded ? loaded : { ort: undefined as never };

describe('exportOnnx against TF.js, run by ONNX Runtime', () => {
  const configs: Array<[string, Partial<UNetConfig> | PresetName]> = [
    ...(Object.keys(PRESETS) as PresetName[]).map((p): [string, PresetName] => [p, p]),
    [
      'depth 3, relu, batch norm, residual, 1 output',
      { depth: 3, baseFilters: 4, activation: 'relu', batchNorm: true, residual: true, inputChannels: 1, inputSize: 32 },
    ],
    [
      'depth 4, selu, resize decoder, 2 outputs',
      { depth: 4, baseFilters: 4, activation: 'selu', upsampling: 'resize', outputChannels: 2, inputSize: 32, inputScale: 1 },
    ],
  ];
  it.each(configs)(
    '%s: same outputs on a non-square input (max abs difference <= 1e-4)',
    async (_, config) => {
      const model = buildUNet(config, { seed: 3 });
      try {
        randomise(model, 11);
        const [, s, , c] = model.inputs[0].shape as number[];
        const k = model.outputs[0].shape[3] as number;
        // 2 images of 48 x 80: neither square nor the model's size (multiples of 16 for depth 5).
        const n = 2;
        const h = 48;
        const w = 80;
        const scale = model.layers[1].getConfig().scale === 1 ? 1 : 255;
        const input = tf.tidy(() => tf.randomUniform([n, h, w, c], 0, scale, 'float32', 5).dataSync() as Float32Array);
        const expected = await tfjsAt(model, input, n, h, w, c);
        const bytes = exportOnnx(model);
        const session = await ort.ort.InferenceSession.create(bytes);
        const nchw = permute({ data: input, shape: [n, h, w, c] }, [0, 3, 1, 2]);
        const result = await session.run({ [ONNX_INPUT]: new ort.ort.Tensor('float32', nchw.data, [n, c, h, w]) });
        const got = permute({ data: result[ONNX_OUTPUT].data as Float32Array, shape: [n, k, h, w] }, [0, 2, 3, 1]).data;
        await session.release();
        expect(got.length).toBe(expected.length);
        let maxDiff = 0;
        for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
        expect(maxDiff).toBeLessThanOrEqual(1e-4);
        // Not a degenerate comparison: the outputs vary.
        expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.01);
        expect(s).toBeGreaterThan(0);
      } finally {
        model.dispose();
      }
    },
    60_000,
  );

  it('onnxPredictor takes and gives NHWC tiles, at the model size and another', async () => {
    const model = buildUNet({ depth: 3, baseFilters: 4, outputChannels: 2, inputSize: 32, inputScale: 1 }, { seed: 1 });
    const predictor = await onnxPredictor(exportOnnx(model), { size: 32, channels: 3, outputs: 2 }, { threads: 1 });
    try {
      randomise(model, 2);
      for (const side of [32, 64]) {
        const input = tf.tidy(() => tf.randomUniform([3, side, side, 3], 0, 1, 'float32', side).dataSync() as Float32Array);
        const expected = await tfjsAt(model, input, 3, side, side, 3);
        // The predictor was made before randomise: export again for the same weights.
        const fresh = await onnxPredictor(exportOnnx(model), { size: 32, channels: 3, outputs: 2 }, { threads: 1 });
        const got = await fresh.predict(input, 3, side);
        fresh.dispose();
        let maxDiff = 0;
        for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
        expect(maxDiff).toBeLessThanOrEqual(1e-4);
      }
      expect(predictor.engine).toBe('onnx');
      expect(predictor.description).toMatch(/onnxruntime-node .* cpu, 1 thread$/);
    } finally {
      predictor.dispose();
      model.dispose();
    }
  });
});

describe('exportOnnx graph', () => {
  it('declares a dynamic batch, height and width, opset 13, and carries metadata', () => {
    const model = buildUNet('nuclei-small', { seed: 1 });
    try {
      const proto = onnx.ModelProto.decode(exportOnnx(model, { metadata: { 'nuclei-model': '{"a":1}' } }));
      const dims = (v: onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
      expect(dims(proto.graph!.input![0])).toEqual(['batch', 3, 'height', 'width']);
      expect(dims(proto.graph!.output![0])).toEqual(['batch', 2, 'height', 'width']);
      expect(Number(proto.opsetImport[0].version)).toBe(13);
      expect(proto.metadataProps).toEqual([expect.objectContaining({ key: 'nuclei-model', value: '{"a":1}' })]);
      // Every weight once: the parameters in the initializers equal the model's.
      const params = proto
        .graph!.initializer!.filter((t) => !String(t.name).endsWith('.scale') || t.dims!.length)
        .reduce((a, t) => a + t.dims!.reduce((x, y) => x * Number(y), 1), 0);
      expect(params).toBe(model.countParams());
      expect(proto.graph!.node!.map((n) => n.opType)).not.toContain('Dropout');
    } finally {
      model.dispose();
    }
  });

  it('names the layer it cannot convert', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const out = tf.layers.averagePooling2d({ poolSize: 2, name: 'avg' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    expect(() => exportOnnx(model)).toThrow('layer avg (AveragePooling2D) has no ONNX conversion');
    model.dispose();
  });

  it('permute transposes row-major tensors', () => {
    const t = { data: Float32Array.from([0, 1, 2, 3, 4, 5]), shape: [2, 3] };
    expect(permute(t, [1, 0])).toEqual({ data: Float32Array.from([0, 3, 1, 4, 2, 5]), shape: [3, 2] });
  });
});
