// Data-parallel training: train images/s of the seed U-Net (wasm backend) with the batch split over
// 1..N replicas (main thread + worker threads, gradients averaged, one Adam step), as
// `train(model, data, { workers })` does. Not a test: it prints figures.
// Run: npm run bench -- parallel [-- --workers 1,2 --batch 16 --size 128 --steps 3]
// Timings on a shared machine are noisy: compare rows run back to back, and mind the load average.
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { buildUNet } from '@nuclei/model';
import { selectBackend } from '@nuclei/backend';
import { isTrainingWorker, runTrainingWorker } from '@nuclei/training';
import { ParallelTrainer } from '../../../packages/training/src/parallel/pool';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

interface Rate {
  mean: number;
  best: number;
  ms: number[];
  cpuPerImage: number;
}

async function timeSteps(step: () => Promise<void>, images: number, reps: number): Promise<Rate> {
  await step(); // warm-up (XNNPACK operators, Adam slots, worker start-up of their kernels)
  const ms: number[] = [];
  const cpu0 = process.cpuUsage(); // all threads of the process, workers included
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await step();
    ms.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  const total = ms.reduce((a, b) => a + b, 0);
  return { mean: (reps * images * 1000) / total, best: (images * 1000) / Math.min(...ms), ms, cpuPerImage: (cpu.user + cpu.system) / 1e6 / (reps * images) };
}

async function main(): Promise<void> {
  const batch = Number(arg('batch', '16'));
  const size = Number(arg('size', '128'));
  const steps = Number(arg('steps', '3'));
  const counts = arg('workers', '1,2').split(',').map(Number);
  tf.env().set('PROD', true);
  console.log((await selectBackend(arg('backend', 'wasm') as 'wasm')).describe());
  console.log(`seed U-Net ${size}x${size}, batch ${batch}, ${steps} timed steps after one warm-up; replicas: ${counts.join(', ')}`);
  const load0 = os.loadavg()[0];
  const rows: { workers: number; rate: Rate; tensors: number }[] = [];
  for (const workers of counts) {
    const model = buildUNet({ inputSize: size });
    const { x, y } = tf.tidy(() => {
      const x = tf.randomUniform([batch, size, size, 3], 0, 255, 'float32', 1);
      return { x, y: tf.mean(x, 3, true).greater(127).cast('float32') };
    });
    const trainer = workers > 1 ? await ParallelTrainer.start(model, { workers, workerScript: __filename }) : undefined;
    try {
      const step = trainer ? async () => void (await trainer.trainOnBatch(x, y)) : async () => void (await model.trainOnBatch(x, y));
      const rate = await timeSteps(step, batch, steps);
      rows.push({ workers, rate, tensors: tf.memory().numTensors });
      const split = trainer
        ? Object.entries(trainer.lastStep)
            .map(([k, v]) => `${k} ${v.toFixed(0)}`)
            .join(', ')
        : '';
      console.log(
        `  workers ${workers}: ${rate.mean.toFixed(2)} img/s (steps ${rate.ms.map((m) => m.toFixed(0)).join(', ')} ms)` +
          (split ? `; last step on the main thread, ms: ${split}` : ''),
      );
    } finally {
      await trainer?.close();
      x.dispose();
      y.dispose();
      model.dispose();
    }
  }
  const base = rows.find((r) => r.workers === 1)?.rate.mean;
  console.log(
    `\nload average (1 min) before ${load0.toFixed(1)}, after ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores ` +
      '(other processes depress these figures; "best" = fastest single step)',
  );
  // CPU seconds per image (all threads) hardly depend on other load: if they stay flat with more
  // replicas, an otherwise idle machine gets ~replicas x the throughput, up to its core count.
  console.log('| replicas | train img/s | best step img/s | vs 1 | CPU s/image (all threads) |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.workers} | ${r.rate.mean.toFixed(2)} | ${r.rate.best.toFixed(2)} | ${base ? (r.rate.mean / base).toFixed(2) + 'x' : '-'} | ${r.rate.cpuPerImage.toFixed(3)} |`,
    );
  }
}

if (isTrainingWorker()) {
  runTrainingWorker();
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
