import type { RgbImage } from '@nuclei/data';
import { normalisationRanges } from '@nuclei/model';
import { DEFAULT_SEGMENT, type SegmentOptions } from '@nuclei/segmentation';
import { planBlocks, planId, type SlidePlan } from './plan';
import type { SlideSource } from './source';

export interface PlanOptions {
  model: string;
  /** The settings every block uses (the model's recommendation with the user's flags; `preprocessing` included). */
  options: SegmentOptions;
  /** Core side in px. Default 4096 (the halo's extra work is about 20 %; memory grows with the block, not the slide). */
  block?: number;
  /** Px each block segments beyond its core. Default `defaultHalo`. */
  halo?: number;
  /** Label chunk side of the OME-Zarr output. Default the largest of 1024, 512, ... 64 that divides the block. */
  chunk?: number;
  shards?: number;
  pixelSize?: number;
  channel?: number;
  /** Largest nucleus diameter expected (px), for the halo. */
  maxDiameter?: number;
}

/** Pixels the normalisation sample may hold: whole slides up to this size are sampled whole (exact percentiles). */
export const SAMPLE_PIXELS = 1 << 24;

/** The halo: twice the largest nucleus diameter, so a nucleus whose centre is in a core lies whole in its zone, with room for its cluster. */
export function defaultHalo(maxDiameter = 64): number {
  return Math.ceil(2 * maxDiameter);
}

/**
 * The whole slide's normalisation from a sample: the slide itself up to 16 megapixels, else a
 * regular grid of 64 windows of 512 x 512 (the percentiles of a 16-megapixel sample spread over
 * the slide are within a grey level of the whole's on tissue, and cost one pass over 2 % of a
 * 30,000-px slide instead of all of it).
 */
export async function sampleSlide(source: SlideSource): Promise<RgbImage> {
  const { width, height } = source;
  if (width * height <= SAMPLE_PIXELS) return source.readRegion({ x: 0, y: 0, width, height });
  const side = 512;
  const n = 8;
  const w = Math.min(side, width);
  const h = Math.min(side, height);
  const parts: RgbImage[] = [];
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      const x = Math.round(((width - w) * (i + 0.5)) / n);
      const y = Math.round(((height - h) * (j + 0.5)) / n);
      parts.push(await source.readRegion({ x, y, width: w, height: h }));
    }
  // Stacked vertically: one image of w x (h * 64) holding every window.
  const data = new Uint8Array(parts.reduce((a, p) => a + p.data.length, 0));
  let at = 0;
  for (const p of parts) data.set(p.data, (at += p.data.length) - p.data.length);
  const src = parts[0].source;
  if (!src) return { width: w, height: h * parts.length, data };
  const values = new Float32Array(parts.reduce((a, p) => a + p.source!.data.length, 0));
  at = 0;
  for (const p of parts) values.set(p.source!.data, (at += p.source!.data.length) - p.source!.data.length);
  return { width: w, height: h * parts.length, data, source: { ...src, data: values } };
}

/** A plan for segmenting `source` block by block. */
export async function createPlan(source: SlideSource, o: PlanOptions): Promise<SlidePlan> {
  const { width, height } = source;
  const block = o.block ?? 4096;
  const chunk = o.chunk ?? [1024, 512, 256, 128, 64].find((c) => block % c === 0) ?? block;
  if (!(Number.isInteger(block) && block >= 64)) throw new RangeError(`block must be an integer of at least 64 px, got ${block}`);
  if (block % chunk !== 0 || chunk % 2 !== 0) throw new RangeError(`block ${block} must be a multiple of the chunk ${chunk} (an even number)`);
  if ((o.options.mode ?? DEFAULT_SEGMENT.mode) !== 'tile')
    throw new RangeError('slides are segmented in tile mode (resize squeezes the whole image into one model input)');
  const halo = o.halo ?? defaultHalo(o.maxDiameter);
  let previewFactor = 1;
  while (Math.max(width, height) / previewFactor > 2048 && previewFactor < chunk) previewFactor *= 2;
  const p = o.options.preprocessing;
  const sample = p ? await sampleSlide(source) : undefined;
  const ranges = p && sample ? normalisationRanges(sample.data, p, sample.source) : undefined;
  const body: Omit<SlidePlan, 'id'> = {
    format: 'nuclei-slide-plan',
    version: 1,
    image: source.path,
    width,
    height,
    ...(o.channel !== undefined ? { channel: o.channel } : {}),
    model: o.model,
    options: o.options,
    ...(ranges ? { ranges } : {}),
    ...(o.pixelSize ? { pixelSize: o.pixelSize } : {}),
    block,
    halo,
    chunk,
    previewFactor,
    blocks: planBlocks(width, height, block, halo),
    shards: o.shards ?? 1,
  };
  return { ...body, id: planId(body) };
}
