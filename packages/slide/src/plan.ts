import { createHash } from 'crypto';
import type { Rect } from '@nuclei/data';
import type { NormalisationRanges } from '@nuclei/model';
import type { SegmentOptions } from '@nuclei/segmentation';

/** One block of a slide: the pixels it owns (`core`) and the pixels it segments (`zone`: the core and a halo). */
export interface BlockPlan {
  index: number;
  core: Rect;
  zone: Rect;
}

/** How a slide is segmented block by block: written once by `plan`, read by every shard and by `merge`. */
export interface SlidePlan {
  format: 'nuclei-slide-plan';
  version: 1;
  /** Hash of everything below: block results made under another plan are refused. */
  id: string;
  image: string;
  width: number;
  height: number;
  /** The channel (sample or page) segmented, when the image has several. */
  channel?: number;
  model: string;
  /** The segmentation settings, fixed for every block (the model's recommendation and the user's flags). */
  options: SegmentOptions;
  /** The whole slide's normalisation, from a sample of it: every block is normalised alike. */
  ranges?: NormalisationRanges;
  /** Microns per pixel, when known. */
  pixelSize?: number;
  block: number;
  halo: number;
  /** Side of a label chunk in the OME-Zarr output (block is a multiple of it). */
  chunk: number;
  /** Preview (overlay PNG) = the slide shrunk by this power of two. */
  previewFactor: number;
  blocks: BlockPlan[];
  /** The shards `run` splits the blocks into unless told otherwise. */
  shards: number;
}

/** Rects of `block`-sized cores covering width x height, each with its zone (core + halo, inside the image). */
export function planBlocks(width: number, height: number, block: number, halo: number): BlockPlan[] {
  const out: BlockPlan[] = [];
  for (let y = 0; y < height; y += block) {
    for (let x = 0; x < width; x += block) {
      const core = { x, y, width: Math.min(block, width - x), height: Math.min(block, height - y) };
      const zx = Math.max(0, x - halo);
      const zy = Math.max(0, y - halo);
      const zone = { x: zx, y: zy, width: Math.min(width, x + core.width + halo) - zx, height: Math.min(height, y + core.height + halo) - zy };
      out.push({ index: out.length, core, zone });
    }
  }
  return out;
}

/** The blocks of shard `shard` (0-based) of `shards`: contiguous runs, sizes differing by at most one. */
export function shardBlocks<T>(blocks: readonly T[], shard: number, shards: number): T[] {
  if (!(Number.isInteger(shards) && shards >= 1)) throw new RangeError(`shards must be a positive integer, got ${shards}`);
  if (!(Number.isInteger(shard) && shard >= 0 && shard < shards)) throw new RangeError(`shard ${shard} is not one of 0..${shards - 1}`);
  const from = Math.floor((shard * blocks.length) / shards);
  const to = Math.floor(((shard + 1) * blocks.length) / shards);
  return blocks.slice(from, to);
}

/** The plan's id: a hash of its content (without the id). */
export function planId(plan: Omit<SlidePlan, 'id'>): string {
  const { id: _id, ...rest } = plan as SlidePlan;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** Whether a value read from plan.json is a plan this version can run (with the message saying why not). */
export function checkPlan(value: unknown): string | undefined {
  const p = value as Partial<SlidePlan> | null;
  if (typeof p !== 'object' || p === null || p.format !== 'nuclei-slide-plan') return 'is not a nuclei slide plan';
  if (p.version !== 1) return `is a plan of version ${p.version}; this nuclei reads version 1`;
  if (!Array.isArray(p.blocks) || !p.blocks.length) return 'has no blocks';
  if (p.id !== planId(p as SlidePlan)) return 'was changed after it was written (its id does not match its content)';
  return undefined;
}
