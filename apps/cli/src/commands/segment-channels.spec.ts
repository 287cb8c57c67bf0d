import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { encodeTiff, generateSyntheticSample } from '@nuclei/data';
import { runCli } from '../faults/run-cli';

// Multi-channel files: never the wrong channel in silence; the chosen channel segments exactly as
// the same pixels saved alone. Segments with the bundled model on small synthetic images.
jest.setTimeout(300_000);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-channels-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const W = 192;
const N = W * W;
const file = (name: string) => path.join(root, name);

// Nuclei (8-bit gray) and a cytoplasm-like channel that is not nuclei: a ramp.
const { image } = generateSyntheticSample({ width: W, height: W, seed: 7, style: 'fluorescent' });
const nuclei8 = Uint8Array.from({ length: N }, (_, i) => image.data[3 * i]);
const nuclei16 = Uint16Array.from(nuclei8, (v) => v * 40);
const ramp16 = Uint16Array.from({ length: N }, (_, i) => (i % W) * 300);
const ramp8 = Uint8Array.from({ length: N }, (_, i) => (i % W) * 2);

function ome(names: string[], sizeZ = 1, physical = ''): string {
  const channels = names.map((n, c) => `<Channel ID="Channel:0:${c}" Name="${n}" SamplesPerPixel="1"/>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" SizeX="${W}" SizeY="${W}" SizeC="${names.length}" SizeZ="${sizeZ}" SizeT="1"${physical}>${channels}<TiffData/></Pixels></Image></OME>`;
}

beforeAll(async () => {
  fs.writeFileSync(file('two.ome.tif'), encodeTiff({ width: W, height: W, pages: [ramp16, nuclei16], description: ome(['GFP', 'DAPI']) }));
  fs.writeFileSync(
    file('three.ome.tif'),
    encodeTiff({ width: W, height: W, pages: [ramp16, ramp16.map((v) => 20000 - v), nuclei16], description: ome(['GFP', 'mCherry', 'DAPI']) }),
  );
  fs.writeFileSync(
    file('um.ome.tif'),
    encodeTiff({ width: W, height: W, pages: [ramp16, nuclei16], description: ome(['GFP', 'DAPI'], 1, ' PhysicalSizeX="0.5" PhysicalSizeXUnit="µm"') }),
  );
  // ImageJ hyperstack, 2 channels x 3 planes, CZT page order; the nuclei in channel 1, plane 1.
  const hyper = [0, 1, 2].flatMap((z) => [ramp16, z === 1 ? nuclei16 : ramp16.map((v) => v / 2)]);
  fs.writeFileSync(
    file('hyper.tif'),
    encodeTiff({ width: W, height: W, pages: hyper, description: 'ImageJ=1.53t\nimages=6\nchannels=2\nslices=3\nhyperstack=true\n' }),
  );
  // Two interleaved 8-bit samples, the second not alpha.
  const both = new Uint8Array(N * 2);
  for (let i = 0; i < N; i++) [both[2 * i], both[2 * i + 1]] = [ramp8[i], nuclei8[i]];
  fs.writeFileSync(file('samples.tif'), encodeTiff({ width: W, height: W, pages: [both], samplesPerPixel: 2, extraSamples: [0] }));
  // An RGB merge: cytoplasm in red, nuclei (DAPI) in blue.
  const rgb = new Uint8Array(N * 3);
  for (let i = 0; i < N; i++) [rgb[3 * i], rgb[3 * i + 2]] = [ramp8[i], nuclei8[i]];
  await sharp(rgb, { raw: { width: W, height: W, channels: 3 } })
    .png()
    .toFile(file('merge.png'));
  // The nuclear pixels saved alone.
  fs.writeFileSync(file('alone16.tif'), encodeTiff({ width: W, height: W, pages: [nuclei16] }));
  await sharp(nuclei8, { raw: { width: W, height: W, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toFile(file('alone8.png'));
});

const segment = (out: string, ...args: string[]) =>
  runCli(['segment', ...args, '--out', path.join(root, out), '--outputs', 'labels,json', '--backend', 'wasm']);
const labels = (out: string, base: string) => fs.readFileSync(path.join(root, out, `${base}_labels.png`));

describe('nuclei segment: channels and planes', () => {
  it('refuses to guess: several channels or planes and no choice is exit 2, listing them, before any output', async () => {
    const two = await segment('refused', file('two.ome.tif'));
    expect(two.code).toBe(2);
    expect(two.err.join('\n')).toContain(`${file('two.ome.tif')} has 2 channels; say which one holds the nuclei:\n  --channel 0   GFP\n  --channel 1   DAPI`);
    const samples = await segment('refused', file('samples.tif'), file('three.ome.tif'));
    expect(samples.code).toBe(2);
    expect(samples.err.join('\n')).toMatch(/samples\.tif has 2 channels[^]*--channel 1 +\(unnamed\)[^]*three\.ome\.tif has 3 channels[^]*--channel 2 +DAPI/);
    const hyper = await segment('refused', file('hyper.tif'), '--channel', '1');
    expect(hyper.code).toBe(2);
    expect(hyper.err.join('\n')).toMatch(/hyper\.tif has 3 Z planes; choose --z N \(0\.\.2\), --z max or --z mean/);
    const unknown = await segment('refused', file('two.ome.tif'), '--channel', 'Hoechst');
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.err.join('\n')).toMatch(/two\.ome\.tif has no channel named "Hoechst"/);
    expect((await segment('refused', file('hyper.tif'), '--channel', '1', '--z', 'middle')).code).toBe(2);
    expect(fs.existsSync(path.join(root, 'refused'))).toBe(false);
  });

  it('segments the chosen channel (by name or index, of a plane) exactly as the same pixels saved alone', async () => {
    expect((await segment('alone', file('alone16.tif'), file('alone8.png'))).code).toBe(0);
    const count = JSON.parse(fs.readFileSync(path.join(root, 'alone', 'alone16.json'), 'utf8')).count;
    expect(count).toBeGreaterThan(2); // there are nuclei to find, so equality means something
    // By name: DAPI is channel 1 of one file and 2 of the other.
    expect((await segment('ome', file('two.ome.tif'), file('three.ome.tif'), '--channel', 'dapi')).code).toBe(0);
    expect(labels('ome', 'two.ome')).toEqual(labels('alone', 'alone16'));
    expect(labels('ome', 'three.ome')).toEqual(labels('alone', 'alone16'));
    expect((await segment('hyper', file('hyper.tif'), '--channel', '1', '--z', '1')).code).toBe(0);
    expect(labels('hyper', 'hyper')).toEqual(labels('alone', 'alone16'));
    expect((await segment('samples', file('samples.tif'), '--channel', '1')).code).toBe(0);
    expect(labels('samples', 'samples')).toEqual(labels('alone', 'alone8'));
    // An RGB merge is one colour image (no refusal); a colour picked by name is that channel alone.
    const merged = await segment('merge-rgb', file('merge.png'));
    expect(merged.code).toBe(0);
    expect((await segment('merge', file('merge.png'), '--channel', 'blue')).code).toBe(0);
    expect(labels('merge', 'merge')).toEqual(labels('alone', 'alone8'));
  });

  it('measures every channel by name, a ring, filters, all in microns once the file gives a pixel size', async () => {
    const r = await segment('measured', file('um.ome.tif'), '--channel', 'DAPI', '--ring', '1um', '--exclude-edges', '--max-area', '400um2');
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/pixel size 0\.5 um \(from its OME-XML\); measurements in microns/);
    const again = await runCli([
      'segment',
      file('um.ome.tif'),
      '--channel',
      '1',
      '--ring',
      '1um',
      '--exclude-edges',
      '--max-area',
      '400um2',
      '--out',
      path.join(root, 'measured'),
      '--backend',
      'wasm',
    ]);
    expect(again.code).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(root, 'measured', 'um.ome.json'), 'utf8'));
    expect(summary).toMatchObject({
      unit: 'um',
      pixelSize: 0.5,
      channels: ['GFP', 'DAPI'],
      input: { channel: 1, channelName: 'DAPI' },
      ring: { pixels: 2, width: 1 },
    });
    expect(summary.filters).toMatchObject({ maxArea: 1600, excludeEdges: true, removed: { large: expect.any(Number), edge: expect.any(Number) } });
    expect(summary.centroids).toMatch(/\+0\.5/);
    const [head, ...rows] = fs
      .readFileSync(path.join(root, 'measured', 'um.ome_measurements.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(head).toEqual(
      expect.arrayContaining(['area_um2', 'centroid_x_um', 'GFP_mean', 'DAPI_mean', 'DAPI_std', 'ring_area_um2', 'GFP_ring_mean', 'DAPI_ring_integrated']),
    );
    expect(rows.length).toBe(summary.count);
    expect(rows.length).toBeGreaterThan(0);
    // By hand from the label image: each nucleus's mean of both channels, its area, no nucleus on the edge.
    const { data } = await sharp(path.join(root, 'measured', 'um.ome_labels.png'))
      .toColourspace('grey16')
      .raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
    const lab = new Uint16Array(data.buffer, data.byteOffset, N);
    const col = (row: string[], name: string) => Number(row[head.indexOf(name)]);
    for (const row of rows) {
      const l = col(row, 'label');
      let n = 0;
      let dapi = 0;
      let gfp = 0;
      let sx = 0;
      for (let i = 0; i < N; i++)
        if (lab[i] === l) {
          n++;
          dapi += nuclei16[i];
          gfp += ramp16[i];
          sx += (i % W) + 0.5;
          if (i % W === 0 || i % W === W - 1 || i < W || i >= N - W) throw new Error(`nucleus ${l} touches the edge at pixel ${i}`);
        }
      expect(col(row, 'area_um2')).toBeCloseTo(n * 0.25, 4);
      expect(col(row, 'DAPI_mean')).toBeCloseTo(dapi / n, 3);
      expect(col(row, 'GFP_mean')).toBeCloseTo(gfp / n, 3);
      expect(col(row, 'DAPI_integrated')).toBeCloseTo(dapi, 3);
      expect(col(row, 'centroid_x_um')).toBeCloseTo((sx / n) * 0.5, 3);
      expect(n).toBeLessThanOrEqual(1600);
    }
    const nucleus = summary.nuclei[0];
    expect(nucleus.centroid[0]).toBeCloseTo(col(rows[0], 'centroid_x_um'), 3);
    // Microns without a pixel size are refused before any work.
    const refused = await segment('refused', file('alone8.png'), '--ring', '2um');
    expect(refused.code).toBe(2);
    expect(refused.err.join('\n')).toMatch(/--ring in microns need a pixel size, and .*alone8\.png records none/);
  });
});
