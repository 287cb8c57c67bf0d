import * as tf from '@tensorflow/tfjs';

/**
 * A per-pixel "brightness" model with fixed weights: p = sigmoid(k * (mean(rgb)/255 - 0.5)).
 * Its output at a pixel depends on that pixel only, so tiled and whole-image predictions must
 * agree exactly: any misplaced tile or bad blending normalisation shows up.
 */
export function brightnessModel(size: number, k = 40): tf.LayersModel {
  const weights = [tf.fill([1, 1, 3, 1], k / (3 * 255)), tf.tensor1d([-k / 2])];
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [size, size, 3], filters: 1, kernelSize: 1, activation: 'sigmoid', weights }));
  tf.dispose(weights); // the layer keeps its own copies
  return model;
}

export function brightnessProbability(r: number, g: number, b: number, k = 40): number {
  return 1 / (1 + Math.exp(-(k * ((r + g + b) / 3 / 255 - 0.5))));
}

/**
 * A per-pixel two-output model for normalised input: mask = sigmoid(k * (mean - 0.5)) and a
 * "border" that is high where the normalised mean is between 0.35 and 0.65 (edges of blurred
 * discs). Per-pixel, so tiled prediction must match whole-image prediction exactly.
 */
export function normalisedTwoOutputModel(size: number, k = 20): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  const mask = tf.layers
    .conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', weights: [tf.fill([1, 1, 3, 1], k / 3), tf.tensor1d([-k / 2])] })
    .apply(input) as tf.SymbolicTensor;
  // Border: sigmoid(a - b * |mean - 0.5|) approximated with two ramps (relu) combined.
  const ramps = tf.layers
    .conv2d({
      filters: 2,
      kernelSize: 1,
      activation: 'relu',
      weights: [tf.tensor4d([1 / 3, -1 / 3, 1 / 3, -1 / 3, 1 / 3, -1 / 3], [1, 1, 3, 2]), tf.tensor1d([-0.5, 0.5])],
    })
    .apply(input) as tf.SymbolicTensor;
  const border = tf.layers
    .conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', weights: [tf.tensor4d([-40, -40], [1, 1, 2, 1]), tf.tensor1d([4])] })
    .apply(ramps) as tf.SymbolicTensor;
  const out = tf.layers.concatenate({ axis: -1 }).apply([mask, border]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}
