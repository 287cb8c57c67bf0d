import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'fs';
import { join } from 'path';
import sharp from 'sharp';
import { cacheFilePath } from './cache';
import { loadDataset, loadSampleFullSize } from './dataset';
import { readImageRgb, readMaskPng } from './decode';
import { NucleiInputError } from './errors';
import { listSampleIds } from './layout';
import { mergeMasks } from './masks';
import { resizeImage, resizeMask } from './resize';
import { generateSyntheticDataset } from './synthetic';
import { tempDirs } from './test-utils/tmp';
import type { LoadProgress } from './types';

const tmp = tempDirs();
const W = 64;
const H = 48;
const SIZE = 32;
let base: string;
let ids: string[];

beforeAll(async () => {
  base = tmp.make();
  ids = await generateSyntheticDataset(base, { count: 3, width: W, height: H, seed: 5 });
});
afterAll(() => tmp.cleanup());

/** A private copy of the synthetic dataset to damage. */
function copy(): string {
  const d = tmp.make();
  cpSync(base, d, { recursive: true });
  return d;
}
const masksDir = (dir: string, id: string) => join(dir, id, 'masks');
const firstMask = (dir: string, id: string) => join(masksDir(dir, id), readdirSync(masksDir(dir, id)).sort()[0]);

async function expectInputError(p: Promise<unknown>, path: string, problem: RegExp): Promise<NucleiInputError> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(NucleiInputError);
  expect(err.path).toBe(path);
  expect(err.message).toContain(path);
  expect(err.message).toMatch(problem);
  return err;
}

describe('loadDataset', () => {
  it('loads every sample at model size, equal to decoding, merging and resizing by hand', async () => {
    const { samples, skipped, size } = await loadDataset(base, { size: SIZE, cacheDir: false });
    expect(size).toBe(SIZE);
    expect(skipped).toEqual([]);
    expect(samples.map((s) => s.id)).toEqual(ids);
    for (const s of samples) {
      const dir = join(base, s.id);
      const image = await readImageRgb(join(dir, 'images', `${s.id}.png`));
      const masks = await Promise.all(readdirSync(join(dir, 'masks')).map((f) => readMaskPng(join(dir, 'masks', f))));
      const union = mergeMasks(
        masks.map((m) => m.data),
        W,
        H,
      );
      expect([s.originalWidth, s.originalHeight]).toEqual([W, H]);
      expect(Buffer.from(s.image).equals(Buffer.from(resizeImage(image, SIZE, SIZE).data))).toBe(true);
      expect(Buffer.from(s.mask).equals(Buffer.from(resizeMask(union, W, H, SIZE, SIZE)))).toBe(true);
      expect(s.mask.some((v) => v === 1)).toBe(true);
    }
  });

  it('reports progress while scanning and decoding', async () => {
    const events: LoadProgress[] = [];
    await loadDataset(base, { size: SIZE, cacheDir: false, onProgress: (p) => events.push({ ...p }) });
    for (const phase of ['scan', 'decode'] as const) {
      const ofPhase = events.filter((e) => e.phase === phase);
      expect(ofPhase.map((e) => e.done)).toEqual(ids.map((_, i) => i + 1));
      expect(ofPhase.every((e) => e.total === ids.length && ids.includes(e.id!))).toBe(true);
    }
  });

  describe('cache', () => {
    const phases = (events: LoadProgress[]) => new Set(events.map((e) => e.phase));
    const load = async (dir: string, cacheDir: string, size = SIZE) => {
      const events: LoadProgress[] = [];
      const result = await loadDataset(dir, { size, cacheDir, onProgress: (p) => events.push(p) });
      return { result, events };
    };

    it('serves a second load from one cache file, with the same arrays', async () => {
      const dir = copy();
      const cacheDir = tmp.make();
      const first = await load(dir, cacheDir);
      expect(phases(first.events).has('decode')).toBe(true);
      expect(readdirSync(cacheDir)).toEqual([cacheFilePath(cacheDir, dir, SIZE).split('/').pop()]); // no temp files left
      const second = await load(dir, cacheDir);
      expect(phases(second.events).has('decode')).toBe(false);
      expect(second.result.samples.map((s) => s.id)).toEqual(first.result.samples.map((s) => s.id));
      second.result.samples.forEach((s, i) => {
        const f = first.result.samples[i];
        expect(Buffer.from(s.image).equals(Buffer.from(f.image))).toBe(true);
        expect(Buffer.from(s.mask).equals(Buffer.from(f.mask))).toBe(true);
        expect([s.originalWidth, s.originalHeight]).toEqual([f.originalWidth, f.originalHeight]);
      });
    });

    it('is rebuilt when a mask changes, and the reload reflects the change', async () => {
      const dir = copy();
      const cacheDir = tmp.make();
      const before = (await load(dir, cacheDir)).result.samples[0];
      // Blank out every mask of the first sample: its merged mask must become empty.
      const id = ids[0];
      for (const f of readdirSync(masksDir(dir, id))) {
        const p = join(masksDir(dir, id), f);
        await sharp(Buffer.alloc(W * H), { raw: { width: W, height: H, channels: 1 } })
          .toColourspace('b-w')
          .png()
          .toFile(p);
        const t = statSync(p).mtime;
        utimesSync(p, t, new Date(t.getTime() + 5000)); // even on coarse-mtime filesystems
      }
      const after = await load(dir, cacheDir);
      expect(phases(after.events).has('decode')).toBe(true);
      expect(before.mask.some((v) => v === 1)).toBe(true);
      expect(after.result.samples[0].mask.every((v) => v === 0)).toBe(true);
    });

    it('is rebuilt when a mask file is removed, and per size', async () => {
      const dir = copy();
      const cacheDir = tmp.make();
      const before = (await load(dir, cacheDir)).result.samples[0];
      rmSync(firstMask(dir, ids[0]));
      const after = await load(dir, cacheDir);
      expect(phases(after.events).has('decode')).toBe(true);
      const count = (m: Uint8Array) => m.reduce((s, v) => s + v, 0);
      expect(count(after.result.samples[0].mask)).toBeLessThan(count(before.mask));
      const other = await load(dir, cacheDir, 16);
      expect(phases(other.events).has('decode')).toBe(true);
      expect(other.result.samples[0].mask.length).toBe(16 * 16);
    });

    it('survives concurrent loads of the same dataset and clears stale temp files', async () => {
      const dir = copy();
      const cacheDir = tmp.make();
      const file = cacheFilePath(cacheDir, dir, SIZE);
      const stale = `${file}.${Date.now() - 2 * 3600_000}-1-0.tmp`;
      writeFileSync(stale, 'left by a killed process');
      const [a, b] = await Promise.all([load(dir, cacheDir), load(dir, cacheDir)]);
      expect(a.result.samples.map((s) => s.id)).toEqual(b.result.samples.map((s) => s.id));
      expect(readdirSync(cacheDir)).toEqual([file.split('/').pop()]);
      expect(phases((await load(dir, cacheDir)).events).has('decode')).toBe(false);
    });

    it('ignores a damaged cache file and rebuilds it', async () => {
      const dir = copy();
      const cacheDir = tmp.make();
      const first = await load(dir, cacheDir);
      const file = cacheFilePath(cacheDir, dir, SIZE);
      truncateSync(file, statSync(file).size - 100);
      const again = await load(dir, cacheDir);
      expect(phases(again.events).has('decode')).toBe(true);
      expect(Buffer.from(again.result.samples[2].image).equals(Buffer.from(first.result.samples[2].image))).toBe(true);
      expect(phases((await load(dir, cacheDir)).events).has('decode')).toBe(false);
    });
  });

  describe('bad input', () => {
    const opts = { size: SIZE, cacheDir: false as const };

    it('missing images/ folder', async () => {
      const dir = copy();
      rmSync(join(dir, ids[1], 'images'), { recursive: true });
      await expectInputError(loadDataset(dir, opts), join(dir, ids[1], 'images'), /missing images folder/);
    });

    it('missing masks/ folder', async () => {
      const dir = copy();
      rmSync(join(dir, ids[0], 'masks'), { recursive: true });
      await expectInputError(loadDataset(dir, opts), join(dir, ids[0], 'masks'), /missing masks folder/);
    });

    it('an empty masks/ folder, unless images without nuclei are intended (allowEmpty)', async () => {
      const dir = copy();
      const masks = masksDir(dir, ids[1]);
      for (const f of readdirSync(masks)) rmSync(join(masks, f));
      await expectInputError(loadDataset(dir, opts), masks, /empty masks folder/);
      await expectInputError(loadSampleFullSize(dir, ids[1]), masks, /empty masks folder/);
      const ok = await loadDataset(dir, { ...opts, allowEmpty: true });
      expect(ok.samples.map((s) => s.id)).toEqual(ids);
      expect(ok.samples[1].mask.every((v) => v === 0)).toBe(true);
      expect((await loadSampleFullSize(dir, ids[1], undefined, { allowEmpty: true })).labels.every((v) => v === 0)).toBe(true);
    });

    it('an images folder with no image', async () => {
      const dir = copy();
      rmSync(join(dir, ids[2], 'images', `${ids[2]}.png`));
      writeFileSync(join(dir, ids[2], 'images', '.DS_Store'), 'junk');
      await expectInputError(loadDataset(dir, opts), join(dir, ids[2], 'images'), /no image/);
    });

    it('a corrupt image PNG', async () => {
      const dir = copy();
      const p = join(dir, ids[1], 'images', `${ids[1]}.png`);
      writeFileSync(p, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 0x41)]));
      await expectInputError(loadDataset(dir, opts), p, /corrupt|cannot decode|not an image/);
    });

    it('a truncated mask PNG', async () => {
      const dir = copy();
      const p = firstMask(dir, ids[0]);
      truncateSync(p, Math.floor(statSync(p).size / 2));
      await expectInputError(loadDataset(dir, opts), p, /corrupt|truncated|cannot decode/);
    });

    it('a mask whose size differs from its image', async () => {
      const dir = copy();
      const p = join(masksDir(dir, ids[1]), 'zz_wrong_size.png');
      await sharp(Buffer.alloc(10 * 12, 255), { raw: { width: 10, height: 12, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toFile(p);
      await expectInputError(loadDataset(dir, opts), p, new RegExp(`mask is 10x12 but its image .* is ${W}x${H}`));
    });

    it('an empty dataset, and a folder that does not exist', async () => {
      const empty = tmp.make();
      writeFileSync(join(empty, '.DS_Store'), 'junk');
      await expectInputError(loadDataset(empty, opts), empty, /empty dataset/);
      const absent = join(empty, 'nope');
      await expectInputError(loadDataset(absent, opts), absent, /missing dataset folder/);
    });

    it('ignores hidden files and stray top-level files, but rejects a non-PNG in masks/', async () => {
      const dir = copy();
      writeFileSync(join(dir, '.DS_Store'), 'junk');
      writeFileSync(join(dir, 'README.txt'), 'notes about the data');
      writeFileSync(join(masksDir(dir, ids[0]), '.DS_Store'), 'junk');
      const ok = await loadDataset(dir, opts);
      expect(ok.samples.map((s) => s.id)).toEqual(ids);
      const stray = join(masksDir(dir, ids[0]), 'notes.txt');
      writeFileSync(stray, 'not a mask');
      await expectInputError(loadDataset(dir, opts), stray, /not a PNG mask/);
    });

    it('skipInvalid skips bad samples and says why', async () => {
      const dir = copy();
      const badMask = firstMask(dir, ids[0]);
      writeFileSync(badMask, 'garbage');
      const cacheDir = tmp.make();
      const first = await loadDataset(dir, { size: SIZE, cacheDir, skipInvalid: true });
      expect(first.skipped.map((s) => [s.id, s.path])).toEqual([[ids[0], badMask]]);
      // A cache written while skipping must not hide the error from a strict load.
      await expectInputError(loadDataset(dir, { size: SIZE, cacheDir }), badMask, /not a PNG mask/);

      rmSync(join(dir, ids[2], 'masks'), { recursive: true });
      const { samples, skipped } = await loadDataset(dir, { size: SIZE, cacheDir, skipInvalid: true });
      expect(samples.map((s) => s.id)).toEqual([ids[1]]);
      expect(skipped.map((s) => [s.id, s.path])).toEqual([
        [ids[0], badMask],
        [ids[2], join(dir, ids[2], 'masks')],
      ]);
      expect(skipped[1].reason).toMatch(/missing masks folder/);
      // A set where everything is bad is still an error.
      rmSync(join(dir, ids[1], 'masks'), { recursive: true });
      await expectInputError(loadDataset(dir, { ...opts, skipInvalid: true }), dir, /no valid samples/);
    });
  });
});

describe('loadSampleFullSize', () => {
  it('returns the full-size image and one label per mask file, in file-name order', async () => {
    const id = ids[1];
    const { image, labels } = await loadSampleFullSize(base, id);
    expect([image.width, image.height]).toEqual([W, H]);
    const files = readdirSync(masksDir(base, id)).sort();
    for (let k = 0; k < files.length; k++) {
      const m = await readMaskPng(join(masksDir(base, id), files[k]));
      for (let i = 0; i < m.data.length; i++) if (m.data[i]) expect(labels[i]).toBe(k + 1);
    }
    expect(Math.max(...labels)).toBe(files.length);
  });
  it('names the missing sample', async () => {
    await expectInputError(loadSampleFullSize(base, 'nope'), join(base, 'nope', 'images'), /missing images folder/);
  });
});

describe('listSampleIds', () => {
  it('lists sample folders sorted, skipping hidden entries and plain files', () => {
    const dir = copy();
    writeFileSync(join(dir, '.DS_Store'), 'x');
    writeFileSync(join(dir, 'labels.csv'), 'x');
    expect(existsSync(join(dir, ids[0]))).toBe(true);
    expect(listSampleIds(dir)).toEqual([...ids].sort());
  });

  it('skips the models/ folder of training runs silently, and warns about other non-sample folders', () => {
    const dir = copy();
    mkdirSync(join(dir, 'models', 'run-2026-12-01-1200', 'best'), { recursive: true });
    mkdirSync(join(dir, 'notes'));
    const ignored: string[] = [];
    expect(listSampleIds(dir, (p) => ignored.push(p))).toEqual([...ids].sort());
    expect(ignored).toEqual([join(dir, 'notes')]);
  });
});
