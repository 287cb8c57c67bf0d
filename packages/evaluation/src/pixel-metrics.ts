/** Pixel-level agreement between two binary masks (any non-zero value counts as foreground). */
export interface PixelMetrics {
  iou: number;
  dice: number;
  accuracy: number;
  precision: number;
  recall: number;
}

/**
 * Pixel IoU, Dice, accuracy, precision and recall of `pred` against `truth`.
 * Empty cases are scored as agreement, so an image without nuclei that gets no prediction is
 * perfect rather than NaN: both empty -> every metric 1. Precision with no predicted pixels is 1
 * only if the truth is empty too (else 0); recall with no true pixels likewise.
 */
export function pixelMetrics(pred: Uint8Array, truth: Uint8Array): PixelMetrics {
  if (pred.length !== truth.length) {
    throw new RangeError(`pixelMetrics: mask sizes differ (${pred.length} vs ${truth.length} pixels)`);
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] !== 0;
    const t = truth[i] !== 0;
    if (p) {
      if (t) tp++;
      else fp++;
    } else if (t) fn++;
  }
  const n = pred.length;
  const union = tp + fp + fn;
  return {
    iou: union === 0 ? 1 : tp / union,
    dice: union === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn),
    accuracy: n === 0 ? 1 : (n - fp - fn) / n,
    precision: tp + fp === 0 ? (fn === 0 ? 1 : 0) : tp / (tp + fp),
    recall: tp + fn === 0 ? (fp === 0 ? 1 : 0) : tp / (tp + fn),
  };
}
