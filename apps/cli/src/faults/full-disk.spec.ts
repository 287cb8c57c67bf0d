import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { generateSyntheticSample, writeFileAtomic } from '@nuclei/data';
import { writeSegmentationOutputs, type SegmentResult } from '@nuclei/segmentation';

// Outputs on a nearly full file system (a small tmpfs, where this process may mount one): every
// file is then the earlier one or the new one, never a broken one, and the error names the file.
const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-full-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]).status === 0;
if (!mounted) console.log(`full-disk.spec: skipped, cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)`);
afterAll(() => {
  if (mounted) spawnSync('umount', [mountPoint]);
  fs.rmSync(mountPoint, { recursive: true, force: true });
});

function result(width: number, height: number, seed: number): { image: ReturnType<typeof generateSyntheticSample>['image']; r: SegmentResult } {
  const { image, masks } = generateSyntheticSample({ width, height, seed });
  const labels = new Int32Array(width * height);
  masks.forEach((m, k) => m.forEach((v, i) => v && (labels[i] = k + 1)));
  const mask = Uint8Array.from(labels, (v) => (v ? 1 : 0));
  const areas = masks.map((m) => m.reduce((a, b) => a + b, 0));
  const r: SegmentResult = {
    width,
    height,
    probability: new Float32Array(width * height),
    mask,
    labels,
    count: masks.length,
    areas,
    meanArea: 1,
    mode: 'tile',
    tiles: 1,
    threshold: 0.5,
    split: 'watershed',
  };
  return { image, r };
}

(mounted ? describe : describe.skip)('a full disk', () => {
  it('keeps the earlier complete outputs when the new ones do not fit, and names the file', async () => {
    const out = path.join(mountPoint, 'seg');
    const first = result(96, 96, 1);
    await writeSegmentationOutputs(first.r, first.image, out, 'img');
    const before = Object.fromEntries(fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f))]));
    // Fill the disk, leaving a few kB: the larger new set cannot be written.
    const filler = path.join(mountPoint, 'filler');
    const free = () => Number(spawnSync('df', ['-B1', '--output=avail', mountPoint], { encoding: 'utf8' }).stdout.trim().split('\n')[1]);
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 6 * 1024)));
    try {
      const second = result(400, 400, 2);
      await expect(writeSegmentationOutputs(second.r, second.image, out, 'img')).rejects.toThrow(
        /img.*: could not write it \(ENOSPC\); any earlier file there is unchanged/,
      );
      for (const f of fs.readdirSync(out)) {
        expect(f.endsWith('.tmp')).toBe(false); // failed temps are removed
        const now = fs.readFileSync(path.join(out, f));
        if (f.endsWith('.png')) {
          const meta = await sharp(now).metadata(); // decodes: complete
          expect([96, 400]).toContain(meta.width);
        } else if (f.endsWith('.json')) JSON.parse(now.toString());
        if (now.equals(before[f])) continue;
        expect(f.endsWith('.csv') || f.endsWith('.json') || f.endsWith('.png')).toBe(true); // a complete new file
      }
    } finally {
      fs.rmSync(filler, { force: true });
    }
  });

  it('writeFileAtomic leaves the old file when the new one does not fit', async () => {
    const f = path.join(mountPoint, 'report.json');
    fs.writeFileSync(f, '{"old": true}');
    await expect(writeFileAtomic(f, 'x'.repeat(2 * 1024 * 1024))).rejects.toThrow(/report\.json: could not write it \(ENOSPC\)/);
    expect(fs.readFileSync(f, 'utf8')).toBe('{"old": true}');
    expect(fs.readdirSync(mountPoint).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
