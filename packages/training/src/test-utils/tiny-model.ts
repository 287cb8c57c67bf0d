import * as tf from '@tensorflow/tfjs';

/** IoU of thresholded predictions, named `iou` like the model package's metric. */
function iou(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const p = tf.cast(tf.greater(yPred, 0.5), 'float32');
    const inter = tf.sum(tf.mul(yTrue, p));
    const union = tf.sub(tf.add(tf.sum(yTrue), tf.sum(p)), inter);
    return tf.div(tf.add(inter, 1), tf.add(union, 1));
  });
}

/**
 * A two-conv net (a few hundred weights) compiled like the U-Net (Adam, binary cross-entropy,
 * accuracy + iou): fast enough for many training runs per test file on the cpu backend.
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
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'binaryCrossentropy', metrics: ['accuracy', iou] });
  return model;
}
