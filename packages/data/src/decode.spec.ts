import { writeFileSync } from 'fs';
import { join } from 'path';
import sharp from 'sharp';
import { intensityChannelsOf, readImageRgb, readMaskPng } from './decode';
import { NucleiInputError } from './errors';
import { createRng } from './random';
import { tempDirs } from './test-utils/tmp';

const tmp = tempDirs();
afterAll(() => tmp.cleanup());

const W = 7;
const H = 5;
/** Random RGB pixels, so a channel mix-up or a transpose shows. */
function randomRgb(seed: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: W * H * 3 }, () => Math.floor(rng() * 256));
}

describe('readImageRgb', () => {
  let dir: string;
  beforeAll(() => (dir = tmp.make()));

  it('reads RGB exactly', async () => {
    const rgb = randomRgb(1);
    const p = join(dir, 'rgb.png');
    await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(p);
    const img = await readImageRgb(p);
    expect([img.width, img.height]).toEqual([W, H]);
    expect(Array.from(img.data)).toEqual(Array.from(rgb));
  });

  it('drops the alpha channel of RGBA', async () => {
    const rgb = randomRgb(2);
    const rgba = new Uint8Array(W * H * 4);
    for (let i = 0; i < W * H; i++) {
      rgba.set(rgb.subarray(3 * i, 3 * i + 3), 4 * i);
      rgba[4 * i + 3] = 255;
    }
    const p = join(dir, 'rgba.png');
    await sharp(Buffer.from(rgba), { raw: { width: W, height: H, channels: 4 } })
      .png()
      .toFile(p);
    const img = await readImageRgb(p);
    expect(img.data.length).toBe(W * H * 3);
    expect(Array.from(img.data)).toEqual(Array.from(rgb));
  });

  it('replicates 8-bit grayscale into 3 equal channels', async () => {
    const gray = randomRgb(3).subarray(0, W * H);
    const p = join(dir, 'gray.png');
    await sharp(Buffer.from(gray), { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(p);
    const img = await readImageRgb(p);
    for (let i = 0; i < W * H; i++) expect([img.data[3 * i], img.data[3 * i + 1], img.data[3 * i + 2]]).toEqual([gray[i], gray[i], gray[i]]);
  });

  it('scales 16-bit grayscale to 8-bit RGB', async () => {
    const gray = randomRgb(4).subarray(0, W * H);
    const g16 = new Uint16Array(W * H);
    for (let i = 0; i < g16.length; i++) g16[i] = gray[i] * 257; // v8 -> v16 exactly
    const p = join(dir, 'gray16.png');
    // A Uint16Array input tells sharp the raw data is 16-bit.
    await sharp(g16, { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(p);
    expect((await sharp(p).metadata()).depth).toBe('ushort');
    const img = await readImageRgb(p);
    expect(img.data.length).toBe(W * H * 3);
    for (let i = 0; i < W * H; i++) expect(Math.abs(img.data[3 * i + 1] - gray[i])).toBeLessThanOrEqual(1);
  });

  it('scales 16-bit RGB to 8-bit RGB', async () => {
    const rgb = randomRgb(5);
    const v16 = Uint16Array.from(rgb, (v) => v * 257);
    const p = join(dir, 'rgb16.png');
    await sharp(v16, { raw: { width: W, height: H, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toFile(p);
    expect((await sharp(p).metadata()).depth).toBe('ushort');
    const img = await readImageRgb(p);
    for (let i = 0; i < rgb.length; i++) expect(Math.abs(img.data[i] - rgb[i])).toBeLessThanOrEqual(1);
  });

  it('expands a palette PNG to RGB', async () => {
    // Two colours only, so the palette quantiser keeps them exactly.
    const colours = [
      [200, 30, 90],
      [10, 220, 40],
    ];
    const rgb = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) rgb.set(colours[i % 2], 3 * i);
    const p = join(dir, 'palette.png');
    await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } })
      .png({ palette: true, colours: 2, dither: 0 })
      .toFile(p);
    expect((await sharp(p).metadata()).isPalette).toBe(true);
    const img = await readImageRgb(p);
    expect(Array.from(img.data)).toEqual(Array.from(rgb));
  });

  it('rejects a truncated PNG with an error naming the file', async () => {
    const p = join(dir, 'whole.png');
    await sharp(Buffer.from(randomRgb(6)), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(p);
    const bytes = await sharp(p).toBuffer();
    const cut = join(dir, 'truncated.png');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await readImageRgb(cut).catch((e) => e);
    expect(err).toBeInstanceOf(NucleiInputError);
    expect(err.path).toBe(cut);
    expect(err.message).toContain(cut);
  });

  it('rejects a file that is not an image', async () => {
    const p = join(dir, 'notes.png');
    writeFileSync(p, 'this is not a PNG at all\n');
    const err = await readImageRgb(p).catch((e) => e);
    expect(err).toBeInstanceOf(NucleiInputError);
    expect(err.message).toMatch(/notes\.png: .*(not an image|decode)/);
  });

  it('rejects a missing file', async () => {
    const p = join(dir, 'absent.png');
    await expect(readImageRgb(p)).rejects.toThrow(/absent\.png: file not found/);
  });
});

describe('readMaskPng', () => {
  it('reads a 0/255 mask as 0/1 (fast path and sharp fallback agree)', async () => {
    const dir = tmp.make();
    const rng = createRng(9);
    const values = Uint8Array.from({ length: W * H }, () => (rng() < 0.4 ? 255 : 0));
    const gray = join(dir, 'mask.png');
    await sharp(Buffer.from(values), { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(gray);
    // RGBA masks are not 8-bit gray: they go through sharp.
    const rgba = new Uint8Array(W * H * 4);
    values.forEach((v, i) => rgba.set([v, v, v, 255], 4 * i));
    const colour = join(dir, 'mask-rgba.png');
    await sharp(Buffer.from(rgba), { raw: { width: W, height: H, channels: 4 } })
      .png()
      .toFile(colour);
    const expected = Array.from(values, (v) => (v ? 1 : 0));
    for (const p of [gray, colour]) {
      const m = await readMaskPng(p);
      expect([m.width, m.height]).toEqual([W, H]);
      expect(Array.from(m.data)).toEqual(expected);
    }
  });

  it('rejects a corrupt mask with NucleiInputError', async () => {
    const dir = tmp.make();
    const p = join(dir, 'bad.png');
    const good = await sharp(Buffer.alloc(W * H, 255), { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    const bad = Buffer.from(good);
    for (let i = 40; i < bad.length - 12; i++) bad[i] ^= 0x5a; // scramble the compressed pixels
    writeFileSync(p, bad);
    await expect(readMaskPng(p)).rejects.toBeInstanceOf(NucleiInputError);
  });
});

describe('readImageRgb: more than 8 bits', () => {
  it('stretches 12-bit data in a 16-bit PNG to 8 bits instead of reading it nearly black, and says so', async () => {
    const dir = tmp.make();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const w = 8;
      const u = new Uint16Array(w * w);
      for (let i = 0; i < u.length; i++) u[i] = (i % 8) * 585; // 0..4095
      const file = join(dir, 'twelve.png');
      await sharp(u, { raw: { width: w, height: w, channels: 1 } })
        .toColourspace('grey16')
        .png()
        .toFile(file);
      const img = await readImageRgb(file);
      expect(Math.max(...img.data)).toBe(255);
      expect(img.data[3 * 7]).toBe(255); // value 4095 at x = 7
      expect(img.data[3 * 1]).toBe(Math.round((585 / 4095) * 255));
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/twelve\.png: 12-bit data in a ushort file \(max 4095\); scaled from 0\.\.4095/));
      // The original 16-bit values travel with the 8-bit view, for normalisation and measurements.
      expect(img.source).toMatchObject({ channels: 1, depth: 'ushort' });
      expect(Array.from(img.source!.data.subarray(0, 8))).toEqual([0, 585, 1170, 1755, 2340, 2925, 3510, 4095]);
      const rgb16 = join(dir, 'rgb16.png');
      await sharp(
        Uint16Array.from({ length: 4 * 4 * 3 }, (_, i) => [1000, 2000, 40000][i % 3]),
        { raw: { width: 4, height: 4, channels: 3 } },
      )
        .toColourspace('rgb16')
        .png()
        .toFile(rgb16);
      const colour = await readImageRgb(rgb16);
      expect(colour.source?.channels).toBe(3);
      expect(Array.from(colour.source!.data.subarray(0, 3))).toEqual([1000, 2000, 40000]);
      // One channel picked: its original values, as one channel.
      const picked = await readImageRgb(rgb16, { channel: 2 });
      expect(picked.source).toMatchObject({ channels: 1 });
      expect(picked.source!.data[0]).toBe(40000);
    } finally {
      warn.mockRestore();
    }
  });

  it('8-bit files carry no source values (the 8-bit data is the original)', async () => {
    const p = join(tmp.make(), 'plain8.png');
    await sharp(randomRgb(6), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(p);
    expect((await readImageRgb(p)).source).toBeUndefined();
  });
});

describe('readImageRgb: channels and pages', () => {
  it('reads one colour channel as gray, or one page of a multi-page TIFF, and refuses one out of range', async () => {
    const dir = tmp.make();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const rgb = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => [10, 20, 30][i % 3]);
      const png = join(dir, 'rgb.png');
      await sharp(rgb, { raw: { width: 4, height: 4, channels: 3 } })
        .png()
        .toFile(png);
      expect(Array.from((await readImageRgb(png, { channel: 1 })).data.subarray(0, 3))).toEqual([20, 20, 20]);
      await expect(readImageRgb(png, { channel: 3 })).rejects.toThrow(/rgb\.png: channel 3 is out of range: the image has 3 channels/);
      // Two gray pages that say nothing about themselves are channels: 50 and 200.
      const pages = Buffer.concat([Buffer.alloc(16, 50), Buffer.alloc(16, 200)]);
      const two = join(dir, 'two.tif');
      await sharp(pages, { raw: { width: 4, height: 8, channels: 1, pageHeight: 4 } as never })
        .toColourspace('b-w')
        .tiff({ compression: 'none' })
        .toFile(two);
      expect((await sharp(two).metadata()).pages).toBe(2);
      expect((await readImageRgb(two, { channel: 1 })).data[0]).toBe(200);
      expect((await readImageRgb(two)).data[0]).toBe(50);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/two\.tif: 2 channels; using channel 0 \(ch0\) only/));
      await expect(readImageRgb(two, { channel: 2 })).rejects.toThrow(/two\.tif: channel 2 is out of range: the image has 2 channels \(0\.\.1\)/);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('intensityChannelsOf', () => {
  it('gives a gray image one channel, a colour one red, green and blue, and original samples as they are', () => {
    const gray = intensityChannelsOf({ width: 2, height: 1, data: Uint8Array.from([3, 3, 3, 250, 250, 250]) });
    expect(gray.map((c) => c.name)).toEqual(['ch0']);
    expect(Array.from(gray[0].values)).toEqual([3, 250]);
    const colour = intensityChannelsOf({ width: 2, height: 1, data: Uint8Array.from([3, 3, 3, 1, 2, 3]) });
    expect(colour.map((c) => [c.name, Array.from(c.values)])).toEqual([
      ['red', [3, 1]],
      ['green', [3, 2]],
      ['blue', [3, 3]],
    ]);
    const source = { data: Float32Array.from([1000, 2000, 3000, 1000, 2000, 3000]), channels: 3, depth: 'ushort' };
    const wide = intensityChannelsOf({ width: 2, height: 1, data: new Uint8Array(6), source });
    expect(wide.map((c) => Array.from(c.values))).toEqual([
      [1000, 1000],
      [2000, 2000],
      [3000, 3000],
    ]);
  });
});
