import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { loadFullSizeDataset, loadSampleFullSize, loadDataset } from './dataset';
import { readLabelImage } from './decode';
import { listSampleIds } from './layout';

// The image + label-image layout users have from Cellpose (NAME_masks), napari and nuclei itself (NAME_labels).
describe('image + label-image pairs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-pairs-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const W = 6;
  const H = 4;
  // Ids 7 and 300 (16-bit, not consecutive): relabelled 1 and 2 in order of first appearance.
  const ids16 = Uint16Array.from({ length: W * H }, (_, i) => (i % W < 2 ? 300 : i % W > 3 ? 7 : 0));

  beforeAll(async () => {
    const rgb = Buffer.alloc(W * H * 3, 90);
    await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(path.join(dir, 'a.png'));
    await sharp(ids16, { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(path.join(dir, 'a_labels.png'));
    await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
      .tiff()
      .toFile(path.join(dir, 'b.tif'));
    await sharp(Buffer.from(Uint8Array.from({ length: W * H }, (_, i) => (i < 3 ? 5 : 0))), { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('b-w')
      .tiff({ compression: 'lzw' })
      .toFile(path.join(dir, 'b_masks.tif'));
    await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(path.join(dir, 'lonely.png'));
    // This tool's binary mask output is not a label image: not taken for one.
    await sharp(Buffer.alloc(W * H, 255), { raw: { width: W, height: H, channels: 1 } })
      .png()
      .toFile(path.join(dir, 'a_mask.png'));
  });

  it('lists the pairs, and says which images have no label image', () => {
    const ignored: string[] = [];
    expect(listSampleIds(dir, (p, why) => ignored.push(`${path.basename(p)}: ${why}`))).toEqual(['a', 'b']);
    expect(ignored).toEqual([expect.stringMatching(/^lonely\.png: no label image beside it/)]);
  });

  it('reads 16-bit and 8-bit label images with consecutive ids', async () => {
    const a = await loadSampleFullSize(dir, 'a');
    expect(a.image.width).toBe(W);
    expect(Array.from(a.labels.subarray(0, W))).toEqual([1, 1, 0, 0, 2, 2]);
    const l = await readLabelImage(path.join(dir, 'b_masks.tif'));
    expect(l.count).toBe(1);
    expect(Array.from(l.labels.subarray(0, 4))).toEqual([1, 1, 1, 0]);
  });

  it('loads the whole folder at full size for training (the nuclei recipe)', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const { samples } = await loadFullSizeDataset(dir);
      expect(samples.map((s) => s.id)).toEqual(['a', 'b']);
      // The seed recipe reads the DSB layout only, and says so.
      await expect(loadDataset(dir, { size: 8, cacheDir: false })).rejects.toThrow(
        /image \+ label-image pairs: the seed recipe reads only the Data Science Bowl layout/,
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses label images of another size or with colour, naming the file', async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-pairs-bad-'));
    try {
      await sharp(Buffer.alloc(W * H * 3, 9), { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toFile(path.join(bad, 'x.png'));
      await sharp(Buffer.alloc(4 * 4, 1), { raw: { width: 4, height: 4, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toFile(path.join(bad, 'x_labels.png'));
      await expect(loadSampleFullSize(bad, 'x')).rejects.toThrow(/x_labels\.png: label image is 4x4, its image .*x\.png is 6x4/);
      await sharp(Buffer.alloc(W * H * 3, 9), { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toFile(path.join(bad, 'x_labels.png'));
      await expect(readLabelImage(path.join(bad, 'x_labels.png'))).rejects.toThrow(/x_labels\.png: a label image must have one channel/);
    } finally {
      fs.rmSync(bad, { recursive: true, force: true });
    }
  });
});
