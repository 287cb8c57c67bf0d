import { mkdtemp, readFile, rm } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import sharp from 'sharp';
import { rleDecode } from '@nuclei/data';
import { describeNuclei, nucleusRle, writeSegmentationOutputs } from './outputs';
import type { SegmentResult } from './segment';
import { drawEllipse, imageFromLabels } from './test-utils/shapes';

function fakeResult(labels: Int32Array, width: number, height: number, count: number): SegmentResult {
  const mask = Uint8Array.from(labels, (v) => (v > 0 ? 1 : 0));
  const areas = describeNuclei(labels, width, height, count).map((n) => n.area);
  return {
    width,
    height,
    labels,
    count,
    mask,
    areas,
    probability: Float32Array.from(mask),
    meanArea: areas.reduce((a, b) => a + b, 0) / count,
    mode: 'tile',
    tiles: 4,
    threshold: 0.5,
    split: 'watershed',
  };
}

describe('describeNuclei', () => {
  it('gives area, centroid (pixel centres) and bounding box', () => {
    // 4x3 image: label 1 is the 2x2 block top-left, label 2 is one pixel bottom-right.
    const labels = Int32Array.from([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 2]);
    expect(describeNuclei(labels, 4, 3, 2)).toEqual([
      { label: 1, area: 4, centroid: [1, 1], bbox: { x: 0, y: 0, width: 2, height: 2 } },
      { label: 2, area: 1, centroid: [3.5, 2.5], bbox: { x: 3, y: 2, width: 1, height: 1 } },
    ]);
  });
});

describe('nucleusRle', () => {
  it('gives the Kaggle code (column-major, 1-based) computed from the bounding box', () => {
    // 3 wide x 4 high; label 1 fills rows 2-3 of columns 1-2: pixels 6,7 (col 1) and 10,11 (col 2).
    const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1]);
    const [n] = describeNuclei(labels, 3, 4, 1);
    expect(nucleusRle(labels, 3, 4, n)).toBe('7 2 11 2');
  });

  it('does not join runs of adjacent columns when a nucleus spans its box top to bottom', () => {
    const labels = Int32Array.from([1, 1, 1, 1]); // 2x2, full
    const [n] = describeNuclei(labels, 2, 2, 1);
    // In the full image the two columns are contiguous (1 4); the crop equals the image here.
    expect(rleDecode(nucleusRle(labels, 2, 2, n), 2, 2)).toEqual(Uint8Array.from([1, 1, 1, 1]));
    const tall = new Int32Array(3 * 5); // 3x5 with a 2x3 nucleus in the middle rows
    for (const [x, y] of [
      [1, 1],
      [2, 1],
      [1, 2],
      [2, 2],
      [1, 3],
      [2, 3],
    ])
      tall[y * 3 + x] = 1;
    const [m] = describeNuclei(tall, 3, 5, 1);
    expect(nucleusRle(tall, 3, 5, m)).toBe('7 3 12 3');
  });
});

describe('writeSegmentationOutputs', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'nuclei-out-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const W = 80;
  const H = 60;
  const labels = new Int32Array(W * H);
  drawEllipse(labels, W, 20, 20, 10, 8, 1);
  drawEllipse(labels, W, 38, 22, 9, 9, 2); // touching 1
  drawEllipse(labels, W, 60, 45, 6, 4, 3);
  const image = imageFromLabels(labels, W, H);
  const result = fakeResult(labels, W, H, 3);

  it('writes mask, 16-bit labels, overlay, summary and CSV that read back exactly', async () => {
    const p = await writeSegmentationOutputs(result, image, join(dir, 'sub'), 'img1', { imagePath: '/data/img1.png', model: { preset: 'seed' } });
    expect(p.mask).toBe(join(dir, 'sub', 'img1_mask.png'));

    expect(await sharp(p.mask!).metadata()).toMatchObject({ width: W, height: H, channels: 1, depth: 'uchar' });
    const mask = await sharp(p.mask!).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(mask.data)).toEqual(Array.from(labels, (v) => (v ? 255 : 0)));

    expect((await sharp(p.labels!).metadata()).depth).toBe('ushort');
    const lab = await sharp(p.labels!).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    expect(Array.from(new Uint16Array(lab.buffer, lab.byteOffset, lab.length / 2))).toEqual(Array.from(labels));

    const ov = await sharp(p.overlay!).raw().toBuffer({ resolveWithObject: true });
    expect(ov.info).toMatchObject({ width: W, height: H, channels: 3 });
    expect(Buffer.compare(ov.data, Buffer.from(image.data))).not.toBe(0);
    expect(ov.data[0]).toBe(image.data[0]); // background untouched

    const summary = JSON.parse(await readFile(p.summary!, 'utf8'));
    expect(summary).toMatchObject({ image: '/data/img1.png', width: W, height: H, count: 3, threshold: 0.5, mode: 'tile', model: { preset: 'seed' } });
    expect(summary.nuclei).toHaveLength(3);
    expect(summary.nuclei[2]).toMatchObject({ label: 3, bbox: { x: 54, width: 12 } });

    const rows = (await readFile(p.csv!, 'utf8')).trimEnd().split('\n');
    expect(rows[0]).toBe('ImageId,EncodedPixels');
    expect(rows).toHaveLength(4);
    rows.slice(1).forEach((row, k) => {
      const [id, rle] = row.split(',');
      expect(id).toBe('img1');
      expect(Array.from(rleDecode(rle, W, H))).toEqual(Array.from(labels, (v) => (v === k + 1 ? 1 : 0)));
    });
  });

  it('refuses more than 65535 labels and a mismatched image', async () => {
    await expect(writeSegmentationOutputs({ ...result, count: 70000 }, image, dir, 'x')).rejects.toThrow(/70000 nuclei do not fit a 16-bit/);
    await expect(writeSegmentationOutputs(result, { ...image, width: 10 }, dir, 'x')).rejects.toThrow(/image is 10x60, result is 80x60/);
  });
});
