import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { buildUNet, loadModel, resolveConfig, saveModel, DEFAULT_PREPROCESSING } from '@nuclei/model';
import sharp from 'sharp';
import { generateSyntheticSample } from '@nuclei/data';
import { selectEngine } from '../engine';
import { bioimageioFiles, sanitiseName } from './package';
import { npyFloat32, readNpyFloat32 } from './npy';
import { scaleRange, percentile } from './scale-range';
import { toYaml } from './yaml';

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'bioimageio-model-0.5.7.schema.json'), 'utf8'));

/** A synthetic fluorescence image, as the CLI passes it, with PNGs of it for the sample and the cover. */
async function sample() {
  const { image } = generateSyntheticSample({ width: 256, height: 256, seed: 2018, style: 'fluorescent' });
  const png = new Uint8Array(
    await sharp(Buffer.from(image.data), { raw: { width: 256, height: 256, channels: 3 } })
      .png()
      .toBuffer(),
  );
  return { sample: image, samplePng: png, cover: png };
}

describe('bioimage.io package', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-bioimageio-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it.each([
    ['nuclei-small (2 outputs, RGB, percentiles)', 'nuclei-small', true],
    ['seed-like (1 output, 8-bit input, no preprocessing)', 'small', false],
  ] as const)(
    '%s: rdf.yaml passes the 0.5 schema, names files that exist with their sha256, and its test output is reproducible',
    async (_, preset, normalised) => {
      const config = resolveConfig({ ...resolveConfig(preset), inputSize: 64, depth: 3, encoderDropout: [0, 0, 0], decoderDropout: [0, 0] });
      const dir = path.join(root, preset);
      const built = buildUNet(config, { seed: 4 });
      await saveModel(built, dir, { preset: 'custom', config, ...(normalised ? { preprocessing: DEFAULT_PREPROCESSING } : {}) });
      built.dispose();
      const { model, metadata } = await loadModel(dir, { compile: false });
      const { predictor } = await selectEngine(model, 'onnx', { threads: 1 });
      try {
        const files = await bioimageioFiles({ dir, model, metadata, predictor, tfjsVersion: tf.version.tfjs, ...(await sample()) });
        const rdf = parse(new TextDecoder().decode(files.get('rdf.yaml')));
        const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
        const valid = ajv.validate(schema, rdf);
        expect(ajv.errors ?? []).toEqual([]);
        expect(valid).toBe(true);
        // Checks the schema leaves to the Python validator.
        expect(rdf.name).toMatch(/^[A-Za-z0-9_+\- ()]{5,128}$/);
        expect(rdf.documentation).toMatch(/\.md$/);
        const halo = rdf.outputs[0].axes[2].halo;
        expect(rdf.inputs[0].axes[2].size.min - 2 * halo).toBeGreaterThanOrEqual(1);
        const named = [rdf.inputs[0].test_tensor, rdf.inputs[0].sample_tensor, rdf.outputs[0].test_tensor, rdf.weights.onnx, rdf.weights.tensorflow_js];
        for (const f of named) {
          expect(files.has(f.source)).toBe(true);
          expect(createHash('sha256').update(files.get(f.source)!).digest('hex')).toBe(f.sha256);
        }
        expect(files.has(rdf.covers[0])).toBe(true);
        expect(rdf.inputs[0].preprocessing?.[0]?.id).toBe(normalised ? 'scale_range' : undefined);

        // What a validator does: the described preprocessing on test_input, the ONNX weights, compare.
        const input = readNpyFloat32(files.get('test_input.npy')!);
        const expected = readNpyFloat32(files.get('test_output.npy')!);
        const [, c, h, w] = input.shape;
        expect(expected.shape).toEqual([1, rdf.outputs[0].axes[1].channel_names.length, h, w]);
        expect(input.data.some((v) => Math.abs(v) > 1e-4)).toBe(true);
        const pre = normalised ? scaleRange(input.data, c, 1, 99.8) : input.data;
        const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
        const session = await ort.InferenceSession.create(files.get('weights.onnx')!);
        const out = (await session.run({ input: new ort.Tensor('float32', pre, input.shape) })).output.data as Float32Array;
        await session.release();
        let mismatched = 0;
        for (let i = 0; i < out.length; i++) if (Math.abs(out[i] - expected.data[i]) > 1e-3 + 1e-3 * Math.abs(expected.data[i])) mismatched++;
        expect(mismatched).toBe(0);
      } finally {
        predictor.dispose();
        model.dispose();
      }
    },
    120_000,
  );
});

describe('npy', () => {
  it('writes NumPy 1.0 headers padded to 64 bytes and reads them back', () => {
    const bytes = npyFloat32(Float32Array.from([1, -2.5, 3]), [1, 3]);
    const len = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + len) % 64).toBe(0);
    expect(String.fromCharCode(...bytes.subarray(10, 10 + len))).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(1, 3\), \} *\n$/);
    expect(readNpyFloat32(bytes)).toEqual({ shape: [1, 3], data: Float32Array.from([1, -2.5, 3]) });
    expect(String.fromCharCode(...npyFloat32(new Float32Array(2), [2]).subarray(10, 90))).toContain("'shape': (2,)");
    expect(() => npyFloat32(new Float32Array(2), [3])).toThrow('holds 3 values, got 2');
  });
});

describe('scale_range and names', () => {
  it("percentiles interpolate linearly, as NumPy's default", () => {
    const v = Float32Array.from([0, 10, 20, 30, 40]);
    expect(percentile(v, 50)).toBe(20);
    expect(percentile(v, 10)).toBeCloseTo(4);
    expect(percentile(v, 99.8)).toBeCloseTo(39.92);
    const out = scaleRange(Float32Array.from([0, 10, 20, 30, 40, 5, 5, 5, 5, 5]), 2, 0, 100);
    expect(out[4]).toBeCloseTo(1, 5);
    expect(out[5]).toBe(0); // a flat channel stays 0 (eps, no division by zero)
  });

  it('quotes every string in YAML', () => {
    expect(toYaml({ a: '0123', b: [{ c: 1, d: 'no' }], e: [] })).toBe('a: "0123"\nb:\n  - c: 1\n    d: "no"\ne: []');
  });

  it('keeps bioimage.io names to their characters and length', () => {
    expect(sanitiseName('nuclei/U-Net: v2!')).toBe('nuclei U-Net v2');
    expect(sanitiseName('ab')).toBe('ab model');
  });
});
