import type * as tf from '@tensorflow/tfjs';

/**
 * Log keys for the model's metric names: TF.js calls 'accuracy' `acc` and a function metric by its
 * function name (e.g. `iou`, `meanIoU`), so reduce both to the keys the callbacks and files use.
 */
export function metricKey(name: string): string {
  const lower = name.toLowerCase();
  if (lower === 'loss') return 'loss';
  if (lower.includes('iou')) return 'iou';
  if (lower === 'acc' || lower.includes('accuracy')) return 'acc';
  return name;
}

/** Map the numbers returned by trainOnBatch/evaluate to named logs. */
export function namedMetrics(model: tf.LayersModel, values: number | number[]): Record<string, number> {
  const list = Array.isArray(values) ? values : [values];
  const names = model.metricsNames;
  const out: Record<string, number> = {};
  list.forEach((v, i) => {
    out[metricKey(names[i] ?? `metric_${i}`)] = v;
  });
  return out;
}

/** Size-weighted running means (the last batch of an epoch may be short). */
export class WeightedMeans {
  private sums: Record<string, number> = {};
  private count = 0;

  add(metrics: Record<string, number>, weight: number): void {
    for (const [k, v] of Object.entries(metrics)) this.sums[k] = (this.sums[k] ?? 0) + v * weight;
    this.count += weight;
  }

  means(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of Object.entries(this.sums)) out[k] = s / this.count;
    return out;
  }
}
