import { mkdir, mkdtemp, rm } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { evaluateModelOnDataset } from './evaluate-dataset';
import { brightnessModel } from './test-utils/models';
import { drawEllipse, imageFromLabels } from './test-utils/shapes';

async function writeSample(dir: string, id: string, w: number, h: number, visible: Int32Array, masks: Int32Array[]) {
  await mkdir(join(dir, id, 'images'), { recursive: true });
  await mkdir(join(dir, id, 'masks'), { recursive: true });
  const img = imageFromLabels(visible, w, h);
  await sharp(img.data, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(join(dir, id, 'images', `${id}.png`));
  for (let k = 0; k < masks.length; k++) {
    const m = Uint8Array.from(masks[k], (v) => (v ? 255 : 0));
    await sharp(m, { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(join(dir, id, 'masks', `m${k}.png`));
  }
}

describe('evaluateModelOnDataset', () => {
  let dir: string;
  const W = 150;
  const H = 90;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'nuclei-ds-'));
    // "good": two separate visible nuclei, at full size larger than the 64-px tile.
    const a = new Int32Array(W * H);
    const b = new Int32Array(W * H);
    drawEllipse(a, W, 40, 40, 15, 12, 1);
    drawEllipse(b, W, 110, 50, 12, 12, 1);
    const both = Int32Array.from(a, (v, i) => v || b[i]);
    await writeSample(dir, 'good', W, H, both, [a, b]);
    // "missed": the truth has a nucleus the image does not show: nothing predicted.
    await writeSample(dir, 'missed', W, H, new Int32Array(W * H), [a]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('scores each sample at full size against its own masks, with progress', async () => {
    const model = brightnessModel(64);
    const seen: string[] = [];
    const report = await evaluateModelOnDataset(dir, model, { onProgress: (d, t, row) => seen.push(`${d}/${t} ${row.id}`) });
    model.dispose();
    expect(seen).toEqual(['1/2 good', '2/2 missed']);
    expect(report.rows[0]).toMatchObject({ id: 'good', dsb: 1, iou: 1, predCount: 2, trueCount: 2 });
    expect(report.rows[1]).toMatchObject({ id: 'missed', dsb: 0, iou: 0, predCount: 0, trueCount: 1 });
    expect(report.mean.dsb).toBe(0.5);
  });

  it('evaluates only the requested ids', async () => {
    const model = brightnessModel(64);
    const report = await evaluateModelOnDataset(dir, model, { ids: ['missed'] });
    model.dispose();
    expect(report.rows.map((r) => r.id)).toEqual(['missed']);
  });
});
