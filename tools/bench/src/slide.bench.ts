// Whole slides, block by block, through the CLI as users run it (each step its own process):
//  1. throughput and peak RSS of `nuclei segment --blocks` on synthetic slides of growing size
//     (peak RSS should not grow with the slide), against `nuclei segment` of the same pixels cut
//     into separate images of the block size (the halo's extra work);
//  2. the same slide as 2 shards on SLURM (when a cluster runs here: tools/slurm/local-cluster.sh);
//  3. a real 4096 x 4096 mosaic of DSB images: block result against one pass over the mosaic
//     (DSB score of one against the other), when ../shared/data/dsb2018-train is here.
// Not a test: it prints figures. Run: npm run bench -- slide [-- --sizes 4096,8192 --no-slurm --no-mosaic]
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { listSampleIds, loadSampleFullSize, readLabelImage } from '@nuclei/data';
import { dsbScore } from '@nuclei/evaluation';
import { LABELS_PATH, openZarrArray, readZarrWindow } from '@nuclei/slide';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'apps/cli/dist/nuclei.js');
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};
const has = (name: string) => process.argv.includes(`--${name}`);
const sizes = (arg('sizes') ?? '4096,8192').split(',').map(Number);
const block = 4096; // segment --blocks' default block
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-bench-slide-'));

/**
 * Runs the CLI under /usr/bin/time: wall seconds, CPU seconds (user + system: the fairer measure
 * when other work shares the machine) and peak RSS (MB).
 */
function timed(args: string[]): { seconds: number; cpu: number; rssMb: number; out: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', process.execPath, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`nuclei ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return { seconds: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMb: Number(m[4]) / 1024, out: r.stdout };
}

const mpPerMin = (px: number, s: number) => (px / 1e6 / (s / 60)).toFixed(1);

async function cutIntoImages(slide: string, size: number, dir: string): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let y = 0; y < size; y += block)
    for (let x = 0; x < size; x += block) {
      const f = path.join(dir, `part-${y}-${x}.png`);
      await sharp(slide, { limitInputPixels: false })
        .extract({ left: x, top: y, width: Math.min(block, size - x), height: Math.min(block, size - y) })
        .png()
        .toFile(f);
      files.push(f);
    }
  return files;
}

async function slurmShards(slide: string, size: number): Promise<void> {
  const s = spawnSync('sinfo', ['-h', '-o', '%t'], { encoding: 'utf8' });
  if (s.status !== 0 || !/idle|mix/.test(s.stdout)) return void console.log('SLURM: no cluster running here (tools/slurm/local-cluster.sh); skipped');
  const work = path.join(tmp, `slurm-${size}`);
  timed(['slide', 'plan', slide, '--out', work, '--shards', '2', '--block', String(block)]);
  const t0 = Date.now();
  const sub = spawnSync(process.execPath, [cli, 'slide', 'slurm', work, '--submit', '--cpus', '1'], { encoding: 'utf8' });
  const [, , merge] = /job array (\d+) .* job (\d+)/.exec(sub.stdout) ?? [];
  if (!merge) throw new Error(`submit failed: ${sub.stdout}${sub.stderr}`);
  // Peak RSS of the shard processes, sampled from ps while they run.
  let peak = 0;
  while (spawnSync('squeue', ['-h', '-j', merge], { encoding: 'utf8' }).stdout.trim()) {
    const ps = spawnSync('ps', ['-eo', 'rss,args'], { encoding: 'utf8' }).stdout.split('\n');
    for (const line of ps) if (line.includes('slide run') || line.includes('slide merge')) peak = Math.max(peak, Number(line.trim().split(' ')[0]) / 1024);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const seconds = (Date.now() - t0) / 1000;
  const merged = fs.readFileSync(path.join(work, 'slurm', 'merge.out'), 'utf8');
  if (!/nuclei in/.test(merged)) throw new Error(`merge failed: ${merged}`);
  console.log(
    `SLURM, 2 shards (1 CPU each) + merge: ${seconds.toFixed(0)} s wall, ${mpPerMin(size * size, seconds)} MP/min, peak RSS of a shard or the merge ${peak.toFixed(0)} MB`,
  );
}

async function mosaic(): Promise<void> {
  const data = process.env.NUCLEI_DSB_DIR ?? path.join(root, '../shared/data/dsb2018-train');
  if (!fs.existsSync(data)) return void console.log(`mosaic: no DSB data at ${data} (set NUCLEI_DSB_DIR); skipped`);
  const side = 4096;
  const pixels = Buffer.alloc(side * side * 3);
  let x = 0;
  let y = 0;
  let row = 0;
  let used = 0;
  // Fluorescence-like images (dark background), packed in rows as they come, sorted by id.
  for (const id of listSampleIds(data).sort()) {
    const { image } = await loadSampleFullSize(data, id);
    let mean = 0;
    for (let i = 0; i < image.data.length; i += 3) mean += image.data[i];
    if (mean / (image.data.length / 3) > 60) continue;
    if (x + image.width > side) [x, y, row] = [0, y + row, 0];
    if (y + image.height > side) break;
    for (let r = 0; r < image.height; r++) pixels.set(image.data.subarray(r * image.width * 3, (r + 1) * image.width * 3), ((y + r) * side + x) * 3);
    x += image.width;
    row = Math.max(row, image.height);
    used++;
  }
  const file = path.join(tmp, 'mosaic.png');
  await sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toFile(file);
  const one = timed(['segment', file, '--out', path.join(tmp, 'mosaic-one'), '--outputs', 'labels']);
  // Blocks of 1024 (16 of them, halo 128), so nuclei lie on many block borders.
  const work = path.join(tmp, 'mosaic-blocks');
  const planned = timed(['slide', 'plan', file, '--out', work, '--block', '1024']);
  const ran = timed(['slide', 'run', work, '--shard', '0/1']);
  const merged = timed(['slide', 'merge', work]);
  const blocks = { seconds: planned.seconds + ran.seconds + merged.seconds, rssMb: Math.max(planned.rssMb, ran.rssMb, merged.rssMb) };
  const a = (await readLabelImage(path.join(tmp, 'mosaic-one', 'mosaic_labels.png'))).labels;
  const b = Int32Array.from(await readZarrWindow(openZarrArray(path.join(work, 'mosaic.ome.zarr', LABELS_PATH, '0')), [], 0, 0, side, side));
  const score = dsbScore(b, a, side, side);
  let same = 0;
  for (let i = 0; i < a.length; i++) if ((a[i] === 0) === (b[i] === 0)) same++;
  console.log(
    `mosaic of ${used} DSB fluorescence images, ${side}x${side}: one pass ${one.seconds.toFixed(0)} s (peak ${one.rssMb.toFixed(0)} MB), 16 blocks of 1024 ${blocks.seconds.toFixed(0)} s (peak ${blocks.rssMb.toFixed(0)} MB); DSB of blocks against one pass ${score.score.toFixed(4)}, pixels agreeing on foreground ${((100 * same) / a.length).toFixed(3)} %`,
  );
}

async function main() {
  if (!fs.existsSync(cli)) spawnSync('npm', ['run', 'build', '-w', '@nuclei/cli', '--silent'], { cwd: root, stdio: 'inherit' });
  console.log(
    `cores ${os.availableParallelism()}, block ${block} px, sizes ${sizes.join(', ')}; figures of one run (other work on the machine slows all alike)`,
  );
  console.log(
    '| slide | pixels | blocks: wall s | CPU s | MP per CPU-min | peak RSS | separate images: wall s | CPU s | MP per CPU-min | peak RSS | blocks / separate (CPU) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  let last = '';
  for (const size of sizes) {
    const slide = path.join(tmp, `slide-${size}.tif`);
    timed(['synth', '--slide', `${size}x${size}`, '--out', slide]);
    const b = timed(['segment', slide, '--blocks', '--out', path.join(tmp, `out-${size}`)]);
    const parts = await cutIntoImages(slide, size, path.join(tmp, `parts-${size}`));
    const s = timed(['segment', ...parts, '--out', path.join(tmp, `parts-out-${size}`), '--outputs', 'labels,measurements,geojson']);
    const mp = (size * size) / 1e6;
    console.log(
      `| ${size}x${size} | ${mp.toFixed(0)} MP | ${b.seconds.toFixed(0)} | ${b.cpu.toFixed(0)} | ${mpPerMin(size * size, b.cpu)} | ${b.rssMb.toFixed(0)} MB | ${s.seconds.toFixed(0)} | ${s.cpu.toFixed(0)} | ${mpPerMin(size * size, s.cpu)} | ${s.rssMb.toFixed(0)} MB | ${(b.cpu / s.cpu).toFixed(2)} |`,
    );
    last = slide;
  }
  if (!has('no-slurm') && last) await slurmShards(last, sizes[sizes.length - 1]);
  if (!has('no-mosaic')) await mosaic();
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});
