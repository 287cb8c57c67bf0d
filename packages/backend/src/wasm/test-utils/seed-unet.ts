// The seed U-Net (as in the Keras reference) for tests and the benchmark, until/unless
// `buildUNet()` from @nuclei/model is used. size 128 -> 1,941,105 parameters.
import * as tf from '@tensorflow/tfjs';

export interface SeedUNetOptions {
  size?: number;
  /** filters of the 5 encoder levels (default 16..256) */
  filters?: number[];
  compile?: boolean;
  learningRate?: number;
}

export function buildSeedUNet(opts: SeedUNetOptions = {}): tf.LayersModel {
  const size = opts.size ?? 128;
  const f = opts.filters ?? [16, 32, 64, 128, 256];
  const encDrop = [0.1, 0.1, 0.2, 0.2, 0.3];
  const decDrop = [0.2, 0.2, 0.1, 0.1];
  const conv = (n: number) =>
    tf.layers.conv2d({
      filters: n,
      kernelSize: 3,
      activation: 'elu',
      kernelInitializer: 'heNormal',
      padding: 'same',
    });
  const block = (x: tf.SymbolicTensor, n: number, drop: number): tf.SymbolicTensor => {
    let y = conv(n).apply(x) as tf.SymbolicTensor;
    y = tf.layers.dropout({ rate: drop }).apply(y) as tf.SymbolicTensor;
    return conv(n).apply(y) as tf.SymbolicTensor;
  };
  const input = tf.input({ shape: [size, size, 3] });
  let x = tf.layers.rescaling({ scale: 1 / 255 }).apply(input) as tf.SymbolicTensor;
  const skips: tf.SymbolicTensor[] = [];
  for (let i = 0; i < f.length; i++) {
    x = block(x, f[i], encDrop[i]);
    if (i < f.length - 1) {
      skips.push(x);
      x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    }
  }
  for (let i = f.length - 2, j = 0; i >= 0; i--, j++) {
    const up = tf.layers.conv2dTranspose({ filters: f[i], kernelSize: 2, strides: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.concatenate({ axis: 3 }).apply([up, skips[i]]) as tf.SymbolicTensor;
    x = block(x, f[i], decDrop[j]);
  }
  const out = tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  if (opts.compile ?? true) {
    model.compile({ optimizer: tf.train.adam(opts.learningRate ?? 1e-3), loss: 'binaryCrossentropy' });
  }
  return model;
}

/**
 * FLOPs (multiply + add = 2) of the convolutions of the seed U-Net for one image, forward.
 * A training step costs about 3x this (forward, input gradient, filter gradient).
 */
export function seedUNetFlops(size = 128, f: number[] = [16, 32, 64, 128, 256], inCh = 3): number {
  let flops = 0,
    ch = inCh,
    s = size;
  const conv = (k: number, ci: number, co: number, hw: number) => 2 * k * k * ci * co * hw * hw;
  const skipCh: number[] = [];
  for (let i = 0; i < f.length; i++) {
    flops += conv(3, ch, f[i], s) + conv(3, f[i], f[i], s);
    ch = f[i];
    if (i < f.length - 1) {
      skipCh.push(ch);
      s /= 2;
    }
  }
  for (let i = f.length - 2; i >= 0; i--) {
    flops += 2 * 4 * ch * f[i] * s * s; // 2x2 stride 2 transposed conv: 4 taps per input pixel
    s *= 2;
    flops += conv(3, f[i] + skipCh[i], f[i], s) + conv(3, f[i], f[i], s);
    ch = f[i];
  }
  flops += 2 * ch * 1 * s * s;
  return flops;
}
