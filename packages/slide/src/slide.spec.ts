import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { readImageRgb } from '@nuclei/data';
import type { TilePredictor } from '@nuclei/model';
import { segment, type SegmentOptions } from '@nuclei/segmentation';
import { createPlan } from './create-plan';
import { mergeSlide } from './merge';
import { LABELS_PATH } from './ome-zarr-labels';
import { runShard } from './run';
import { openSlideSource } from './source';
import { syntheticSlide } from './synthetic-slide';
import { bundledPredictor } from './test-utils/model';
import { openZarrArray, readZarrWindow, zarrAttributes } from './zarr';

/** Whether two label images are the same partition (same nuclei, same pixels; ids may differ). */
export function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): { same: boolean; differing: number } {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if ((x === 0) !== (y === 0)) {
      differing++;
      continue;
    }
    if (x === 0) continue;
    if ((ab.has(x) && ab.get(x) !== y) || (ba.has(y) && ba.get(y) !== x)) differing++;
    ab.set(x, y);
    ba.set(y, x);
  }
  return { same: differing === 0, differing };
}

describe('a slide segmented block by block', () => {
  jest.setTimeout(600_000);
  let dir: string;
  let predictor: TilePredictor;
  let options: SegmentOptions;
  const W = 704;
  const H = 576;
  const block = 128;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-slide-'));
    ({ predictor, options } = await bundledPredictor());
  });
  afterAll(() => {
    predictor?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives exactly the labels of one pass over the whole image, with nuclei on every block border and corner', async () => {
    // Nuclei centred on every vertical and horizontal block border, and on every corner.
    const extra: [number, number][] = [];
    for (let x = block; x < W; x += block) for (let y = 40; y < H; y += 150) extra.push([x, y]);
    for (let y = block; y < H; y += block) for (let x = 70; x < W; x += 150) extra.push([x, y]);
    for (let x = block; x < W; x += block) for (let y = block; y < H; y += block) extra.push([x + 0.5, y - 0.5]);
    const slide = syntheticSlide({ width: W, height: H, seed: 3, extra });
    const file = path.join(dir, 'slide.png');
    await sharp(Buffer.from(slide.render({ x: 0, y: 0, width: W, height: H })), { raw: { width: W, height: H, channels: 1 } })
      .png()
      .toFile(file);

    const whole = await segment(await readImageRgb(file), predictor, options);
    expect(whole.count).toBeGreaterThan(300);

    const source = await openSlideSource(file);
    const plan = await createPlan(source, { model: 'bundled', options, block, chunk: 64, halo: 48 });
    expect(plan.blocks.length).toBe(30);
    const work = path.join(dir, 'work');
    // Two shards, as two machines would run them.
    expect(await runShard(work, plan, 0, 2, source, predictor)).toEqual({ done: 15, skipped: 0 });
    expect(await runShard(work, plan, 1, 2, source, predictor)).toEqual({ done: 15, skipped: 0 });
    const summary = await mergeSlide(work, plan, path.join(dir, 'out'), 'slide');
    expect(summary.count).toBe(whole.count);
    expect(summary.conflicts).toBe(0);

    const labels = await readZarrWindow(openZarrArray(path.join(summary.outputs.zarr, LABELS_PATH, '0')), [], 0, 0, W, H);
    expect(samePartition(labels, whole.labels)).toEqual({ same: true, differing: 0 });
    // Ids are 1..n, each used.
    expect(new Set(labels).size).toBe(whole.count + 1);
    expect(labels.reduce((a, b) => Math.max(a, b), 0)).toBe(whole.count);

    // NGFF 0.4 structure: labels group, image-label, a pyramid halving down to one chunk.
    expect(zarrAttributes(path.join(summary.outputs.zarr, 'labels'))).toEqual({ labels: ['nuclei'] });
    const attrs = zarrAttributes(path.join(summary.outputs.zarr, LABELS_PATH)) as { multiscales: { datasets: { path: string }[] }[]; 'image-label': unknown };
    expect(attrs['image-label']).toBeDefined();
    // The halo is what makes it exact: without one, nuclei cut by a block's edge come out different.
    const bare = await createPlan(source, { model: 'bundled', options, block, chunk: 64, halo: 0 });
    await runShard(path.join(dir, 'bare'), bare, 0, 1, source, predictor);
    const bareOut = await mergeSlide(path.join(dir, 'bare'), bare, path.join(dir, 'bare-out'), 'slide');
    const bareLabels = await readZarrWindow(openZarrArray(path.join(bareOut.outputs.zarr, LABELS_PATH, '0')), [], 0, 0, W, H);
    expect(samePartition(bareLabels, whole.labels).differing).toBeGreaterThan(100);

    const shapes = attrs.multiscales[0].datasets.map((d) => openZarrArray(path.join(summary.outputs.zarr, LABELS_PATH, d.path)).shape);
    expect(shapes).toEqual([
      [576, 704],
      [288, 352],
      [144, 176],
      [72, 88],
      [36, 44],
    ]);
  });
});
