import type * as tf from '@tensorflow/tfjs';
import { batches, type Sample } from '@nuclei/data';
import { namedMetrics, WeightedMeans } from './metric-names';

/**
 * Validation metrics (`val_loss`, `val_acc`, `val_iou`, ...) computed batch by batch so memory
 * stays bounded whatever the size of the validation set. Means are weighted by batch size; a
 * ratio metric such as IoU is thus the mean of per-batch values, not one global ratio.
 */
export async function evaluateBatched(model: tf.LayersModel, samples: readonly Sample[], batchSize: number, size: number): Promise<Record<string, number>> {
  if (samples.length === 0) return {};
  return evaluateBatches(model, batches(samples as Sample[], batchSize, { size }), batchSize);
}

/** The same over batches from any source (e.g. fixed validation crops); disposes each batch. */
export async function evaluateBatches(
  model: tf.LayersModel,
  source: Iterable<{ x: tf.Tensor; y: tf.Tensor }>,
  batchSize: number,
): Promise<Record<string, number>> {
  const means = new WeightedMeans();
  for (const { x, y } of source) {
    try {
      const out = model.evaluate(x, y, { batchSize }) as tf.Scalar | tf.Scalar[];
      const scalars = Array.isArray(out) ? out : [out];
      const values = await Promise.all(scalars.map(async (s) => (await s.data())[0]));
      scalars.forEach((s) => s.dispose());
      means.add(namedMetrics(model, values), x.shape[0]);
    } finally {
      x.dispose();
      y.dispose();
    }
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(means.means())) out[`val_${k}`] = v;
  return out;
}
