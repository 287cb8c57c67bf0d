import { mkdtemp, rm, writeFile } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import sharp from 'sharp';
import { NucleiInputError } from '@nuclei/data';
import { readImageForSegmentation } from './read-input';
import { pngHeaderOnly } from './test-utils/png';

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
    await sharp({ create: { width: 7, height: 5, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 1 } } })
      .png()
      .toFile(p);
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
    // A 600-megapixel decode would take minutes and gigabytes; the header check is what makes this
    // test finish at all. Its time is measured in the data benchmark, not asserted here.
    const err = await fails(p);
    expect(err.message).toMatch(/too large to segment: 30000x20000 = 600\.0 megapixels/);
  });

  it('honours a lower pixel limit', async () => {
    const p = join(dir, 'small.png');
    await sharp({ create: { width: 20, height: 20, channels: 3, background: 'white' } })
      .png()
      .toFile(p);
    await expect(readImageForSegmentation(p, 100)).rejects.toThrow(/20x20 = 400 pixels, limit 100 pixels/);
  });
});
