// Data loading benchmark (figures, not assertions): loads the DSB 2018 training set at 128x128
// cold (fresh cache folder) and again from the cache. Data: $NUCLEI_DSB_DIR, else
// ../shared/data/dsb2018-train resolved from the current directory (the repo root under npm).
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import { cpus, loadavg, tmpdir } from 'os';
import { join, resolve } from 'path';
import { listSampleIds, loadDataset, type LoadProgress } from '@nuclei/data';

const SIZE = Number(process.env.NUCLEI_BENCH_SIZE ?? 128);

async function main(): Promise<void> {
  const dir = resolve(process.cwd(), process.env.NUCLEI_DSB_DIR ?? '../shared/data/dsb2018-train');
  if (!existsSync(dir)) {
    console.log(`data bench skipped: no dataset at ${dir} (set NUCLEI_DSB_DIR to a DSB 2018 stage1_train folder)`);
    return;
  }
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const cacheDir = mkdtempSync(join(tmpdir(), 'nuclei-bench-cache-'));
  try {
    let maskFiles = 0;
    let lastPrint = 0;
    const onProgress = (p: LoadProgress): void => {
      const now = Date.now();
      if (p.phase === 'decode' && (now - lastPrint > 2000 || p.done === p.total)) {
        lastPrint = now;
        process.stdout.write(`  decode ${p.done}/${p.total}\n`);
      }
    };
    for (const id of listSampleIds(dir)) {
      const masks = join(dir, id, 'masks');
      if (existsSync(masks)) maskFiles += readdirSync(masks).filter((n) => n.endsWith('.png')).length;
    }

    let t = process.hrtime.bigint();
    const cold = await loadDataset(dir, { size: SIZE, cacheDir, onProgress, skipInvalid: true });
    const coldS = Number(process.hrtime.bigint() - t) / 1e9;
    t = process.hrtime.bigint();
    const warm = await loadDataset(dir, { size: SIZE, cacheDir, skipInvalid: true });
    const warmS = Number(process.hrtime.bigint() - t) / 1e9;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const foreground = cold.samples.reduce((a, s) => a + s.mask.reduce((b, v) => b + v, 0), 0) / (cold.samples.length * SIZE * SIZE);
    console.log(`dataset      ${dir}`);
    console.log(`images       ${cold.samples.length} loaded, ${cold.skipped.length} skipped; mask files ${maskFiles}; size ${SIZE}x${SIZE}`);
    console.log(`cold load    ${coldS.toFixed(2)} s (${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)}: shared machines vary)`);
    console.log(`cached load  ${warmS.toFixed(2)} s (${warm.samples.length} images)`);
    console.log(`foreground   ${(100 * foreground).toFixed(1)}% of mask pixels`);
    console.log(`peak RSS     ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
    for (const s of cold.skipped.slice(0, 5)) console.log(`skipped      ${s.reason}`);
  } finally {
    clearInterval(timer);
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
