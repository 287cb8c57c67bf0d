import sharp from 'sharp';
import { decodeGray8Png, inflateGray8Png } from './png-gray8';
import { createRng } from './random';

/** Blobs on an empty canvas, like a DSB nucleus mask, plus some texture so every filter is used. */
function sampleImage(w: number, h: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  const out = new Uint8Array(w * h);
  for (let y = Math.floor(h / 3); y < Math.floor((2 * h) / 3); y++)
    for (let x = 3; x < w - 5; x++) out[y * w + x] = rng() < 0.5 ? 255 : Math.floor(rng() * 256);
  return out;
}

describe('decodeGray8Png', () => {
  it.each([
    ['no filtering', { adaptiveFiltering: false }],
    ['adaptive filtering (Sub/Up/Average/Paeth)', { adaptiveFiltering: true }],
  ])('matches sharp with %s', async (_name, pngOptions) => {
    const w = 45;
    const h = 70; // more than one 16-row block, with empty blocks before and after
    const values = sampleImage(w, h, 3);
    const png = await sharp(Buffer.from(values), { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('b-w')
      .png({ ...pngOptions, compressionLevel: 9 })
      .toBuffer();
    const decoded = decodeGray8Png(png);
    expect(decoded).not.toBeNull();
    expect([decoded!.width, decoded!.height]).toEqual([w, h]);
    expect(Buffer.from(decoded!.data).equals(Buffer.from(values))).toBe(true);
  });

  it.each([false, true])('decodes a 0/255 nucleus on a large empty canvas exactly (adaptive filtering %s)', async (adaptiveFiltering) => {
    const w = 300;
    const h = 200;
    const values = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (((x - 120) / 25) ** 2 + ((y - 90) / 14) ** 2 <= 1) values[y * w + x] = 255;
    values[w * h - 1] = 255; // a lone pixel in the last row/column
    const png = await sharp(Buffer.from(values), { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('b-w')
      .png({ adaptiveFiltering })
      .toBuffer();
    const decoded = decodeGray8Png(png)!;
    expect(Buffer.from(decoded.data).equals(Buffer.from(values))).toBe(true);
  });

  it('declines formats it does not handle so the caller falls back to sharp', async () => {
    const rgb = await sharp(Buffer.alloc(12, 7), { raw: { width: 2, height: 2, channels: 3 } })
      .png()
      .toBuffer();
    expect(inflateGray8Png(rgb)).toBeNull();
    expect(inflateGray8Png(Buffer.from('not a png, just text that is long enough'))).toBeNull();
  });

  it('throws on a truncated file', async () => {
    const png = await sharp(Buffer.from(sampleImage(20, 20, 1)), { raw: { width: 20, height: 20, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect(() => inflateGray8Png(png.subarray(0, png.length - 20))).toThrow();
  });
});
