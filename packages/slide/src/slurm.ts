import * as path from 'path';

export interface SlurmOptions {
  /** The plan's folder (shared storage every node sees). */
  planDir: string;
  /** How a node runs nuclei, e.g. `node /opt/nuclei/apps/cli/dist/nuclei.js` or `nuclei`. */
  nuclei: string;
  shards: number;
  /** Only these array indices (a resubmission of failed shards). Default all. */
  indices?: number[];
  /** Where merge writes. Default the plan's folder. */
  out?: string;
  cpus?: number;
  /** sbatch --mem (e.g. 4G). */
  mem?: string;
  /** sbatch --time (e.g. 2:00:00). */
  time?: string;
  partition?: string;
}

/** A shell word: single-quoted unless plainly safe. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Two sbatch scripts: the shards as a job array (each task runs `nuclei slide run` with its
 * SLURM_ARRAY_TASK_ID) and the merge, to be submitted with `--dependency=afterok:<array job>`.
 * Threads follow --cpus-per-task, so ONNX Runtime does not oversubscribe a shared node.
 */
export function slurmScripts(o: SlurmOptions): { shards: string; merge: string } {
  const logs = path.join(o.planDir, 'slurm');
  const cpus = o.cpus ?? 2;
  const common = [
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
    `#SBATCH --cpus-per-task=${cpus}`,
  ];
  const array = o.indices?.length ? o.indices.join(',') : `0-${o.shards - 1}`;
  const dir = shellQuote(o.planDir);
  const shards = [
    '#!/bin/bash',
    '#SBATCH --job-name=nuclei-shards',
    `#SBATCH --array=${array}`,
    `#SBATCH --output=${logs}/shard-%a.out`,
    ...common,
    'set -euo pipefail',
    `exec ${o.nuclei} slide run ${dir} --shard "\${SLURM_ARRAY_TASK_ID}/${o.shards}" --threads "\${SLURM_CPUS_PER_TASK:-${cpus}}"`,
    '',
  ].join('\n');
  const merge = [
    '#!/bin/bash',
    '#SBATCH --job-name=nuclei-merge',
    `#SBATCH --output=${logs}/merge.out`,
    ...common,
    'set -euo pipefail',
    `exec ${o.nuclei} slide merge ${dir}${o.out ? ` --out ${shellQuote(o.out)}` : ''}`,
    '',
  ].join('\n');
  return { shards, merge };
}
