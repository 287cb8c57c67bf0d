import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';

/** A measured float32 matrix-product rate, and what measured it. */
export interface Peak {
  gflops: number;
  by: string;
}

const PY = `
import time, torch
torch.set_num_threads(2)
a = torch.randn(2048, 2048); b = torch.randn(2048, 2048)
for _ in range(3): a @ b
t = time.perf_counter(); n = 10
for _ in range(n): a @ b
print(2 * 2048**3 * n / (time.perf_counter() - t) / 1e9)
`;

/**
 * The machine's float32 matrix-product peak, measured now: with PyTorch (2 threads) when Debian's
 * python3-torch is installed, else with the active TF.js backend's matMul (a lower bound: the
 * backend, not the machine, may be the limit). Nothing is assumed.
 */
export async function measurePeak(): Promise<Peak> {
  const py = spawnSync('python3', ['-c', PY], { encoding: 'utf8', timeout: 60_000 });
  const v = Number(py.stdout?.trim());
  if (py.status === 0 && v > 0) return { gflops: v, by: 'PyTorch matmul 2048x2048, 2 threads' };
  const n = 1024;
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  const step = async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  };
  await step();
  const reps = 5;
  const t = performance.now();
  for (let i = 0; i < reps; i++) await step();
  const seconds = (performance.now() - t) / 1000;
  tf.dispose([a, b]);
  return { gflops: (2 * n ** 3 * reps) / seconds / 1e9, by: `TF.js ${tf.getBackend()} matMul ${n}x${n} (python3-torch not installed; a lower bound)` };
}
