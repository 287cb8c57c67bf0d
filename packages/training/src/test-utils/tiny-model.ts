import * as tf from '@tensorflow/tfjs';
import { compileUNet } from '@nuclei/model';

/**
 * A two-conv net (~60 weights) compiled exactly like the U-Net (compileUNet: Adam, binary
 * cross-entropy, acc + iou). A real U-Net is ~1.5 s per batch on the cpu backend even at 16x16;
 * this is ~0.1 s, so tests can afford several real fits.
 */
export function tinyModel(size = 16, learningRate = 0.01, seed = 7): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  const scaled = tf.layers.rescaling({ scale: 1 / 255 }).apply(input) as tf.SymbolicTensor;
  const h = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    .apply(scaled) as tf.SymbolicTensor;
  const out = tf.layers
    .conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) })
    .apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  compileUNet(model, learningRate);
  return model;
}
