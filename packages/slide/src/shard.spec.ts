import { planBlocks, shardBlocks } from './plan';
import { resolveShard } from './shard';
import { slurmScripts } from './slurm';

describe('blocks and shards', () => {
  it('cores tile the slide exactly once; zones add the halo inside the slide', () => {
    const blocks = planBlocks(1000, 700, 256, 40);
    expect(blocks).toHaveLength(4 * 3);
    const seen = new Uint8Array(1000 * 700);
    for (const b of blocks)
      for (let y = b.core.y; y < b.core.y + b.core.height; y++) for (let x = b.core.x; x < b.core.x + b.core.width; x++) seen[y * 1000 + x]++;
    expect(seen.every((v) => v === 1)).toBe(true);
    expect(blocks[5].zone).toEqual({ x: 216, y: 216, width: 336, height: 336 });
    expect(blocks[11].zone).toEqual({ x: 728, y: 472, width: 272, height: 228 });
  });

  it('shards are contiguous runs covering every block once', () => {
    const all = Array.from({ length: 10 }, (_, i) => i);
    const parts = [0, 1, 2].map((s) => shardBlocks(all, s, 3));
    expect(parts).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8, 9],
    ]);
    expect(shardBlocks(all, 0, 20)).toEqual([]);
    expect(() => shardBlocks(all, 3, 3)).toThrow(/not one of 0..2/);
  });

  it('the shard index comes from --shard i/N, else from the array engine; N from the flag, else the plan', () => {
    expect(resolveShard('2/5', {}, 3)).toEqual({ shard: 2, shards: 5, from: '--shard' });
    expect(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '1' }, 4)).toEqual({ shard: 1, shards: 4, from: 'SLURM_ARRAY_TASK_ID' });
    expect(resolveShard('6', { JOB_COMPLETION_INDEX: '5' }, 4)).toEqual({ shard: 5, shards: 6, from: 'JOB_COMPLETION_INDEX' });
    expect(resolveShard(undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '0' }, 2).from).toBe('AWS_BATCH_JOB_ARRAY_INDEX');
    expect(() => resolveShard(undefined, {}, 2)).toThrow(/no shard index: give --shard i\/N/);
    expect(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: '4' }, 4)).toThrow(/shard 4 \(from JOB_COMPLETION_INDEX\) is not one of 0..3/);
    expect(() => resolveShard('a/b', {}, 2)).toThrow(/must be a whole number/);
  });

  it('SLURM scripts: an array over the shards (or the given indices) and a merge, threads from --cpus-per-task', () => {
    const s = slurmScripts({ planDir: "/shared/my plan's", nuclei: 'nuclei', shards: 4, cpus: 3, mem: '4G' });
    expect(s.shards).toMatch(/#SBATCH --array=0-3\n/);
    expect(s.shards).toMatch(/#SBATCH --cpus-per-task=3\n/);
    expect(s.shards).toMatch(/#SBATCH --mem=4G\n/);
    expect(s.shards).toContain(`exec nuclei slide run '/shared/my plan'\\''s' --shard "\${SLURM_ARRAY_TASK_ID}/4" --threads "\${SLURM_CPUS_PER_TASK:-3}"`);
    expect(s.merge).toContain(`exec nuclei slide merge '/shared/my plan'\\''s'`);
    expect(slurmScripts({ planDir: '/p', nuclei: 'nuclei', shards: 4, indices: [1, 3] }).shards).toMatch(/#SBATCH --array=1,3\n/);
  });
});
