import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { NucleiInputError, readPixelSize, writeFileAtomic } from '@nuclei/data';
import type { TilePredictor } from '@nuclei/model';
import { readImageForSegmentation, segment, writeSegmentationOutputs, type SegmentOptions } from '@nuclei/segmentation';
import { shardBlocks } from './plan';

/**
 * Plates and folders of many images, sharded by image with the slide's contract: plan once, run
 * shards anywhere (each image's outputs written whole, a done record last), merge a plate summary.
 */
export interface ImagesPlan {
  format: 'nuclei-images-plan';
  version: 1;
  id: string;
  images: string[];
  /** Where each image's outputs go (NAME_labels.png, NAME_measurements.csv, ...). */
  results: string;
  model: string;
  options: SegmentOptions;
  channel?: number;
  pixelSize?: number;
  shards: number;
}

/** Output stem of an image: its file name without the extension. */
export const imageBase = (file: string) => path.basename(file).replace(/\.[^.]+$/, '');

export function createImagesPlan(images: string[], o: Omit<ImagesPlan, 'format' | 'version' | 'id' | 'images'>): ImagesPlan {
  const seen = new Map<string, string>();
  for (const image of images) {
    const other = seen.get(imageBase(image));
    if (other) throw new NucleiInputError(image, `has the output name of ${other} (${imageBase(image)}_*): rename one`);
    seen.set(imageBase(image), image);
  }
  const body = { format: 'nuclei-images-plan' as const, version: 1 as const, images: images.map((i) => path.resolve(i)), ...o };
  return { ...body, id: createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16) };
}

export function checkImagesPlan(value: unknown): string | undefined {
  const p = value as Partial<ImagesPlan> | null;
  if (typeof p !== 'object' || p === null || p.format !== 'nuclei-images-plan') return 'is not a nuclei images plan';
  if (!Array.isArray(p.images) || !p.images.length) return 'has no images';
  const { id, ...body } = p as ImagesPlan;
  if (id !== createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16))
    return 'was changed after it was written (its id does not match its content)';
  return undefined;
}

/** What a shard records once an image's outputs are all written. */
export interface ImageDone {
  planId: string;
  image: string;
  count: number;
  meanArea: number;
  outputs: Record<string, string>;
}

const doneFile = (dir: string, index: number) => path.join(dir, 'images', `i${String(index).padStart(6, '0')}.json`);

function readDone(dir: string, index: number, planId: string): ImageDone | undefined {
  try {
    const d = JSON.parse(fs.readFileSync(doneFile(dir, index), 'utf8')) as ImageDone;
    return d.planId === planId ? d : undefined;
  } catch {
    return undefined;
  }
}

/** Indices of the plan's images without a done record. */
export function missingImages(dir: string, plan: ImagesPlan): number[] {
  return plan.images.map((_, i) => i).filter((i) => !readDone(dir, i, plan.id));
}

/** Segments shard `shard` of `shards` of the images; finished images are skipped, so a rerun completes a killed shard. */
export async function runImagesShard(
  dir: string,
  plan: ImagesPlan,
  shard: number,
  shards: number,
  predictor: TilePredictor,
  onImage?: (p: { image: string; count: number; done: number; total: number }) => void,
): Promise<{ done: number; skipped: number }> {
  const mine = shardBlocks(
    plan.images.map((_, i) => i),
    shard,
    shards,
  );
  const todo = mine.filter((i) => !readDone(dir, i, plan.id));
  await fs.promises.mkdir(path.join(dir, 'images'), { recursive: true });
  let done = 0;
  for (const i of todo) {
    const file = plan.images[i];
    const image = await readImageForSegmentation(file, undefined, { channel: plan.channel });
    const result = await segment(image, predictor, { ...plan.options, source: file });
    const outputs = await writeSegmentationOutputs(result, image, plan.results, imageBase(file), {
      imagePath: file,
      model: { dir: plan.model },
      pixelSize: plan.pixelSize ?? readPixelSize(file)?.microns,
    });
    const record: ImageDone = { planId: plan.id, image: file, count: result.count, meanArea: result.meanArea, outputs: outputs as Record<string, string> };
    await writeFileAtomic(doneFile(dir, i), JSON.stringify(record, null, 2) + '\n');
    onImage?.({ image: file, count: result.count, done: ++done, total: todo.length });
  }
  return { done, skipped: mine.length - todo.length };
}

/** The plate summary (one row per image) once every image is done; refuses while any is missing, and an existing summary without `overwrite`. */
export async function mergeImages(
  dir: string,
  plan: ImagesPlan,
  outDir: string,
  options: { overwrite?: boolean } = {},
): Promise<{ summary: string; images: number; count: number }> {
  const missing = missingImages(dir, plan);
  if (missing.length)
    throw new NucleiInputError(
      dir,
      `${missing.length} of ${plan.images.length} images are not done (${missing
        .slice(0, 10)
        .map((i) => path.basename(plan.images[i]))
        .join(', ')}); run their shards first`,
    );
  const summary = path.join(outDir, 'plate_summary.csv');
  if (fs.existsSync(summary) && !options.overwrite) throw new NucleiInputError(summary, 'already exists; refusing to replace it (--overwrite replaces it)');
  const rows = plan.images.map((_, i) => readDone(dir, i, plan.id)!);
  const csv =
    [
      'image,nuclei,mean_area_px,outputs',
      ...rows.map((r) => `${JSON.stringify(r.image)},${r.count},${r.meanArea.toFixed(2)},${JSON.stringify(plan.results)}`),
    ].join('\n') + '\n';
  await fs.promises.mkdir(outDir, { recursive: true });
  await writeFileAtomic(summary, csv);
  return { summary, images: rows.length, count: rows.reduce((a, r) => a + r.count, 0) };
}
