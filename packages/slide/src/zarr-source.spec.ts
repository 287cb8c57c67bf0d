import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import sharp from 'sharp';
import { openSlideSource } from './source';
import { writeSyntheticSlide } from './synthetic-slide';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-zarr-src-'));
jest.setTimeout(120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('slide sources read regions', () => {
  it('an OME-Zarr slide and a tiled TIFF of the same pixels give the same regions', async () => {
    const o = { width: 1500, height: 1100, seed: 4 };
    await writeSyntheticSlide(path.join(dir, 's.zarr'), o);
    await writeSyntheticSlide(path.join(dir, 's.tif'), o);
    const z = await openSlideSource(path.join(dir, 's.zarr'));
    const t = await openSlideSource(path.join(dir, 's.tif'));
    expect([z.width, z.height, z.gray, t.width, t.height, t.gray]).toEqual([1500, 1100, true, 1500, 1100, true]);
    for (const r of [
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 1000, y: 1000, width: 500, height: 100 }, // across chunk borders and the slide's edge
      { x: 1020, y: 7, width: 13, height: 1050 },
    ]) {
      const a = await z.readRegion(r);
      const b = await t.readRegion(r);
      expect(Buffer.compare(Buffer.from(a.data), Buffer.from(b.data))).toBe(0);
    }
    // Not all background: nuclei are drawn.
    const all = await t.readRegion({ x: 0, y: 0, width: 1500, height: 1100 });
    expect(all.data.reduce((a, b) => Math.max(a, b), 0)).toBeGreaterThan(120);
  });

  it('reads Zarr v3 (gzip) and uint16 as original samples; refuses codecs it cannot read, and several channels without a choice', async () => {
    const root = path.join(dir, 'v3.zarr');
    fs.mkdirSync(path.join(root, '0', 'c', '0', '0'), { recursive: true });
    const ms = {
      multiscales: [{ version: '0.5', axes: [{ name: 'c' }, { name: 'y' }, { name: 'x' }], datasets: [{ path: '0' }] }],
      omero: { channels: [{ label: 'DAPI' }, { label: 'GFP' }] },
    };
    fs.writeFileSync(path.join(root, 'zarr.json'), JSON.stringify({ zarr_format: 3, node_type: 'group', attributes: { ome: ms } }));
    fs.writeFileSync(
      path.join(root, '0', 'zarr.json'),
      JSON.stringify({
        zarr_format: 3,
        node_type: 'array',
        shape: [2, 3, 4],
        data_type: 'uint16',
        chunk_grid: { name: 'regular', configuration: { chunk_shape: [2, 3, 4] } },
        chunk_key_encoding: { name: 'default' },
        codecs: [
          { name: 'bytes', configuration: { endian: 'little' } },
          { name: 'gzip', configuration: { level: 1 } },
        ],
        fill_value: 0,
      }),
    );
    const values = Uint16Array.from({ length: 24 }, (_, i) => i * 1000);
    fs.writeFileSync(path.join(root, '0', 'c', '0', '0', '0'), zlib.gzipSync(Buffer.from(values.buffer)));
    await expect(openSlideSource(root)).rejects.toThrow(/has 2 channels \(0: DAPI, 1: GFP\); choose the nuclear one with --channel N/);
    const gfp = await openSlideSource(root, { channel: 1 });
    const r = await gfp.readRegion({ x: 1, y: 1, width: 2, height: 2 });
    expect(Array.from(r.source!.data)).toEqual([17000, 18000, 21000, 22000]);
    const meta = JSON.parse(fs.readFileSync(path.join(root, '0', 'zarr.json'), 'utf8'));
    meta.codecs[1] = { name: 'zstd' };
    fs.writeFileSync(path.join(root, '0', 'zarr.json'), JSON.stringify(meta));
    await expect(openSlideSource(root, { channel: 0 })).rejects.toThrow(/codecs zstd are not supported/);
  });

  const py = spawnSync('/usr/bin/python3', ['-c', 'import zarr, numpy'], { encoding: 'utf8' });
  (py.status === 0 ? it : it.skip)('reads an OME-Zarr that Python zarr wrote (v2, its default blosc lz4 compressor, 5-D tczyx)', async () => {
    const root = path.join(dir, 'py.zarr');
    const script = [
      'import sys, zarr, numpy as np',
      'g = zarr.open_group(sys.argv[1], mode="w")',
      'a = np.zeros((1, 2, 1, 300, 200), dtype=np.uint8)',
      'a[0, 1] = (np.arange(300)[:, None] + np.arange(200)[None, :]) % 251',
      'g.create_dataset("0", data=a, chunks=(1, 1, 1, 128, 128), dimension_separator="/")',
      'assert g["0"].compressor.codec_id == "blosc"',
      'g.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": n} for n in "tczyx"], "datasets": [{"path": "0"}]}]',
    ].join('\n');
    const w = spawnSync('/usr/bin/python3', ['-c', script, root], { encoding: 'utf8' });
    expect(w.stderr).toBe('');
    const s = await openSlideSource(root, { channel: 1 });
    expect([s.width, s.height]).toEqual([200, 300]);
    const r = await s.readRegion({ x: 120, y: 125, width: 10, height: 5 });
    for (let y = 0; y < 5; y++) for (let x = 0; x < 10; x++) expect(r.data[(y * 10 + x) * 3]).toBe((125 + y + 120 + x) % 251);
    await sharp(Buffer.from(r.data), { raw: { width: 10, height: 5, channels: 3 } })
      .png()
      .toBuffer(); // a plain 8-bit RGB view
  });
});
