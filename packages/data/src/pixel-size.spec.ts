import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { readPixelSize } from './pixel-size';

/** A 1x1 8-bit gray TIFF with the given description and resolution tags, classic or BigTIFF, either byte order. */
function tiff(opts: { description?: string; xres?: [number, number]; unit?: number; big?: boolean; le?: boolean }): Buffer {
  const le = opts.le ?? true;
  const big = opts.big ?? false;
  type Tag = { tag: number; type: number; count: number; data: Buffer };
  const b = (n: number, v: number | bigint) => {
    const buf = Buffer.alloc(n);
    if (n === 2) le ? buf.writeUInt16LE(Number(v)) : buf.writeUInt16BE(Number(v));
    else if (n === 4) le ? buf.writeUInt32LE(Number(v)) : buf.writeUInt32BE(Number(v));
    else le ? buf.writeBigUInt64LE(BigInt(v)) : buf.writeBigUInt64BE(BigInt(v));
    return buf;
  };
  const tags: Tag[] = [
    { tag: 256, type: 3, count: 1, data: b(2, 1) },
    { tag: 257, type: 3, count: 1, data: b(2, 1) },
    { tag: 258, type: 3, count: 1, data: b(2, 8) },
    { tag: 262, type: 3, count: 1, data: b(2, 1) },
  ];
  if (opts.description !== undefined)
    tags.push({ tag: 270, type: 2, count: Buffer.byteLength(opts.description) + 1, data: Buffer.concat([Buffer.from(opts.description), Buffer.alloc(1)]) });
  tags.push({ tag: 273, type: 4, count: 1, data: Buffer.alloc(0) }); // strip offset, filled below
  tags.push({ tag: 279, type: 4, count: 1, data: b(4, 1) });
  if (opts.xres) tags.push({ tag: 282, type: 5, count: 1, data: Buffer.concat([b(4, opts.xres[0]), b(4, opts.xres[1])]) });
  if (opts.unit !== undefined) tags.push({ tag: 296, type: 3, count: 1, data: b(2, opts.unit) });
  const headSize = big ? 16 : 8;
  const entrySize = big ? 20 : 12;
  const inlineSize = big ? 8 : 4;
  const ifdSize = (big ? 8 : 2) + tags.length * entrySize + inlineSize;
  let extra = headSize + ifdSize;
  const blobs: Buffer[] = [];
  const entries = tags.map((t) => {
    let data = t.data;
    if (t.tag === 273) data = b(4, 0); // replaced once the pixel offset is known
    let value: Buffer;
    if (data.length <= inlineSize) value = Buffer.concat([data, Buffer.alloc(inlineSize - data.length)]);
    else {
      value = b(inlineSize, extra);
      blobs.push(data);
      extra += data.length;
    }
    return { t, value };
  });
  const pixel = extra;
  const stripEntry = entries.find((e) => e.t.tag === 273)!;
  stripEntry.value = Buffer.concat([b(4, pixel), Buffer.alloc(inlineSize - 4)]);
  const head = big
    ? Buffer.concat([Buffer.from(le ? 'II' : 'MM'), b(2, 43), b(2, 8), b(2, 0), b(8, headSize)])
    : Buffer.concat([Buffer.from(le ? 'II' : 'MM'), b(2, 42), b(4, headSize)]);
  const ifd = Buffer.concat([
    big ? b(8, tags.length) : b(2, tags.length),
    ...entries.map(({ t, value }) => Buffer.concat([b(2, t.tag), b(2, t.type), big ? b(8, t.count) : b(4, t.count), value])),
    Buffer.alloc(inlineSize),
  ]);
  return Buffer.concat([head, ifd, ...blobs, Buffer.from([128])]);
}

describe('readPixelSize', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-px-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, data: Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, data);
    return file;
  };

  it('reads OME-XML PhysicalSizeX with its unit (microns by default), classic and BigTIFF, both byte orders', async () => {
    const ome = (attrs: string) =>
      `<?xml version="1.0"?><OME><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" ${attrs} SizeX="1" SizeY="1"/></Image></OME>`;
    expect(readPixelSize(write('a.ome.tif', tiff({ description: ome('PhysicalSizeX="0.325" PhysicalSizeY="0.325"') })))).toEqual({
      microns: 0.325,
      source: 'OME-XML',
    });
    expect(readPixelSize(write('b.ome.tif', tiff({ description: ome('PhysicalSizeX="650" PhysicalSizeXUnit="nm"'), big: true })))).toEqual({
      microns: 0.65,
      source: 'OME-XML',
    });
    expect(readPixelSize(write('c.ome.tif', tiff({ description: ome('PhysicalSizeX="0.1"'), le: false, big: true })))!.microns).toBeCloseTo(0.1, 12);
    // A decoder that reads the file agrees it is a TIFF (the hand-made header is valid).
    expect((await sharp(path.join(dir, 'a.ome.tif')).metadata()).format).toBe('tiff');
  });

  it("reads ImageJ's unit with XResolution as pixels per unit, and nothing when the unit is not a length", () => {
    expect(readPixelSize(write('ij.tif', tiff({ description: 'ImageJ=1.53t\nunit=micron\n', xres: [2, 1], unit: 1 })))).toEqual({
      microns: 0.5,
      source: 'ImageJ',
    });
    expect(readPixelSize(write('ij-nm.tif', tiff({ description: 'ImageJ=1.53t\nunit=nm\n', xres: [1, 100], le: false })))).toEqual({
      microns: 0.1,
      source: 'ImageJ',
    });
    expect(readPixelSize(write('ij-px.tif', tiff({ description: 'ImageJ=1.53t\nunit=pixel\n', xres: [1, 1] })))).toBeUndefined();
  });

  it('uses plain resolution tags only when they describe microscope pixels, not 72 dpi defaults', async () => {
    const file = path.join(dir, 'res.tif');
    // sharp's xres is pixels per mm: 2000 px/mm = 0.5 um per pixel.
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
      .tiff({ xres: 2000, yres: 2000, resolutionUnit: 'cm' })
      .toFile(file);
    expect(readPixelSize(file)!.microns).toBeCloseTo(0.5, 6);
    expect(readPixelSize(write('dpi.tif', tiff({ xres: [72, 1], unit: 2 })))).toBeUndefined();
    expect(readPixelSize(write('none.tif', tiff({})))).toBeUndefined();
  });

  it('says nothing for other formats and names the file when it is missing or its header is cut short', async () => {
    const png = path.join(dir, 'a.png');
    await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } })
      .png()
      .toFile(png);
    expect(readPixelSize(png)).toBeUndefined();
    expect(() => readPixelSize(path.join(dir, 'gone.tif'))).toThrow(/gone\.tif: file not found/);
    expect(() => readPixelSize(write('cut.tif', tiff({ description: 'ImageJ=1.53t\nunit=micron\n' }).subarray(0, 12)))).toThrow(
      /cut\.tif: truncated TIFF header/,
    );
  });

  const IJ = '/usr/share/java/ij.jar';
  const haveImageJ = fs.existsSync(IJ) && spawnSync('which', ['xvfb-run']).status === 0;
  (haveImageJ ? it : it.skip)(
    'reads the pixel size ImageJ itself writes (Debian imagej under xvfb-run)',
    () => {
      const out = path.join(dir, 'from-imagej.tif');
      const macro = path.join(dir, 'px.ijm');
      fs.writeFileSync(
        macro,
        `newImage("x", "16-bit black", 8, 8, 1);\nrun("Properties...", "unit=micron pixel_width=0.25 pixel_height=0.25 voxel_depth=1");\nsaveAs("Tiff", getArgument());\n`,
      );
      const r = spawnSync('xvfb-run', ['-a', 'java', '-jar', IJ, '-batch', macro, out], { encoding: 'utf8', timeout: 120_000 });
      expect(fs.existsSync(out) ? '' : `${r.stdout}\n${r.stderr}`).toBe('');
      expect(readPixelSize(out)).toEqual({ microns: 0.25, source: 'ImageJ' });
    },
    150_000,
  );
  if (!haveImageJ) console.log('pixel-size.spec: the ImageJ case is skipped, ImageJ is absent (apt-get install imagej xvfb xauth; CI installs it)');
});
