// Timings that tests used to assert (figures, not assertions): the DSB score of 400 shifted
// squares on a 1000x1000 label image, and refusing a PNG whose header claims 30000x20000 pixels
// before decoding it. Run: npm run bench -- guards
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { dsbScore } from '@nuclei/evaluation';
import { readImageForSegmentation } from '@nuclei/segmentation';
import { pngHeaderOnly } from '../../../packages/segmentation/src/test-utils/png';

async function main(): Promise<void> {
  const w = 1000;
  const h = 1000;
  const truth = new Int32Array(w * h);
  const pred = new Int32Array(w * h);
  for (let gy = 0; gy < 20; gy++) {
    for (let gx = 0; gx < 20; gx++) {
      const l = gy * 20 + gx + 1;
      const shift = l % 2 === 0 ? 4 : 0;
      for (let y = gy * 50; y < gy * 50 + 40; y++)
        for (let x = gx * 50; x < gx * 50 + 40; x++) {
          truth[y * w + x] = l;
          pred[y * w + x + shift] = 1000 + l;
        }
    }
  }
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    dsbScore(pred, truth, w, h);
    times.push(performance.now() - t);
  }
  console.log(
    `dsbScore, 1000x1000, 400 nuclei: best ${Math.min(...times).toFixed(1)} ms, mean ${(times.reduce((a, b) => a + b) / times.length).toFixed(1)} ms (5 runs)`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'nuclei-guards-'));
  try {
    const p = join(dir, 'huge.png');
    writeFileSync(p, pngHeaderOnly(30000, 20000));
    const t = performance.now();
    const err = await readImageForSegmentation(p).catch((e: Error) => e);
    console.log(`refusing a 30000x20000 PNG from its header: ${(performance.now() - t).toFixed(1)} ms (${String((err as Error).message).slice(0, 60)}...)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
