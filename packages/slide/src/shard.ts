/** The environment variables array engines set to a task's index: SLURM job arrays, Kubernetes Indexed Jobs, AWS Batch array jobs. */
export const SHARD_INDEX_VARIABLES = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

/**
 * Which shard to run: `--shard i/N` as given; `--shard N` or nothing takes i from the engine's
 * variable and N from the flag, else from the plan. (Never from SLURM_ARRAY_TASK_COUNT: a
 * resubmitted single index runs as an array of one.)
 */
export function resolveShard(flag: string | undefined, env: NodeJS.ProcessEnv, planShards: number): { shard: number; shards: number; from: string } {
  const int = (v: string, what: string) => {
    if (!/^\d+$/.test(v.trim())) throw new RangeError(`${what} must be a whole number, got "${v}"`);
    return Number(v);
  };
  let shard: number | undefined;
  let shards = planShards;
  let from = '--shard';
  if (flag !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(flag);
    if (m) [shard, shards] = [Number(m[1]), Number(m[2])];
    else shards = int(flag, '--shard (i/N, or N with the index from the environment)');
  }
  if (shard === undefined) {
    const name = SHARD_INDEX_VARIABLES.find((v) => env[v] !== undefined && env[v] !== '');
    if (!name) throw new RangeError(`no shard index: give --shard i/N, or run as a task of an array (${SHARD_INDEX_VARIABLES.join(', ')})`);
    shard = int(env[name]!, name);
    from = name;
  }
  if (!(shards >= 1)) throw new RangeError(`the number of shards must be at least 1, got ${shards}`);
  if (shard >= shards) throw new RangeError(`shard ${shard} (from ${from}) is not one of 0..${shards - 1}`);
  return { shard, shards, from };
}
