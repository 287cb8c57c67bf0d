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
