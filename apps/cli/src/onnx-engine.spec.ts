import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { generateSyntheticSample } from '@nuclei/data';
import { loadModel } from '@nuclei/model';
import { selectEngine } from '@nuclei/onnx';
import { segment, segmentOptionsForModel } from '@nuclei/segmentation';
import { activateEngine } from './commands/engine';

// The bundled model through ONNX Runtime and through TF.js: the same nuclei.
const DEFAULT_MODEL = path.join(__dirname, '../../../models/default');
// Whether ONNX Runtime's CUDA provider was installed (ONNXRUNTIME_NODE_INSTALL=cuda12): not here, nor in CI.
const ORT_BIN = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin');
const cudaInstalled = fs.existsSync(ORT_BIN) && (fs.readdirSync(ORT_BIN, { recursive: true }) as string[]).some((f) => /providers_cuda/.test(f));

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

(fs.existsSync(DEFAULT_MODEL) ? describe : describe.skip)('the bundled model on both engines', () => {
  it.each([
    ['fluorescent', 150, 120],
    ['brightfield', 100, 140],
  ] as const)(
    '%s %ix%i: same count, pixel IoU >= 0.999',
    async (style, width, height) => {
      const { model, metadata } = await loadModel(DEFAULT_MODEL, { compile: false });
      const onnx = await selectEngine(model, 'onnx', { threads: 1 });
      const tfjs = await selectEngine(model, 'tfjs');
      try {
        expect(onnx.predictor.engine).toBe('onnx');
        const { image } = generateSyntheticSample({ width, height, seed: 9, style });
        const options = segmentOptionsForModel(metadata);
        const a = await segment(image, onnx.predictor, options);
        const b = await segment(image, tfjs.predictor, options);
        expect(a.count).toBeGreaterThan(1);
        expect(a.count).toBe(b.count);
        let inter = 0;
        let union = 0;
        for (let i = 0; i < a.labels.length; i++) {
          const fa = a.labels[i] > 0;
          const fb = b.labels[i] > 0;
          if (fa && fb) inter++;
          if (fa || fb) union++;
        }
        expect(inter / union).toBeGreaterThanOrEqual(0.999);
        let worst = 0;
        for (let i = 0; i < a.probability.length; i++) worst = Math.max(worst, Math.abs(a.probability[i] - b.probability[i]));
        expect(worst).toBeLessThan(1e-4);
      } finally {
        onnx.predictor.dispose();
        tfjs.predictor.dispose();
        model.dispose();
      }
    },
    120_000,
  );

  (cudaInstalled ? it.skip : it)("--device cuda without CUDA's libraries predicts with ONNX Runtime on the CPU, not TF.js, and says so", async () => {
    const { model } = await loadModel(DEFAULT_MODEL, { compile: false });
    const said: string[] = [];
    const spies = (['log', 'warn'] as const).map((k) => jest.spyOn(console, k).mockImplementation((...a) => void said.push(a.join(' '))));
    try {
      const predictor = await activateEngine(model, { engine: 'auto', device: 'cuda' });
      expect([predictor.engine, predictor.description]).toEqual(['onnx', expect.stringMatching(/ cpu/)]);
      expect(said).toEqual([expect.stringMatching(/^warning: --device cuda: .*; predicting on the CPU$/), expect.stringMatching(/^engine: onnx /)]);
      predictor.dispose();
    } finally {
      spies.forEach((s) => s.mockRestore());
      model.dispose();
    }
  });

  it("'auto' falls back to TF.js with the reason when the model cannot be exported", async () => {
    const input = tf.input({ shape: [16, 16, 3] });
    const pooled = tf.layers.averagePooling2d({ poolSize: 1, name: 'avg' }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.conv2d({ filters: 1, kernelSize: 1 }).apply(pooled) as tf.SymbolicTensor;
    const odd = tf.model({ inputs: input, outputs: out });
    const sel = await selectEngine(odd, 'auto');
    expect(sel.predictor.engine).toBe('tfjs');
    expect(sel.fallback).toMatch(/avg \(AveragePooling2D\) has no ONNX conversion/);
    await expect(selectEngine(odd, 'onnx')).rejects.toThrow(/no ONNX conversion/);
    sel.predictor.dispose();
    odd.dispose();
  });
});
