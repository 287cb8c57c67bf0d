// Model throughput: predict and train images/s of the seed U-Net (128x128, batch 16) on every
// backend that loads, ONNX Runtime's prediction (the same network exported, 2 threads and 1), the
// achieved GFLOP/s, and a per-kernel profile of one wasm training step.
// Not a test: it prints figures. Run: npm run bench -- model [-- --batch 16 --steps 4 --backends wasm,onnx,cpu]
// Timings on a shared machine are noisy: compare rows run back to back, not across runs.
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildUNet } from '@nuclei/model';
import { exportOnnx, onnxPredictor } from '@nuclei/onnx';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@nuclei/backend';
import { setInnerProfile } from '../../../packages/backend/src/wasm/kernel-utils';
import { seedUNetFlops } from '../../../packages/backend/src/wasm/test-utils/seed-unet';
import { measurePeak } from './peak';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
const batch = Number(arg('batch', '16'));
const size = Number(arg('size', '128'));
const steps = Number(arg('steps', '4'));
const backends = arg('backends', 'tensorflow-gpu,tensorflow,wasm,onnx,cpu').split(',');
const doProfile = arg('profile', 'yes') !== 'no';

interface Row {
  backend: string;
  predict?: Rate;
  train?: Rate;
  note?: string;
}

async function loadBackend(name: string): Promise<string | null> {
  try {
    if (name === 'tensorflow-gpu') {
      require('@tensorflow/tfjs-node-gpu');
      name = 'tensorflow';
    } else if (name === 'tensorflow') {
      require('@tensorflow/tfjs-node');
    } else if (name === 'wasm') {
      setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + path.sep);
    }
    if (!(await tf.setBackend(name))) return null;
    if (name === 'wasm') registerWasmTrainingKernels();
    return name;
  } catch (e) {
    console.log(`  ${name}: not available (${String((e as Error).message).split('\n')[0]})`);
    return null;
  }
}

function batchData(n: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  return tf.tidy(() => {
    const x = tf.randomUniform([n, size, size, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
    const y = tf.mean(x, 3, true).greater(127).cast('float32') as tf.Tensor4D;
    return { x, y };
  });
}

/** images/s: mean over the timed steps, and of the best step (less disturbed by other load). */
interface Rate {
  mean: number;
  best: number;
}

async function timeSteps(step: () => Promise<void>, images: number, reps: number): Promise<Rate> {
  await step(); // warm-up (XNNPACK operators, optimizer slots)
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await step();
    ms.push(performance.now() - t0);
  }
  const total = ms.reduce((a, b) => a + b, 0);
  return { mean: (reps * images * 1000) / total, best: (images * 1000) / Math.min(...ms) };
}

function timePredict(model: tf.LayersModel, x: tf.Tensor, reps: number): Promise<Rate> {
  return timeSteps(
    async () => {
      const p = model.predict(x, { batchSize: x.shape[0] }) as tf.Tensor;
      await p.data();
      p.dispose();
    },
    x.shape[0],
    reps,
  );
}

function timeTrain(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, reps: number): Promise<Rate> {
  return timeSteps(
    async () => {
      await model.trainOnBatch(x, y);
    },
    x.shape[0],
    reps,
  );
}

async function profileTrainStep(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<void> {
  const inner = new Map<string, number>();
  setInnerProfile(inner);
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await model.trainOnBatch(x, y);
  });
  const wall = performance.now() - t0;
  setInnerProfile(null);
  const byName = new Map<string, { ms: number; n: number }>();
  const byShape = new Map<string, { ms: number; n: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    total += ms;
    const a = byName.get(k.name) ?? { ms: 0, n: 0 };
    a.ms += ms;
    a.n++;
    byName.set(k.name, a);
    if (/Conv2D|DepthToSpace|SplitV|MaxPool|Concat/.test(k.name)) {
      const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}`;
      const b = byShape.get(key) ?? { ms: 0, n: 0 };
      b.ms += ms;
      b.n++;
      byShape.set(key, b);
    }
  }
  console.log(
    `\nProfile of one wasm training step (batch ${x.shape[0]}, ${size}x${size}): ` +
      `${total.toFixed(0)} ms in kernels, ${wall.toFixed(0)} ms wall (profiling adds overhead)`,
  );
  console.log('kernel                         calls      ms      %');
  for (const [name, a] of [...byName].sort((p, q) => q[1].ms - p[1].ms).slice(0, 22)) {
    console.log(`${name.padEnd(30)} ${String(a.n).padStart(5)} ${a.ms.toFixed(1).padStart(7)} ${((100 * a.ms) / total).toFixed(1).padStart(6)}`);
  }
  console.log('\ninside the composed kernels (wasm ops they call):');
  for (const [name, ms] of [...inner].sort((p, q) => q[1] - p[1])) {
    console.log(`  ${name.padEnd(44)} ${ms.toFixed(1).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} %`);
  }
  console.log('\nheaviest kernel calls by input shapes:');
  for (const [key, b] of [...byShape].sort((p, q) => q[1].ms - p[1].ms).slice(0, 16)) {
    console.log(`  ${b.ms.toFixed(1).padStart(7)} ms  x${b.n}  ${key}`);
  }
}

/** ONNX Runtime predicting the seed network exported from TF.js: all cores, then one thread. */
async function onnxRows(): Promise<Row[]> {
  const rows: Row[] = [];
  await loadBackend('cpu');
  const model = buildUNet({ inputSize: size });
  const bytes = exportOnnx(model);
  model.dispose();
  const input = tf.tidy(() => tf.randomUniform([batch, size, size, 3], 0, 255, 'float32', 1).dataSync() as Float32Array);
  for (const threads of [...new Set([os.cpus().length, 1])]) {
    try {
      const p = await onnxPredictor(bytes, { size, channels: 3, outputs: 1 }, { threads });
      const predict = await timeSteps(async () => void (await p.predict(input, batch, size)), batch, steps);
      rows.push({ backend: `onnx (${threads} thread${threads > 1 ? 's' : ''})`, predict, note: `${p.description}; predict only (training stays on TF.js)` });
      p.dispose();
    } catch (e) {
      rows.push({ backend: 'onnx', note: `not available (${(e as Error).message.split('\n')[0]})` });
      break;
    }
  }
  console.log('  onnx: done');
  return rows;
}

async function main(): Promise<void> {
  const fwd = seedUNetFlops(size);
  const trainFlops = 3 * fwd;
  console.log(
    `seed U-Net ${size}x${size}: ${(fwd / 1e9).toFixed(3)} GFLOP/image forward, ` +
      `${(trainFlops / 1e9).toFixed(3)} GFLOP/image training (3x); batch ${batch}; ${steps} timed steps after warm-up`,
  );
  const rows: Row[] = [];
  let profiled = false;
  for (const want of backends) {
    if (want === 'onnx') {
      rows.push(...(await onnxRows()));
      continue;
    }
    const name = await loadBackend(want);
    if (!name) {
      rows.push({ backend: want, note: 'not available' });
      continue;
    }
    const model = buildUNet({ inputSize: size });
    const { x, y } = batchData(batch);
    const row: Row = { backend: want };
    if (name === 'cpu') {
      // cpu is far too slow to train: predict a small batch only
      const xs = x.slice([0, 0, 0, 0], [2, size, size, 3]);
      row.predict = await timePredict(model, xs, 1);
      row.note = 'predict only (batch 2)';
      xs.dispose();
    } else {
      row.predict = await timePredict(model, x, steps);
      row.train = await timeTrain(model, x, y, steps);
      if (name === 'wasm' && doProfile && !profiled) {
        await profileTrainStep(model, x, y);
        profiled = true;
      }
    }
    rows.push(row);
    x.dispose();
    y.dispose();
    model.dispose();
    console.log(`  ${want}: done (tensors alive ${tf.memory().numTensors})`);
  }
  const f = (v: number | undefined, d = 2) => (v === undefined ? '-' : v.toFixed(d));
  const both = (r: Rate | undefined, scale: number, d: number) => (r === undefined ? '-' : `${f(r.mean * scale, d)} (best ${f(r.best * scale, d)})`);
  console.log(
    `\nload average while running: ${os
      .loadavg()
      .map((v) => v.toFixed(1))
      .join(' ')} on ${os.cpus().length} cores ` + '(shared machine: compare rows run back to back; "best" = fastest single step)',
  );
  // The fastest backend here measures the peak when PyTorch is absent.
  await loadBackend('wasm');
  const peak = await measurePeak();
  console.log(`peak measured now: ${peak.gflops.toFixed(0)} GFLOP/s (${peak.by})`);
  const PEAK_GFLOPS = peak.gflops;
  console.log(`| backend | predict img/s | predict GFLOP/s | train img/s | train GFLOP/s | train % of ${PEAK_GFLOPS.toFixed(0)} GFLOP/s | note |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const tg = r.train === undefined ? undefined : (r.train.mean * trainFlops) / 1e9;
    console.log(
      `| ${r.backend} | ${both(r.predict, 1, 2)} | ${both(r.predict, fwd / 1e9, 1)} | ${both(r.train, 1, 2)} | ` +
        `${both(r.train, trainFlops / 1e9, 1)} | ${tg === undefined ? '-' : ((100 * tg) / PEAK_GFLOPS).toFixed(1)} | ${r.note ?? ''} |`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
