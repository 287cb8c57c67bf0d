import { mkdtemp, rm, writeFile } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import { deflateSync } from 'zlib';
import sharp from 'sharp';
import { NucleiInputError } from '@nuclei/data';
import { readImageForSegmentation } from './read-input';

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A tiny PNG whose header claims w x h (the pixel data is a stub): reading its size is cheap. */
function pngHeaderOnly(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // gray
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(10))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('readImageForSegmentation', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'nuclei-in-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function fails(path: string): Promise<NucleiInputError> {
    const err = await readImageForSegmentation(path).catch((e) => e);
    expect(err).toBeInstanceOf(NucleiInputError);
    expect(err.path).toBe(path);
    expect(err.message).toContain(path);
    return err;
  }

  it('reads a good image as RGB', async () => {
    const p = join(dir, 'ok.png');
    await sharp({ create: { width: 7, height: 5, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 1 } } }).png().toFile(p);
    const img = await readImageForSegmentation(p);
    expect(img).toMatchObject({ width: 7, height: 5 });
    expect(Array.from(img.data.slice(0, 3))).toEqual([10, 20, 30]);
  });

  it('names a missing file, a text file and an empty file', async () => {
    expect((await fails(join(dir, 'missing.png'))).message).toMatch(/not found/);
    const txt = join(dir, 'notes.png');
    await writeFile(txt, 'this is not an image');
    await fails(txt);
    const empty = join(dir, 'empty.png');
    await writeFile(empty, '');
    await fails(empty);
  });

  it('refuses a huge image from its header, before decoding', async () => {
    const p = join(dir, 'huge.png');
    await writeFile(p, pngHeaderOnly(30000, 20000));
    const start = Date.now();
    const err = await fails(p);
    expect(err.message).toMatch(/too large to segment: 30000x20000 = 600\.0 megapixels/);
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it('honours a lower pixel limit', async () => {
    const p = join(dir, 'small.png');
    await sharp({ create: { width: 20, height: 20, channels: 3, background: 'white' } }).png().toFile(p);
    await expect(readImageForSegmentation(p, 100)).rejects.toThrow(/20x20 = 400 pixels, limit 100 pixels/);
  });
});
