import * as tf from '@tensorflow/tfjs';

/** Smoothing so an image with no nuclei predicted and none present scores 1, not NaN. */
const EPSILON = 1e-7;

/**
 * Intersection over union of the masks thresholded at 0.5, per image (tfjs-layers averages over
 * the batch). The function is named `iou` on purpose: tfjs-layers uses the function name as the
 * metric name, so history shows `iou` / `val_iou`.
 */
export function iou(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    // Models with more outputs (touching borders) are scored on the mask, channel 0.
    const channels = yPred.shape[yPred.rank - 1] ?? 1;
    if (channels > 1) {
      const begin = yPred.shape.map(() => 0);
      const size = yPred.shape.map((d, i) => (i === yPred.rank - 1 ? 1 : (d ?? -1)));
      yTrue = tf.slice(yTrue, begin, size);
      yPred = tf.slice(yPred, begin, size);
    }
    const axes = Array.from({ length: yPred.rank - 1 }, (_, i) => i + 1);
    const t = tf.cast(tf.greater(yTrue, 0.5), 'float32');
    const p = tf.cast(tf.greater(yPred, 0.5), 'float32');
    const intersection = tf.sum(tf.mul(t, p), axes);
    const union = tf.sub(tf.add(tf.sum(t, axes), tf.sum(p, axes)), intersection);
    return tf.div(tf.add(intersection, EPSILON), tf.add(union, EPSILON));
  });
}
// Minifiers rename functions; the metric name must stay `iou`.
Object.defineProperty(iou, 'name', { value: 'iou' });

export const IOU_METRIC_NAME = 'iou';

/**
 * Pixel accuracy of the mask (channel 0) cut at 0.5. tfjs' 'accuracy' turns into categorical
 * accuracy (an argmax over channels) for a loss given as a function, which means nothing for a
 * mask + border output; this keeps `acc` the mask's accuracy. Named `acc` for the history key.
 */
export function acc(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const begin = yPred.shape.map(() => 0);
    const size = yPred.shape.map((d, i) => (i === yPred.rank - 1 ? 1 : (d ?? -1)));
    const t = tf.greater(tf.slice(yTrue, begin, size), 0.5);
    const p = tf.greater(tf.slice(yPred, begin, size), 0.5);
    const axes = Array.from({ length: yPred.rank - 1 }, (_, i) => i + 1);
    return tf.mean(tf.cast(tf.equal(t, p), 'float32'), axes);
  });
}
Object.defineProperty(acc, 'name', { value: 'acc' });
