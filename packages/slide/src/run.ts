import * as fs from 'fs';
import * as path from 'path';
import type { TilePredictor } from '@nuclei/model';
import { segmentBlock } from './block';
import { readBlockMeta, writeBlockFile } from './block-file';
import { shardBlocks, type BlockPlan, type SlidePlan } from './plan';
import type { SlideSource } from './source';

/** The file of block `index` in a plan's folder. */
export function blockFile(dir: string, index: number): string {
  return path.join(dir, 'blocks', `b${String(index).padStart(6, '0')}.nblk`);
}

/** Blocks of the plan without a whole result of this plan. */
export function missingBlocks(dir: string, plan: SlidePlan, blocks: readonly BlockPlan[] = plan.blocks): BlockPlan[] {
  return blocks.filter((b) => !readBlockMeta(blockFile(dir, b.index), plan.id));
}

export interface ShardProgress {
  block: BlockPlan;
  done: number;
  total: number;
  count: number;
  seconds: number;
  /** This shard's blocks done by an earlier run (not in `total`). */
  skipped: number;
}

/**
 * Segments shard `shard` of `shards` into the plan's folder: blocks already done (a whole file of
 * this plan) are skipped, others are written atomically, so a shard killed at any point and run
 * again, or run twice, ends with the same files.
 */
export async function runShard(
  dir: string,
  plan: SlidePlan,
  shard: number,
  shards: number,
  source: SlideSource,
  predictor: TilePredictor,
  options: { onBlock?: (p: ShardProgress) => void; signal?: AbortSignal } = {},
): Promise<{ done: number; skipped: number }> {
  const mine = shardBlocks(plan.blocks, shard, shards);
  const todo = missingBlocks(dir, plan, mine);
  await fs.promises.mkdir(path.join(dir, 'blocks'), { recursive: true });
  let done = 0;
  for (const block of todo) {
    const t0 = Date.now();
    const result = await segmentBlock(plan, block, source, predictor, options.signal);
    await writeBlockFile(blockFile(dir, block.index), result, block.core);
    done++;
    options.onBlock?.({ block, done, total: todo.length, count: result.count, seconds: (Date.now() - t0) / 1000, skipped: mine.length - todo.length });
  }
  return { done, skipped: mine.length - todo.length };
}
