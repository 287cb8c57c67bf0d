import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { generateSyntheticSample, writeFileAtomic } from '@nuclei/data';
import { writeSegmentationOutputs, type SegmentResult } from '@nuclei/segmentation';
import { runCli } from './run-cli';

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

// The commands on a full and on a read-only file system: exit 4 (an output that cannot be written)
// and one line naming the file, never 1 or 3 (issue 23).
(mounted ? describe : describe.skip)('commands that cannot write their outputs', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-full-work-'));
  const data = path.join(work, 'data');
  const checkpoint = path.join(work, 'run', 'best');
  const image = (i: number) => path.join(data, `synthetic_00${i}`, 'images', `synthetic_00${i}.png`);
  const trainArgs = (out: string) =>
    ['train', '--data', data, '--out', out, '--recipe', 'seed', '--preset', 'small', '--size', '32', '--batch', '4', '--epochs', '1'].concat([
      '--backend',
      'wasm',
      '--workers',
      '1',
    ]);
  const filler = path.join(mountPoint, 'filler');
  const free = () => Number(spawnSync('df', ['-B1', '--output=avail', mountPoint], { encoding: 'utf8' }).stdout.trim().split('\n')[1]);
  beforeAll(async () => {
    expect((await runCli(['synth', '--out', data, '--count', '3', '--size', '64'])).code).toBe(0);
    expect((await runCli(trainArgs(path.join(work, 'run')))).code).toBe(0);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  afterEach(() => {
    spawnSync('mount', ['-o', 'remount,rw', mountPoint]);
    for (const f of fs.readdirSync(mountPoint)) fs.rmSync(path.join(mountPoint, f), { recursive: true, force: true });
  });

  // [command, its arguments, what it says, bytes left free on the full disk]
  const commands: Array<[string, (out: string) => string[], RegExp, number?]> = [
    ['segment', (out) => ['segment', image(0), image(1), '--out', out, '--backend', 'wasm'], /could not write it \((ENOSPC|EROFS)\)|read-only \(EROFS\)/],
    ['synth', (out) => ['synth', '--out', out, '--count', '40'], /(ENOSPC|EROFS)/],
    ['train', (out) => trainArgs(out), /(ENOSPC|EROFS)/],
    ['publish', (out) => ['publish', checkpoint, '--out', out, '--backend', 'wasm'], /(ENOSPC|EROFS)/],
    ['evaluate', (out) => ['evaluate', '--data', data, '--out', path.join(out, 'e.json'), '--backend', 'wasm'], /(ENOSPC|EROFS)/, 0],
  ];

  it.each(commands)('%s on a full disk: exit 4', async (_name, args, message, left = 6 * 1024) => {
    const out = path.join(mountPoint, 'out');
    fs.mkdirSync(out);
    // A few kB left: the write probes and lock files fit, the outputs do not.
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free() - left)));
    const r = await runCli(args(out));
    expect([r.code, r.err.join('\n')]).toEqual([4, expect.stringMatching(message)]);
    expect(r.err.join('\n')).not.toMatch(/^\s+at /m);
  });

  it.each(commands)('%s on a read-only file system: exit 4', async (_name, args) => {
    spawnSync('mount', ['-o', 'remount,ro', mountPoint]);
    const r = await runCli(args(path.join(mountPoint, 'out')));
    expect([r.code, r.err]).toEqual([
      4,
      [
        expect.stringMatching(
          /nuclei-full-\w+(\/out)?: (output folder is not writable|cannot create the output folder): the file system is read-only \(EROFS\)/,
        ),
      ],
    ]);
  });
});
