import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NucleiInputError } from '@nuclei/data';
import type { SlideSummary } from './merge';
import { LABELS_PATH } from './ome-zarr-labels';
import { shrinkImage } from '@nuclei/data';
import { readShrunk } from './shrink';
import { openSlideImage, openSlideView, viewLevels, VIEW_TILE } from './slide-view';
import { openSlideSource } from './source';
import { writeSlideResult } from './test-utils/slide-result';
import { openZarrArray, readZarrWindow } from './zarr';

describe('a slide result as a tile pyramid', () => {
  jest.setTimeout(120_000);
  const W = 1300;
  const H = 700;
  let dir: string;
  let summary: SlideSummary;
  let level0: Float32Array;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-slide-view-'));
    // Chunks of 1024: the labels pyramid has 2 levels, the view 3, so the top view level samples the pyramid's top.
    summary = await writeSlideResult(dir, W, H, { chunk: 1024 });
    level0 = await readZarrWindow(openZarrArray(path.join(summary.outputs.zarr, LABELS_PATH, '0')), [], 0, 0, W, H);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('cuts every level into tiles whose labels are the slide labels, nearest neighbour', async () => {
    expect(summary.count).toBeGreaterThan(100);
    const view = await openSlideView(summary.outputs.zarr);
    expect(view.imageProblem).toBeUndefined();
    expect([view.width, view.height, view.levels]).toEqual([W, H, viewLevels(W, H)]);
    expect(view.levels).toBe(3);
    // Level 0, the second tile of the first row: the labels of that region exactly.
    const t = await view.tile(0, 1, 0);
    expect([t.width, t.height]).toEqual([VIEW_TILE, VIEW_TILE]);
    let differing = 0;
    for (let y = 0; y < t.height; y++) for (let x = 0; x < t.width; x++) if (t.labels[y * t.width + x] !== level0[y * W + VIEW_TILE + x]) differing++;
    expect(differing).toBe(0);
    // The edge tile is cut short; the top level is the whole slide in one tile, sampled every 4 px.
    expect((await view.tile(0, 2, 1)).width).toBe(W - 2 * VIEW_TILE);
    const top = await view.tile(2, 0, 0);
    expect([top.width, top.height]).toEqual([Math.ceil(W / 4), Math.ceil(H / 4)]);
    differing = 0;
    for (let y = 0; y < top.height; y++) for (let x = 0; x < top.width; x++) if (top.labels[y * top.width + x] !== level0[4 * y * W + 4 * x]) differing++;
    expect(differing).toBe(0);
    expect(new Set(top.labels).size).toBeGreaterThan(50);
    await expect(view.tile(3, 0, 0)).rejects.toThrow(/level 3 is outside 0..2/);
    await expect(view.tile(0, 3, 0)).rejects.toThrow(/outside level 0/);
  });

  it('shows the slide stretched for display: nuclei bright, background dark, at every level', async () => {
    const view = await openSlideView(summary.outputs.summary);
    for (const level of [0, 1, 2]) {
      const t = await view.tile(level, 0, 0);
      let inside = 0;
      let outside = 0;
      let n = 0;
      for (let i = 0; i < t.labels.length; i++) {
        if (t.labels[i]) {
          inside += t.image[3 * i];
          n++;
        } else outside += t.image[3 * i];
      }
      expect(inside / n - outside / (t.labels.length - n)).toBeGreaterThan(60);
    }
  });

  it('shows a slide not segmented yet: the same pixels, no labels', async () => {
    const result = await openSlideView(summary.outputs.zarr);
    const alone = await openSlideImage(summary.image);
    expect(alone.result).toBeUndefined();
    expect(result.result?.summary.count).toBe(summary.count);
    expect([alone.width, alone.height, alone.levels]).toEqual([result.width, result.height, result.levels]);
    for (const [level, tx, ty] of [
      [0, 1, 1],
      [2, 0, 0],
    ]) {
      const a = await alone.tile(level, tx, ty);
      const b = await result.tile(level, tx, ty);
      expect(Buffer.from(a.image).equals(Buffer.from(b.image))).toBe(true);
      expect(a.labels.every((l) => l === 0)).toBe(true);
    }
    expect((await alone.measurements()).rows).toEqual([]);
  });

  it('reads the measurements table back: a row per nucleus, areas as counted in the labels', async () => {
    const view = await openSlideView(summary.outputs.zarr);
    const { unit, rows } = await view.measurements();
    expect(unit).toBe('px');
    expect(rows).toHaveLength(summary.count);
    const first = await view.measurements(5);
    expect([first.rows.length, first.total]).toEqual([5, summary.count]);
    expect(first.rows.map((r) => r.label)).toEqual(rows.slice(0, 5).map((r) => r.label));
    const area = new Map<number, number>();
    for (const l of level0) if (l) area.set(l, (area.get(l) ?? 0) + 1);
    for (const r of rows.slice(0, 20)) expect(r.area).toBe(area.get(r.label));
  });

  it('shows the labels alone, and says why, when the slide image is gone', async () => {
    const moved = path.join(dir, 'elsewhere.png');
    fs.renameSync(summary.image, moved);
    try {
      const view = await openSlideView(summary.outputs.zarr);
      expect(view.imageProblem).toMatch(/slide\.png was not found: showing the labels alone/);
      const t = await view.tile(1, 0, 0);
      expect(new Set(t.image)).toEqual(new Set([32]));
      expect(t.labels.some((l) => l > 0)).toBe(true);
    } finally {
      fs.renameSync(moved, summary.image);
    }
  });

  it('refuses what is not a slide result, naming the file', async () => {
    const bare = path.join(dir, 'other.ome.zarr');
    fs.mkdirSync(bare);
    await expect(openSlideView(bare)).rejects.toThrow(NucleiInputError);
    await expect(openSlideView(bare)).rejects.toThrow(/other\.ome\.zarr.*no summary other\.json/);
    fs.writeFileSync(path.join(dir, 'other.json'), '{"width": 3}');
    await expect(openSlideView(bare)).rejects.toThrow(/other\.json.*not a slide summary/);
    await expect(openSlideView(path.join(dir, 'slide.png'))).rejects.toThrow(/not a slide result/);
  });

  it('shrinks by box means, reading strips: the same as shrinking the whole region at once; libvips gives nearly the same', async () => {
    const source = await openSlideSource(summary.image);
    const r = { x: 3, y: 5, width: 1001, height: 650 };
    const whole = shrinkImage(await source.readRegion(r), 3);
    // Without the source's own shrink: read in strips (as OME-Zarr sources are).
    const strips = await readShrunk({ ...source, readShrunk: undefined }, r, 3, 30_000);
    expect([strips.width, strips.height]).toEqual([334, 217]);
    expect(Buffer.from(strips.data).equals(Buffer.from(whole.data))).toBe(true);
    // A box is the mean of its pixels (the last column's boxes hold 2 of them).
    const px = await source.readRegion({ x: 3 + 999, y: 5, width: 2, height: 3 });
    const mean = Math.round([0, 1, 2, 3, 4, 5].reduce((a, i) => a + px.data[3 * i], 0) / 6);
    expect(strips.data[3 * 333]).toBe(mean);
    // libvips's shrink (a box shrink, then a linear reduce): the same picture, a slightly softer filter.
    const inner = { x: 3, y: 5, width: 999, height: 648 };
    const vips = await readShrunk(source, inner, 3);
    const js = shrinkImage(await source.readRegion(inner), 3);
    expect([vips.width, vips.height]).toEqual([js.width, js.height]);
    let diff = 0;
    for (let i = 0; i < js.data.length; i++) diff += Math.abs(vips.data[i] - js.data[i]);
    expect(diff / js.data.length).toBeLessThan(3); // of 255 levels
  });
});
