import { writeFileSync } from 'fs';
import { join } from 'path';
import sharp from 'sharp';
import { describeImageAxes } from './axes';
import { readAllChannels, readImageRgb } from './decode';
import { encodeTiff } from './tiff-write';
import { tempDirs } from './test-utils/tmp';

const tmp = tempDirs();
// The 16-bit test planes use few bits: the reader says so, which is not what these tests check.
const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
afterAll(() => {
  tmp.cleanup();
  warn.mockRestore();
});
const W = 5;
const H = 4;
const N = W * H;

/** A plane whose values say which (channel, z) it is, so a mix-up shows: 1000*c + 100*z + pixel. */
const plane = (c: number, z: number) => Uint16Array.from({ length: N }, (_, i) => 1000 * c + 100 * z + i);

function ome(sizeC: number, sizeZ: number, names: string[], order = 'XYCZT'): string {
  const channels = names.map((n, c) => `<Channel ID="Channel:0:${c}" Name="${n}" SamplesPerPixel="1"/>`).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0">` +
    `<Pixels ID="Pixels:0" DimensionOrder="${order}" Type="uint16" SizeX="${W}" SizeY="${H}" SizeC="${sizeC}" SizeZ="${sizeZ}" SizeT="1" PhysicalSizeX="0.5">` +
    `${channels}<TiffData/></Pixels></Image></OME>`
  );
}

function write(name: string, buf: Buffer): string {
  const p = join(tmp.make(), name);
  writeFileSync(p, buf);
  return p;
}

/** The 16-bit values a read kept (source), first channel. */
const sourceOf = async (p: string, options: Parameters<typeof readImageRgb>[1]) => Array.from((await readImageRgb(p, options)).source!.data);

describe('describeImageAxes and reading one channel of one plane', () => {
  it('2- and 3-channel OME-TIFFs: channels named, each read as the same pixels saved alone', async () => {
    const two = write('two.ome.tif', encodeTiff({ width: W, height: H, pages: [plane(0, 0), plane(1, 0)], description: ome(2, 1, ['GFP', 'DAPI']) }));
    const axes = await describeImageAxes(two);
    expect(axes).toMatchObject({
      channels: [
        { index: 0, name: 'GFP' },
        { index: 1, name: 'DAPI' },
      ],
      planes: 1,
      frames: 1,
      rgb: false,
      source: 'OME-XML',
    });
    const three = write(
      'three.ome.tif',
      encodeTiff({ width: W, height: H, pages: [plane(0, 0), plane(1, 0), plane(2, 0)], description: ome(3, 1, ['DAPI', 'GFP', 'mCherry &amp; co']) }),
    );
    expect((await describeImageAxes(three)).channels.map((c) => c.name)).toEqual(['DAPI', 'GFP', 'mCherry & co']);
    for (const c of [0, 1, 2]) {
      const alone = write(`alone${c}.tif`, encodeTiff({ width: W, height: H, pages: [plane(c, 0)] }));
      const picked = await readImageRgb(three, { channel: c });
      const single = await readImageRgb(alone);
      expect(Array.from(picked.source!.data)).toEqual(Array.from(plane(c, 0)));
      expect(picked).toEqual(single);
    }
  });

  it('OME-XML DimensionOrder XYZCT: planes before channels', async () => {
    const pages = [plane(0, 0), plane(0, 1), plane(1, 0), plane(1, 1)];
    const p = write('zc.ome.tif', encodeTiff({ width: W, height: H, pages, description: ome(2, 2, ['a', 'b'], 'XYZCT') }));
    expect(await describeImageAxes(p)).toMatchObject({ planes: 2, channels: [{ name: 'a' }, { name: 'b' }], stride: { c: 2, z: 1 } });
    expect(await sourceOf(p, { channel: 1, z: 0 })).toEqual(Array.from(plane(1, 0)));
    expect(await sourceOf(p, { channel: 0, z: 1 })).toEqual(Array.from(plane(0, 1)));
  });

  it('an ImageJ hyperstack of 3 Z x 2 C is 2 channels (named by its slice labels) and 3 planes, not 6 channels; max and mean project', async () => {
    // ImageJ's page order is CZT: c changes fastest.
    const pages = [0, 1, 2].flatMap((z) => [plane(0, z), plane(1, z)]);
    const description = 'ImageJ=1.53t\nimages=6\nchannels=2\nslices=3\nhyperstack=true\nmode=composite\n';
    const p = write('hyper.tif', encodeTiff({ width: W, height: H, pages, description, sliceLabels: ['DAPI', 'Actin', 'DAPI', 'Actin', 'DAPI', 'Actin'] }));
    const axes = await describeImageAxes(p);
    expect(axes).toMatchObject({
      channels: [
        { index: 0, name: 'DAPI' },
        { index: 1, name: 'Actin' },
      ],
      planes: 3,
      frames: 1,
      source: 'ImageJ',
    });
    expect(await sourceOf(p, { channel: 1, z: 2 })).toEqual(Array.from(plane(1, 2)));
    // Values increase with z: max is plane 2, mean is plane 1 (1000c + 100z + i is linear in z).
    expect(await sourceOf(p, { channel: 1, z: 'max' })).toEqual(Array.from(plane(1, 2)));
    expect(await sourceOf(p, { channel: 0, z: 'mean' })).toEqual(Array.from(plane(0, 1)));
    // A plane out of range names the file and the range.
    await expect(readImageRgb(p, { channel: 0, z: 3 })).rejects.toThrow(/hyper\.tif: plane 3 is out of range: the image has 3 Z planes \(0\.\.2\)/);
    // Without labels the channels are unnamed; frames count too.
    const t = write('t.tif', encodeTiff({ width: W, height: H, pages: [plane(0, 0), plane(0, 1)], description: 'ImageJ=1.53t\nimages=2\nframes=2\n' }));
    expect(await describeImageAxes(t)).toMatchObject({ channels: [{ index: 0 }], planes: 1, frames: 2 });
    expect(await sourceOf(t, { t: 1 })).toEqual(Array.from(plane(0, 1)));
  });

  it('interleaved samples: a second sample is a channel unless ExtraSamples says alpha', async () => {
    const both = Uint8Array.from({ length: N * 2 }, (_, i) => (i % 2 ? 200 : 10) + (i >> 1));
    const data = write('two-samples.tif', encodeTiff({ width: W, height: H, pages: [both], samplesPerPixel: 2, extraSamples: [0] }));
    expect(await describeImageAxes(data)).toMatchObject({ channels: [{ index: 0 }, { index: 1 }], samples: 2, rgb: false });
    const second = await readImageRgb(data, { channel: 1 });
    const alone = join(tmp.make(), 'second.png');
    await sharp(Buffer.from(Array.from({ length: N }, (_, i) => 200 + i)), { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(alone);
    expect(second).toEqual(await readImageRgb(alone));
    const alpha = write('gray-alpha.tif', encodeTiff({ width: W, height: H, pages: [both], samplesPerPixel: 2, extraSamples: [2] }));
    expect((await describeImageAxes(alpha)).channels).toEqual([{ index: 0 }]);
    // 16-bit, four samples: each one as stored.
    const four = Uint16Array.from({ length: N * 4 }, (_, i) => 1000 * (i % 4) + (i >> 2));
    const p4 = write('four.tif', encodeTiff({ width: W, height: H, pages: [four], samplesPerPixel: 4, extraSamples: [0, 0, 0] }));
    expect((await describeImageAxes(p4)).channels).toHaveLength(4);
    expect(await sourceOf(p4, { channel: 3 })).toEqual(Array.from({ length: N }, (_, i) => 3000 + i));
  });

  it('an RGB merge is three named colours that stay one colour image unless one is chosen; gray PNGs have one channel', async () => {
    const rgb = Uint8Array.from({ length: N * 3 }, (_, i) => [10, 20, 30][i % 3] + (i >> 2));
    const p = join(tmp.make(), 'merge.png');
    await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(p);
    expect(await describeImageAxes(p)).toMatchObject({ channels: [{ name: 'red' }, { name: 'green' }, { name: 'blue' }], rgb: true, planes: 1 });
    expect(Array.from((await readImageRgb(p)).data)).toEqual(Array.from(rgb));
    const blue = await readImageRgb(p, { channel: 2 });
    expect(Array.from(blue.data.subarray(0, 6))).toEqual([rgb[2], rgb[2], rgb[2], rgb[5], rgb[5], rgb[5]]);
    const rgbTiff = write('merge.tif', encodeTiff({ width: W, height: H, pages: [rgb], samplesPerPixel: 3, photometric: 2 }));
    expect(await describeImageAxes(rgbTiff)).toMatchObject({ rgb: true, samples: 3, channels: [{ name: 'red' }, { name: 'green' }, { name: 'blue' }] });
    expect(await readImageRgb(rgbTiff, { channel: 2 })).toEqual(blue);
    const gray = join(tmp.make(), 'gray.png');
    await sharp(Buffer.alloc(N, 7), { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(gray);
    expect(await describeImageAxes(gray)).toMatchObject({ channels: [{ index: 0 }], rgb: false, planes: 1, frames: 1, source: 'file' });
  });

  it('readAllChannels: every channel of a plane by name; gray saved as RGB is one channel', async () => {
    const pages = [0, 1].flatMap((z) => [plane(0, z), plane(1, z)]);
    const p = write('h.tif', encodeTiff({ width: W, height: H, pages, description: 'ImageJ=1.53t\nimages=4\nchannels=2\nslices=2\nhyperstack=true\n' }));
    const all = await readAllChannels(p, { z: 1 });
    expect(all.map((c) => c.name)).toEqual(['ch0', 'ch1']);
    expect(Array.from(all[1].values)).toEqual(Array.from(plane(1, 1)));
    const grayRgb = join(tmp.make(), 'g.png');
    await sharp(Buffer.alloc(N * 3, 9), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(grayRgb);
    expect((await readAllChannels(grayRgb)).map((c) => c.name)).toEqual(['ch0']);
  });
});
