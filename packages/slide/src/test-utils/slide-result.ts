// A slide result as `nuclei slide merge` writes it, made without a model (tests of what reads results).
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { DEFAULT_PREPROCESSING, type TilePredictor } from '@nuclei/model';
import { createPlan } from '../create-plan';
import { mergeSlide, type SlideSummary } from '../merge';
import { runShard } from '../run';
import { openSlideSource } from '../source';
import { syntheticSlide, writeSyntheticSlide } from '../synthetic-slide';

/** A stand-in for the U-Net: the normalised intensity as the mask (the synthetic nuclei are bright). */
export const thresholdPredictor: TilePredictor = {
  engine: 'test',
  description: 'threshold',
  size: 128,
  channels: 3,
  outputs: 1,
  async predict(tiles, n, side) {
    const out = new Float32Array(n * side * side);
    for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, tiles[3 * i]));
    return out;
  },
  dispose() {},
};

/**
 * Writes a synthetic slide (`dir/slide.png`, or a tiled TIFF `dir/slide.tif` as slides come),
 * segments it block by block (blocks and label chunks of `chunk` px) and merges it into `dir/out`;
 * returns the summary.
 */
export async function writeSlideResult(
  dir: string,
  width: number,
  height: number,
  options: { seed?: number; chunk?: number; format?: 'png' | 'tif' } = {},
): Promise<SlideSummary> {
  const seed = options.seed ?? 5;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `slide.${options.format ?? 'png'}`);
  if (options.format === 'tif') await writeSyntheticSlide(file, { width, height, seed });
  else
    await sharp(Buffer.from(syntheticSlide({ width, height, seed }).render({ x: 0, y: 0, width, height })), { raw: { width, height, channels: 1 } })
      .png()
      .toFile(file);
  const source = await openSlideSource(file);
  const chunk = options.chunk ?? 1024;
  const plan = await createPlan(source, {
    model: 'threshold',
    options: { mode: 'tile', split: 'components', threshold: 0.5, preprocessing: DEFAULT_PREPROCESSING },
    block: Math.max(256, chunk),
    chunk,
  });
  await runShard(path.join(dir, 'work'), plan, 0, 1, source, thresholdPredictor);
  return mergeSlide(path.join(dir, 'work'), plan, path.join(dir, 'out'), 'slide');
}
