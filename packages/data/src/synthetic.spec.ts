import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { readImageRgb, readMaskPng } from './decode';
import { generateSyntheticDataset, generateSyntheticSample, writeSample } from './synthetic';
import { tempDirs } from './test-utils/tmp';

const tmp = tempDirs();
afterAll(() => tmp.cleanup());

const W = 96;
const H = 80;

function stats(image: { data: Uint8Array }, union: Uint8Array, channel: number): { inside: number; outside: number } {
  let si = 0;
  let ni = 0;
  let so = 0;
  let no = 0;
  union.forEach((m, i) => {
    const v = image.data[3 * i + channel];
    if (m) ((si += v), ni++);
    else ((so += v), no++);
  });
  return { inside: si / ni, outside: so / no };
}

function unionOf(masks: Uint8Array[]): Uint8Array {
  const u = new Uint8Array(masks[0].length);
  for (const m of masks) m.forEach((v, i) => (u[i] |= v));
  return u;
}

describe('generateSyntheticSample', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateSyntheticSample({ width: W, height: H, seed: 11 });
    const b = generateSyntheticSample({ width: W, height: H, seed: 11 });
    const c = generateSyntheticSample({ width: W, height: H, seed: 12 });
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(a.masks.length).toBe(b.masks.length);
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
  });

  it('makes several binary, non-overlapping nuclei of varied size', () => {
    for (const seed of [1, 2, 3]) {
      const { masks } = generateSyntheticSample({ width: W, height: H, seed });
      expect(masks.length).toBeGreaterThanOrEqual(3);
      const cover = new Uint8Array(W * H);
      const areas = masks.map((m) => {
        expect(m.length).toBe(W * H);
        let area = 0;
        let nonBinary = 0;
        m.forEach((v, i) => {
          if (v > 1) nonBinary++;
          cover[i] += v;
          area += v;
        });
        expect(nonBinary).toBe(0);
        return area;
      });
      expect(Math.max(...cover)).toBe(1);
      expect(Math.min(...areas)).toBeGreaterThan(0);
      expect(Math.max(...areas)).toBeGreaterThan(1.5 * Math.min(...areas));
    }
  });

  it('includes touching pairs (nuclei sharing a border) across a few seeds', () => {
    let touching = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const { masks } = generateSyntheticSample({ width: 128, height: 128, seed });
      const label = new Int32Array(128 * 128);
      masks.forEach((m, k) => m.forEach((v, i) => v && (label[i] = k + 1)));
      for (let y = 0; y < 128; y++)
        for (let x = 0; x + 1 < 128; x++) {
          const l = label[y * 128 + x];
          const r = label[y * 128 + x + 1];
          if (l && r && l !== r) touching++;
        }
    }
    expect(touching).toBeGreaterThan(0);
  });

  it('fluorescent: gray, bright nuclei on a dark background', () => {
    const { image, masks } = generateSyntheticSample({ width: W, height: H, seed: 4, style: 'fluorescent' });
    let colourful = 0;
    for (let i = 0; i < W * H; i++) if (image.data[3 * i] !== image.data[3 * i + 1] || image.data[3 * i] !== image.data[3 * i + 2]) colourful++;
    expect(colourful).toBe(0);
    const s = stats(image, unionOf(masks), 0);
    expect(s.inside).toBeGreaterThan(s.outside + 60);
  });

  it('stained: dark purple nuclei on a light background', () => {
    const { image, masks } = generateSyntheticSample({ width: W, height: H, seed: 4, style: 'stained' });
    const u = unionOf(masks);
    const r = stats(image, u, 0);
    const g = stats(image, u, 1);
    const b = stats(image, u, 2);
    expect(r.outside).toBeGreaterThan(180);
    expect(r.inside).toBeLessThan(r.outside - 50);
    expect(b.inside).toBeGreaterThan(g.inside + 20); // purple: more blue (and red) than green
    expect(r.inside).toBeGreaterThan(g.inside + 10);
  });
});

describe('generateSyntheticDataset', () => {
  it('writes the DSB layout, deterministically, readable back as the same masks', async () => {
    const a = tmp.make();
    const b = tmp.make();
    const progress: number[] = [];
    const ids = await generateSyntheticDataset(a, { count: 2, width: 40, height: 30, seed: 3, onProgress: (d) => progress.push(d) });
    await generateSyntheticDataset(b, { count: 2, width: 40, height: 30, seed: 3 });
    expect(ids).toHaveLength(2);
    expect(progress).toEqual([1, 2]);
    for (const id of ids) {
      const imagePath = join(a, id, 'images', `${id}.png`);
      const img = await readImageRgb(imagePath);
      expect([img.width, img.height]).toEqual([40, 30]);
      expect(readFileSync(imagePath).equals(readFileSync(join(b, id, 'images', `${id}.png`)))).toBe(true);
      const files = readdirSync(join(a, id, 'masks'));
      expect(files.length).toBeGreaterThan(0);
      const cover = new Uint8Array(40 * 30);
      for (const f of files) {
        const m = await readMaskPng(join(a, id, 'masks', f));
        m.data.forEach((v, i) => (cover[i] += v));
        expect(m.data.some((v) => v === 1)).toBe(true);
      }
      expect(Math.max(...cover)).toBe(1);
    }
  });
});

describe('writeSample', () => {
  it('writes a sample whole or not at all: a failure leaves no half sample (no empty masks/, no temp folder)', async () => {
    const dir = tmp.make();
    const { image, masks } = generateSyntheticSample({ width: 32, height: 32, seed: 1 });
    // The second mask has the wrong length: the encoder fails after the image was written.
    await expect(writeSample(dir, 'broken', image, [masks[0], new Uint8Array(5)])).rejects.toThrow(
      new RegExp(`${join(dir, 'broken')}: could not write the sample .*nothing of it was left`),
    );
    expect(readdirSync(dir)).toEqual([]);
    await writeSample(dir, 'ok', image, masks);
    expect(readdirSync(dir)).toEqual(['ok']);
    expect(readdirSync(join(dir, 'ok', 'masks'))).toHaveLength(masks.length);
  });
});
