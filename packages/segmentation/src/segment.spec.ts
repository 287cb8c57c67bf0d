import * as tf from '@tensorflow/tfjs';
import { NucleiInputError } from '@nuclei/data';
import { segment } from './segment';
import { flipTiles, toModelInput } from './predict';
import { DEFAULT_PREPROCESSING } from '@nuclei/model';
import { brightnessModel, brightnessProbability, normalisedTwoOutputModel } from './test-utils/models';
import { drawEllipse, imageFromLabels } from './test-utils/shapes';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 150x100 scene: two touching discs and one lone ellipse. */
function scene(w = 150, h = 100) {
  const truth = new Int32Array(w * h);
  drawEllipse(truth, w, 40, 50, 14, 14, 1);
  drawEllipse(truth, w, 65, 50, 14, 14, 2);
  drawEllipse(truth, w, 115, 30, 16, 8, 3, 0.5);
  return { truth, image: imageFromLabels(truth, w, h) };
}

describe('segment (tile mode)', () => {
  const model = brightnessModel(64);
  afterAll(() => model.dispose());

  it('matches per-pixel prediction exactly across tiles and overlaps, and splits touching nuclei', async () => {
    const { image, truth } = scene();
    const progress: [number, number][] = [];
    const r = await segment(image, model, { batchSize: 3, onProgress: (d, t) => progress.push([d, t]) });
    // 150 wide: ceil((150-64)/48)+1 = 3 columns; 100 high: 2 rows.
    expect(r.tiles).toBe(6);
    expect(progress).toEqual([
      [3, 6],
      [6, 6],
    ]);
    let worst = 0;
    for (let i = 0; i < r.width * r.height; i++) {
      const d = image.data;
      worst = Math.max(worst, Math.abs(r.probability[i] - brightnessProbability(d[i * 3], d[i * 3 + 1], d[i * 3 + 2])));
    }
    expect(worst).toBeLessThan(1e-4);
    expect(Array.from(r.mask)).toEqual(Array.from(truth, (v) => (v > 0 ? 1 : 0)));
    expect(r).toMatchObject({ width: 150, height: 100, count: 3, mode: 'tile', split: 'watershed', threshold: 0.5 });
    expect(r.areas).toHaveLength(3);
    expect(r.meanArea).toBeCloseTo(r.areas.reduce((a, b) => a + b) / 3);
  });

  it('labels touching nuclei as one with split: components', async () => {
    const r = await segment(scene().image, model, { split: 'components' });
    expect(r.count).toBe(2);
  });

  it('reflect-pads an image smaller than a tile and returns its own size', async () => {
    const { image, truth } = scene(40, 30);
    const r = await segment(image, model);
    expect(r.tiles).toBe(1);
    expect(r.probability).toHaveLength(40 * 30);
    expect(Array.from(r.mask)).toEqual(Array.from(truth, (v) => (v > 0 ? 1 : 0)));
  });

  it('gives the same answer whatever the batch size and overlap', async () => {
    const { image } = scene();
    const a = await segment(image, model, { batchSize: 1, overlap: 8 });
    const b = await segment(image, model, { batchSize: 8, overlap: 0.5 });
    expect(b.tiles).toBeGreaterThan(a.tiles);
    for (let i = 0; i < a.probability.length; i += 37) expect(a.probability[i]).toBeCloseTo(b.probability[i], 4);
  });

  it('runs a copy of the model at a larger tileSize with the same result and fewer tiles', async () => {
    const { image } = scene();
    const a = await segment(image, model);
    const b = await segment(image, model, { tileSize: 160 });
    expect(b.tiles).toBe(1);
    expect(a.tiles).toBe(6);
    for (let i = 0; i < a.probability.length; i += 13) expect(b.probability[i]).toBeCloseTo(a.probability[i], 4);
    await expect(segment(image, model, { tileSize: 0.5 })).rejects.toThrow(/tileSize must be a positive integer/);
  });

  it('predicts on a scaled copy and maps the probability back to full size', async () => {
    const { image, truth } = scene();
    const r = await segment(image, model, { scale: 0.5 });
    // 75x50 at half scale fits in 2 columns x 1 row of 64-px tiles.
    expect(r.tiles).toBe(2);
    expect(r.probability).toHaveLength(150 * 100);
    // A per-pixel model: the mask at half scale and back still covers the nuclei, edges aside.
    let agree = 0;
    for (let i = 0; i < truth.length; i++) agree += (truth[i] > 0 ? 1 : 0) === r.mask[i] ? 1 : 0;
    expect(agree / truth.length).toBeGreaterThan(0.97);
    expect(r.count).toBe(3);
    await expect(segment(image, model, { scale: 0 })).rejects.toThrow(/scale must be in/);
  });

  it('with tta averages mirrored predictions mapped back to place (a per-pixel model gives the same answer)', async () => {
    const { image } = scene();
    const plain = await segment(image, model);
    const tta = await segment(image, model, { tta: true });
    // The scene is not symmetric, so a flip left un-mirrored would move nuclei and change this.
    let worst = 0;
    for (let i = 0; i < plain.probability.length; i++) worst = Math.max(worst, Math.abs(plain.probability[i] - tta.probability[i]));
    expect(worst).toBeLessThan(1e-5);
    expect(tta.count).toBe(plain.count);
  });

  it('stops between tile batches when its signal is aborted, leaving no tensors', async () => {
    const { image } = scene();
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const batches: number[] = [];
    const run = segment(image, model, {
      batchSize: 1,
      signal: controller.signal,
      onProgress: (d) => {
        batches.push(d);
        if (d === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(batches).toEqual([1, 2]); // 6 tiles, stopped after the second
    expect(tf.memory().numTensors).toBe(before);
    const aborted = AbortSignal.abort();
    await expect(segment(image, model, { signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await segment(scene().image, model);
    await segment(scene().image, model, { tileSize: 96 });
    await segment(scene().image, model, { mode: 'resize' });
    await segment(scene().image, model, { scale: 0.5 });
    await segment(scene().image, model, { tta: true });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('segment (resize mode)', () => {
  it('squeezes to the model size and stretches the probability back', async () => {
    const model = brightnessModel(64);
    const { image } = scene(128, 128);
    const r = await segment(image, model, { mode: 'resize' });
    model.dispose();
    expect(r).toMatchObject({ width: 128, height: 128, mode: 'resize', tiles: 1 });
    expect(r.probability).toHaveLength(128 * 128);
    // At half resolution the discs survive: still two blobs/three nuclei roughly where they were.
    expect(r.count).toBeGreaterThanOrEqual(2);
  });
});

describe('segment input checks', () => {
  const model = brightnessModel(32);
  afterAll(() => model.dispose());

  it('refuses an empty image, naming the source', async () => {
    const err = await segment({ width: 0, height: 10, data: new Uint8Array(0) }, model, { source: 'empty.png' }).catch((e) => e);
    expect(err).toBeInstanceOf(NucleiInputError);
    expect(err.message).toMatch(/empty\.png: image is empty \(0x10/);
  });

  it('refuses a huge image before allocating anything', async () => {
    const huge = { width: 20000, height: 20000, data: new Uint8Array(3) };
    const err = await segment(huge, model, { source: 'big.tif' }).catch((e) => e);
    expect(err).toBeInstanceOf(NucleiInputError);
    expect(err.message).toMatch(/big\.tif: image is too large.*400\.0 megapixels, limit 100\.0/);
  });

  it('refuses inconsistent image data and unsupported models', async () => {
    await expect(segment({ width: 2, height: 2, data: new Uint8Array(5) }, model)).rejects.toThrow(/<image>: image data has 5 bytes/);
    const flexible = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [null, null, 3] as never, filters: 1, kernelSize: 1 })] });
    await expect(segment(scene().image, flexible)).rejects.toThrow(/fixed size/);
    flexible.dispose();
  });

  it('rejects an overlap as large as the tile and an unknown mode', async () => {
    await expect(segment(scene().image, model, { overlap: 32 })).rejects.toThrow(/overlap must be below the tile size 32/);
    await expect(segment(scene().image, model, { mode: 'zoom' as never })).rejects.toThrow(/unknown mode "zoom"/);
  });
});

describe('flipTiles', () => {
  it('mirrors each tile on its own, per channel, and twice is the identity', () => {
    // Two 2x2 tiles, 1 channel: [1 2; 3 4] and [5 6; 7 8].
    const src = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(flipTiles(src, 2, 2, 1, true, false))).toEqual([2, 1, 4, 3, 6, 5, 8, 7]);
    expect(Array.from(flipTiles(src, 2, 2, 1, false, true))).toEqual([3, 4, 1, 2, 7, 8, 5, 6]);
    expect(Array.from(flipTiles(src, 2, 2, 1, true, true))).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
    const rgb = Float32Array.from({ length: 3 * 3 * 3 }, (_, i) => i);
    expect(Array.from(flipTiles(flipTiles(rgb, 1, 3, 3, true, true), 1, 3, 3, true, true))).toEqual(Array.from(rgb));
    expect(Array.from(flipTiles(rgb, 1, 3, 3, true, false).subarray(0, 3))).toEqual([6, 7, 8]); // pixel (0,0) <- (2,0), channels kept together
  });
});

describe('segment with a normalised two-output model', () => {
  const model = normalisedTwoOutputModel(32);
  afterAll(() => model.dispose());
  const p = { ...DEFAULT_PREPROCESSING, low: 0, high: 100 };

  it('splits by markers by default and returns the border plane', async () => {
    const { image } = scene();
    const r = await segment(image, model, { preprocessing: p });
    expect(r.split).toBe('markers');
    expect(r.border).toHaveLength(150 * 100);
    expect(r.count).toBeGreaterThanOrEqual(2);
  });

  it('segments a light-background image (auto-inverted) as its dark twin', async () => {
    const { image } = scene();
    const light = { ...image, data: image.data.map((v) => 255 - v) };
    const dark = await segment(image, model, { preprocessing: p, split: 'components' });
    const inverted = await segment(light, model, { preprocessing: p, split: 'components' });
    let worst = 0;
    for (let i = 0; i < dark.probability.length; i++) worst = Math.max(worst, Math.abs(dark.probability[i] - inverted.probability[i]));
    expect(worst).toBeLessThan(1e-4);
    expect(inverted.count).toBe(dark.count);
    // Without the model's normalisation the light image would be all foreground.
    const raw = await segment(light, brightnessModel(32), { split: 'components' });
    expect(raw.count).toBeLessThan(dark.count);
  });

  it('normalises once per image: tiles, scale and TTA keep one normalisation', async () => {
    const { image } = scene();
    const a = await segment(image, model, { preprocessing: p, tta: true });
    const b = await segment(image, model, { preprocessing: p, tileSize: 64 });
    let worst = 0;
    for (let i = 0; i < a.probability.length; i++) worst = Math.max(worst, Math.abs(a.probability[i] - b.probability[i]));
    expect(worst).toBeLessThan(1e-4);
  });

  it('refuses the marker split for a mask-only model', async () => {
    await expect(segment(scene().image, brightnessModel(32), { split: 'markers' })).rejects.toThrow(/touching-border output/);
  });
});

describe('toModelInput', () => {
  it("normalises a 16-bit image's original values, not its 8-bit view", () => {
    const n = 64;
    const data = new Uint8Array(n * 3).fill(7); // a flat 8-bit view
    const values = Float32Array.from({ length: n }, (_, i) => 1000 + i * 10);
    const p = { ...DEFAULT_PREPROCESSING, channels: 'gray' as const, invert: 'never' as const, low: 0, high: 100 };
    const deep = toModelInput({ width: 8, height: 8, data, source: { channels: 1, data: values, depth: 'ushort' } }, p);
    expect(deep.data[0]).toBeCloseTo(0, 6);
    expect(deep.data[63]).toBeCloseTo(1, 6);
    expect(new Set(deep.data).size).toBe(64);
    const flat = toModelInput({ width: 8, height: 8, data }, p);
    expect(new Set(flat.data).size).toBe(1);
  });
});
