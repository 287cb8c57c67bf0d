import * as tf from '@tensorflow/tfjs';

/** Loss gradients and metrics of one replica's share of a batch. */
export interface ShareResult {
  /** One tensor per `model.trainableWeights` entry, same order. Caller disposes. */
  grads: tf.Tensor[];
  /** `[loss, ...metrics]`, in `model.metricsNames` order (as `trainOnBatch` returns them). */
  values: number[];
}

/**
 * What `trainOnBatch` computes, minus the optimizer step: the model applied with training=true,
 * the mean of each compiled loss (plus regularizer losses), the means of the compiled metrics on the
 * same (dropout) outputs, and the gradients of the loss with respect to the trainable weights.
 */
export function shareGradients(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): ShareResult {
  if (model.outputs.length !== 1 || model.lossFunctions.length !== 1) {
    throw new Error('Parallel training supports single-output models only.');
  }
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const metricTensors: tf.Scalar[] = [];
  try {
    const { value, grads } = tf.variableGrads(() => {
      const out = model.apply(x, { training: true }) as tf.Tensor;
      let loss = tf.mean(model.lossFunctions[0](y, out)) as tf.Scalar;
      for (const [metric] of model.metricsTensors) metricTensors.push(tf.keep(tf.mean(metric(y, out)) as tf.Scalar));
      for (const r of model.calculateLosses()) loss = tf.add(loss, r);
      return loss;
    }, variables);
    // A weight the loss does not depend on gets no entry: its gradient is zero.
    const list = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
    const values = [value, ...metricTensors].map((t) => t.dataSync()[0]);
    value.dispose();
    return { grads: list, values };
  } finally {
    tf.dispose(metricTensors);
  }
}
