import { spawn, spawnSync, type SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { readLabelImage } from '@nuclei/data';
import { LABELS_PATH, openZarrArray, readZarrWindow, shardBlocks, type SlidePlan } from '@nuclei/slide';
import { buildCliBundle, seeded } from '../faults/bundle';

// Slides as users run them: the CLI bundle in its own processes, shards as Kubernetes pods and as
// SLURM array tasks, a shard killed partway and run again. Every route must give the labels of one
// pass over the image (ids may differ from one pass; between block runs they are identical).
jest.setTimeout(1_200_000);

const W = 1024;
const H = 768;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-slide-cli-'));
const image = path.join(root, 'slide.tif');
const planArgs = (out: string, shards: number) => ['slide', 'plan', image, '--out', out, '--block', '256', '--halo', '64', '--shards', String(shards)];
let cli: ReturnType<typeof buildCliBundle>;
let onePass: Int32Array;
let podLabels: Float32Array;

function nuclei(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [cli.file, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`nuclei ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function zarrLabels(dir: string): Promise<Float32Array> {
  return readZarrWindow(openZarrArray(path.join(dir, 'slide.ome.zarr', LABELS_PATH, '0')), [], 0, 0, W, H);
}

/** Same nuclei, same pixels (ids may differ). */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    if ((a[i] === 0) !== (b[i] === 0)) differing++;
    else if (a[i] !== 0) {
      if ((ab.get(a[i]) ?? b[i]) !== b[i] || (ba.get(b[i]) ?? a[i]) !== a[i]) differing++;
      ab.set(a[i], b[i]);
      ba.set(b[i], a[i]);
    }
  }
  return differing;
}

const waitFor = async (what: string, test: () => boolean, timeoutMs: number) => {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

beforeAll(() => {
  cli = buildCliBundle('slide');
  nuclei(['synth', '--slide', `${W}x${H}`, '--out', image, '--seed', '5']);
  // The reference: one pass over the whole image (plain segment, 16-bit labels PNG).
  nuclei(['segment', image, '--out', path.join(root, 'one-pass'), '--outputs', 'labels', '--threads', '1']);
});
afterAll(() => {
  cli?.remove();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('nuclei slide', () => {
  it('runs the shards as Kubernetes Indexed Job pods would (JOB_COMPLETION_INDEX), and merges one-pass labels', async () => {
    onePass = (await readLabelImage(path.join(root, 'one-pass', 'slide_labels.png'))).labels;
    const work = path.join(root, 'pods');
    nuclei(planArgs(work, 3));
    const plan = JSON.parse(fs.readFileSync(path.join(work, 'plan.json'), 'utf8')) as SlidePlan;
    expect(plan.blocks).toHaveLength(12);
    // The manifest's shard container, as a pod runs it: no --shard, the index in the environment.
    const manifest = k8sJobs();
    const shardArgs = manifest.shards.spec.template.spec.containers[0].args as string[];
    expect(shardArgs.slice(0, 2)).toEqual(['slide', 'run']);
    expect(shardArgs).not.toContain('--shard');
    for (let k = 0; k < 3; k++) {
      const r = nuclei(['slide', 'run', work, ...shardArgs.slice(3)], { JOB_COMPLETION_INDEX: String(k) });
      expect(r.stdout).toContain(`shard ${k} of 3 (index from JOB_COMPLETION_INDEX)`);
    }
    const status = spawnSync(process.execPath, [cli.file, 'slide', 'status', work], { encoding: 'utf8' });
    expect(status.status).toBe(0);
    expect(status.stdout).toContain('12 of 12 blocks done');
    const merged = nuclei(['slide', 'merge', work]);
    expect(merged.stdout).toMatch(/\d+ nuclei in 12 blocks/);
    podLabels = await zarrLabels(work);
    expect(samePartition(podLabels, onePass)).toBe(0);
    // An independent reader (Python's zarr, Debian's python3-zarr) sees the same NGFF labels.
    const py = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        [
          'import sys, json, zarr, numpy as np',
          'g = zarr.open(sys.argv[1], mode="r")',
          'ms = g["labels/nuclei"].attrs["multiscales"][0]',
          'a = g["labels/nuclei/0"][:]',
          'print(json.dumps({"labels": g["labels"].attrs["labels"], "imageLabel": "image-label" in g["labels/nuclei"].attrs, "levels": [list(g["labels/nuclei/" + d["path"]].shape) for d in ms["datasets"]], "max": int(a.max()), "sum": int(a.astype(np.int64).sum()), "dtype": str(a.dtype)}))',
        ].join('\n'),
        path.join(work, 'slide.ome.zarr'),
      ],
      { encoding: 'utf8' },
    );
    if (py.status === 0) {
      const seen = JSON.parse(py.stdout);
      expect(seen).toEqual({
        labels: ['nuclei'],
        imageLabel: true,
        levels: [
          [768, 1024],
          [384, 512],
          [192, 256],
        ],
        max: podLabels.reduce((a, b) => Math.max(a, b), 0),
        sum: podLabels.reduce((a, b) => a + b, 0),
        dtype: 'uint32',
      });
    } else console.warn(`python3-zarr check skipped: ${py.stderr.trim().split('\n').pop()}`);
    // A second merge refuses to replace the outputs.
    const again = spawnSync(process.execPath, [cli.file, 'slide', 'merge', work], { encoding: 'utf8' });
    expect(again.status).toBe(3);
    expect(again.stderr).toMatch(/already exists; refusing to replace/);
  });

  it('the Kubernetes manifest is three Jobs on one volume, the shards an Indexed Job as wide as the plan', () => {
    const { plan, shards, merge } = k8sJobs();
    for (const job of [plan, shards, merge]) {
      expect(job.apiVersion).toBe('batch/v1');
      expect(job.kind).toBe('Job');
      expect(job.spec.template.spec.restartPolicy).toBe('Never');
      expect(job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('nuclei-data');
    }
    expect(shards.spec.completionMode).toBe('Indexed');
    const planArgsInManifest = plan.spec.template.spec.containers[0].args as string[];
    expect(Number(planArgsInManifest[planArgsInManifest.indexOf('--shards') + 1])).toBe(shards.spec.completions);
    expect(merge.spec.template.spec.containers[0].args.slice(0, 3)).toEqual(['slide', 'merge', '/data/work']);
  });

  it('a shard killed at a random moment and run again gives the same labels', async () => {
    const rng = seeded(11);
    for (let trial = 0; trial < 2; trial++) {
      const work = path.join(root, `killed-${trial}`);
      nuclei(planArgs(work, 1));
      const blocks = path.join(work, 'blocks');
      const child = spawn(process.execPath, [cli.file, 'slide', 'run', work, '--shard', '0/1', '--threads', '1'], { stdio: 'ignore' });
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      const done = () => (fs.existsSync(blocks) ? fs.readdirSync(blocks).filter((f) => f.endsWith('.nblk')).length : 0);
      await waitFor('the first block', () => done() >= 1, 300_000);
      await new Promise((r) => setTimeout(r, rng() * 1500));
      child.kill('SIGKILL');
      await exited;
      expect(done()).toBeLessThan(12); // partway
      nuclei(['slide', 'run', work, '--shard', '0/1', '--threads', '1']);
      nuclei(['slide', 'merge', work]);
      expect(Array.from(await zarrLabels(work))).toEqual(Array.from(podLabels));
    }
  });

  it('a plate (several images) shards by image as AWS Batch array jobs would, with the outputs segment writes', async () => {
    const data = path.join(root, 'plate-data');
    nuclei(['synth', '--out', data, '--count', '3', '--size', '192']);
    const images = fs.readdirSync(data).map((id) => path.join(data, id, 'images', `${id}.png`));
    const work = path.join(root, 'plate');
    nuclei(['slide', 'plan', ...images, '--out', work, '--shards', '2']);
    for (const k of [1, 0]) nuclei(['slide', 'run', work, '--threads', '1'], { AWS_BATCH_JOB_ARRAY_INDEX: String(k) });
    expect(nuclei(['slide', 'merge', work]).stdout).toMatch(/3 images, \d+ nuclei/);
    const rows = fs.readFileSync(path.join(work, 'plate_summary.csv'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(4);
    nuclei(['segment', ...images, '--out', path.join(root, 'plate-one'), '--threads', '1']);
    for (const image of images) {
      const base = path.basename(image, '.png');
      expect(fs.readFileSync(path.join(work, 'results', `${base}_labels.png`))).toEqual(fs.readFileSync(path.join(root, 'plate-one', `${base}_labels.png`)));
      const count = JSON.parse(fs.readFileSync(path.join(root, 'plate-one', `${base}.json`), 'utf8')).count;
      expect(rows.find((r) => r.includes(base))).toContain(`,${count},`);
    }
  });

  const slurm = spawnSync('sinfo', ['-h', '-o', '%t'], { encoding: 'utf8' });
  const haveSlurm = slurm.status === 0 && /idle|mix|alloc/.test(slurm.stdout);
  if (!haveSlurm) console.warn(`SLURM test skipped: no running SLURM cluster here (tools/slurm/local-cluster.sh starts one)`);
  (haveSlurm || process.env.NUCLEI_REQUIRE_SLURM ? it : it.skip)(
    'on SLURM: 4 shards as a job array and a merge after them; a shard killed partway is resubmitted alone',
    async () => {
      expect(haveSlurm).toBe(true);
      const work = path.join(root, 'slurm');
      nuclei(planArgs(work, 4));
      const submitted = nuclei(['slide', 'slurm', work, '--submit', '--cpus', '1']).stdout;
      const [, array, mergeJob] = /job array (\d+) .* job (\d+)/.exec(submitted) ?? [];
      expect(array).toBeDefined();
      // Kill shard 2's process (kill -9) once it has finished a block, before it finishes all.
      const plan = JSON.parse(fs.readFileSync(path.join(work, 'plan.json'), 'utf8')) as SlidePlan;
      const mine = shardBlocks(plan.blocks, 2, 4).map((b) => path.join(work, 'blocks', `b${String(b.index).padStart(6, '0')}.nblk`));
      await waitFor("shard 2's first block", () => fs.existsSync(mine[0]), 600_000);
      const pids = spawnSync('pgrep', ['-f', `slide run ${work} --shard 2/4`], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .filter(Boolean);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      expect(mine.every((f) => fs.existsSync(f))).toBe(false);
      // The array ends with task 2 failed; the merge can never start (afterok): cancel it.
      const queued = (job: string) => spawnSync('squeue', ['-h', '-j', job], { encoding: 'utf8' }).stdout.trim() !== '';
      const arrayTasks = () => spawnSync('squeue', ['-h', '-r', '-j', array, '-o', '%i'], { encoding: 'utf8' }).stdout.trim();
      await waitFor('the array to end', () => arrayTasks() === '', 600_000);
      expect(fs.existsSync(path.join(work, 'slide.json'))).toBe(false);
      spawnSync('scancel', [mergeJob]);
      const status = spawnSync(process.execPath, [cli.file, 'slide', 'status', work, '--shards', '4'], { encoding: 'utf8' });
      expect(status.status).toBe(1);
      expect(status.stdout).toMatch(/shard 2: [0-2]\/3 \(missing/);
      // Resubmit shard 2 alone; its merge runs after it.
      const again = nuclei(['slide', 'slurm', work, '--submit', '--indices', '2', '--cpus', '1']).stdout;
      const [, , merge2] = /job array (\d+) .* job (\d+)/.exec(again) ?? [];
      await waitFor('the merge', () => !queued(merge2), 900_000);
      expect(fs.readFileSync(path.join(work, 'slurm', 'merge.out'), 'utf8')).toMatch(/nuclei in 12 blocks/);
      expect(Array.from(await zarrLabels(work))).toEqual(Array.from(podLabels));
    },
  );
});

/** The three Jobs of docs/kubernetes/slide-jobs.yaml by step. */
function k8sJobs() {
  const file = path.join(__dirname, '../../../../docs/kubernetes/slide-jobs.yaml');
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as any);
  const byStep = (step: string) => docs.find((d) => d.metadata.labels.step === step);
  return { plan: byStep('plan'), shards: byStep('shards'), merge: byStep('merge') };
}
