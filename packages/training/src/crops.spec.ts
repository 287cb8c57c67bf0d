import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { createRng, touchingBorders, type FullSizeSample } from '@nuclei/data';
import { compileUNet, DEFAULT_PREPROCESSING, resolveConfig } from '@nuclei/model';
import { checkpoint } from './callbacks/checkpoint';
import { CropSampler, cropBatches, DEFAULT_CROP_OPTIONS, type CropOptions } from './crops';
import { resumeTraining } from './resume';
import { useCpu } from './test-utils/backend';
import { train, type CropData } from './train';

beforeAll(useCpu);

/** A full-size image whose brightness is its labels: bright discs (some touching) on dark. */
function discs(w: number, h: number, seed: number): FullSizeSample {
  const rng = createRng(seed);
  const labels = new Int32Array(w * h);
  for (let k = 0; k < 12; k++) {
    const r = 3 + rng() * 5;
    const cx = rng() * w;
    const cy = rng() * h;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r && !labels[y * w + x]) labels[y * w + x] = k + 1;
  }
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.fill(labels[i] ? 200 : 20, 3 * i, 3 * i + 3);
  return { id: `discs${seed}`, image: { width: w, height: h, data }, labels };
}

const OPTIONS: CropOptions = { ...DEFAULT_CROP_OPTIONS, preprocessing: DEFAULT_PREPROCESSING, outputs: 2 };

describe('CropSampler', () => {
  it('keeps image and targets aligned through scale, flips, rotations and intensity jitter', () => {
    const sampler = new CropSampler([discs(90, 70, 1)], 32, OPTIONS);
    const rng = createRng(5);
    const scales: number[] = [];
    for (let t = 0; t < 40; t++) {
      const x = new Float32Array(32 * 32 * 3);
      const y = new Float32Array(32 * 32 * 2);
      const d = sampler.cropInto(0, rng, true, x, 0, y, 0);
      scales.push(d.scale);
      let agree = 0;
      let n = 0;
      for (let p = 0; p < 32 * 32; p++) {
        const v = (x[3 * p] - d.offset) / d.gain; // undo the jitter: back to the normalised 0..1
        if (v < 0.25 || v > 0.75) {
          // Clear pixels (not on an interpolated edge) must agree with the mask exactly.
          n++;
          if ((v > 0.5 ? 1 : 0) === y[2 * p]) agree++;
        }
        expect(y[2 * p + 1] <= y[2 * p]).toBe(true); // borders lie inside the mask
      }
      expect(agree / n).toBe(1);
    }
    expect(Math.min(...scales)).toBeLessThan(0.8);
    expect(Math.max(...scales)).toBeGreaterThan(1.4);
    expect(Math.min(...scales)).toBeGreaterThanOrEqual(OPTIONS.scale[0]);
    expect(Math.max(...scales)).toBeLessThanOrEqual(OPTIONS.scale[1]);
  });

  it('cuts exact targets: an unaugmented crop holds the full-resolution mask and borders of its window', () => {
    const s = discs(64, 48, 2);
    const sampler = new CropSampler([s], 16, OPTIONS);
    const x = new Float32Array(16 * 16 * 3);
    const y = new Float32Array(16 * 16 * 2);
    const d = sampler.cropInto(0, createRng(9), false, x, 0, y, 0);
    expect(d.scale).toBe(1);
    const borders = touchingBorders(s.labels, 64, 48, 2);
    for (let oy = 0; oy < 16; oy++) {
      for (let ox = 0; ox < 16; ox++) {
        const sx = Math.round(d.x0 + ox);
        const sy = Math.round(d.y0 + oy);
        expect(y[(oy * 16 + ox) * 2]).toBe(s.labels[sy * 64 + sx] ? 1 : 0);
        expect(y[(oy * 16 + ox) * 2 + 1]).toBe(borders[sy * 64 + sx]);
      }
    }
  });

  it('pads a window larger than the image with background (0 in image and targets)', () => {
    const sampler = new CropSampler([discs(20, 20, 3)], 32, OPTIONS);
    const x = new Float32Array(32 * 32 * 3);
    const y = new Float32Array(32 * 32 * 2);
    sampler.cropInto(0, createRng(1), false, x, 0, y, 0);
    expect(x[0]).toBe(0);
    expect(y[0]).toBe(0);
  });
});

/** A tiny fully convolutional net with a mask and a border output, compiled like the nuclei preset. */
function tinyTwoOutput(seed = 3): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3] });
  const h = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    .apply(input) as tf.SymbolicTensor;
  const out = tf.layers
    .conv2d({ filters: 2, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) })
    .apply(h) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out });
  compileUNet(m, 0.01, 'bceDice');
  return m;
}

const cropData = (): CropData => ({
  kind: 'crops',
  samples: [1, 2, 3, 4, 5].map((s) => discs(40, 36, s)),
  size: 16,
  crops: { ...OPTIONS, cropsPerImage: 2, valCropsPerImage: 2 },
});
const common = { batchSize: 4, validationSplit: 0.2, seed: 7, epochs: 3 };

/** The same discs as dark nuclei on a light background (what `imageKind` calls bright-field). */
function lightDiscs(w: number, h: number, seed: number): FullSizeSample {
  const s = discs(w, h, seed);
  return { ...s, id: `light${seed}`, image: { ...s.image, data: s.image.data.map((v) => 255 - v) } };
}

describe('kind balance', () => {
  const samples = [...Array.from({ length: 8 }, (_, i) => discs(80, 80, i)), lightDiscs(80, 80, 8), lightDiscs(80, 80, 9)];
  const sampler = new CropSampler(samples, 16, OPTIONS);
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

  it('tells the kinds apart', () => {
    expect(sampler.kindCounts()).toEqual({ fluorescence: 8, brightfield: 2 });
  });

  it('keeps every image alike at 0, gives every kind the same share at 1, and keeps the total', () => {
    expect(sampler.cropCounts(4, 0, 1)).toEqual(new Array(10).fill(4));
    const even = sampler.cropCounts(4, 1, 1);
    expect(sum(even)).toBe(40);
    expect(sum(even.slice(8))).toBe(20);
    expect(even.slice(8)).toEqual([10, 10]);
    for (const c of even.slice(0, 8)) expect([2, 3]).toContain(c);
    // 0.5: kind totals in proportion to the square root of their share (0.8 : 0.2 -> 27 : 13).
    const sqrt = sampler.cropCounts(4, 0.5, 1);
    expect(sum(sqrt)).toBe(40);
    expect(sum(sqrt.slice(8))).toBe(13);
  });

  it('spreads the remainder by seed, with the same totals for every seed', () => {
    const a = sampler.cropCounts(4, 1, 1);
    const b = sampler.cropCounts(4, 1, 2);
    expect(sum(a)).toBe(sum(b));
    expect(sampler.cropCounts(4, 1, 1)).toEqual(a);
    expect([1, 2, 3, 4, 5].some((seed) => sampler.cropCounts(4, 1, seed).join() !== a.join())).toBe(true);
  });

  it('draws each image as often as its count in an epoch', () => {
    const counts = sampler.cropCounts(2, 1, 3);
    let crops = 0;
    for (const { x, y } of cropBatches(sampler, 7, { shuffleSeed: 1, seed: 2, augment: false, perImage: 2, counts })) {
      crops += x.shape[0];
      tf.dispose([x, y]);
    }
    expect(crops).toBe(sum(counts));
  });

  it('refuses a balance outside 0..1', () => {
    expect(() => new CropSampler(samples, 16, { ...OPTIONS, kindBalance: 1.5 })).toThrow(/between 0 and 1/);
  });
});

describe('training on crops', () => {
  it('lowers the loss, repeats exactly with the same seed, and leaves no tensors behind per epoch', async () => {
    const counts: number[] = [];
    const a = tinyTwoOutput();
    const ra = await train(a, cropData(), { ...common, callbacks: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }] });
    const b = tinyTwoOutput();
    const rb = await train(b, cropData(), common);
    a.dispose();
    b.dispose();
    expect(ra.history.map((h) => h.loss)).toEqual(rb.history.map((h) => h.loss));
    expect(ra.history.map((h) => h.val_loss)).toEqual(rb.history.map((h) => h.val_loss));
    expect(ra.history[2].loss).toBeLessThan(ra.history[0].loss);
    expect(new Set(counts).size).toBe(1);
    // 4 training images x 2 crops = 8 crops = 2 batches per epoch.
    expect(ra.history[0].val_iou).toBeGreaterThanOrEqual(0);
  });

  it('resumes with the crop options it was started with', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-crops-'));
    try {
      const straightModel = tinyTwoOutput();
      const straight = await train(straightModel, cropData(), common);
      straightModel.dispose();
      const config = resolveConfig({
        inputSize: 16,
        depth: 1,
        baseFilters: 4,
        outputChannels: 2,
        inputScale: 1,
        loss: 'bceDice',
        encoderDropout: [0],
        decoderDropout: [],
      });
      const first = tinyTwoOutput();
      await train(first, cropData(), { ...common, epochs: 2, callbacks: [checkpoint(out, { metadata: { config, preprocessing: DEFAULT_PREPROCESSING } })] });
      first.dispose();
      // Other crop options now: the stored ones must win.
      const changed = { ...cropData(), crops: { ...cropData().crops, cropsPerImage: 5 } };
      const resumed = await resumeTraining(out, changed, { epochs: 3 });
      resumed.model.dispose();
      expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
      expect(resumed.history[2].loss).toBeCloseTo(straight.history[2].loss, 5);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
