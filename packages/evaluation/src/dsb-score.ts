/** Score at one IoU threshold of the 2018 Data Science Bowl metric. */
export interface ThresholdScore {
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  /** TP / (TP + FP + FN), which the competition called "precision". */
  precision: number;
}

export interface DsbScore {
  /** Mean of `precision` over the thresholds 0.50, 0.55, ..., 0.95. */
  score: number;
  perThreshold: ThresholdScore[];
  /** The value at threshold 0.5. */
  ap50: number;
  predCount: number;
  trueCount: number;
}

/** 0.50, 0.55, ..., 0.95, rounded so that 0.6 is 0.6 and not 0.6000000000000001. */
export const DSB_THRESHOLDS: readonly number[] = Array.from({ length: 10 }, (_, i) => Math.round(50 + 5 * i) / 100);

/** Present labels of a label image, mapped to compact indices 0..k-1, with their areas. */
function compact(labels: Int32Array): { index: Int32Array; areas: number[] } {
  let max = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v > max) max = v;
    else if (v < 0) throw new RangeError(`dsbScore: negative label ${v} at pixel ${i}`);
  }
  const areaByLabel = new Float64Array(max + 1);
  for (let i = 0; i < labels.length; i++) areaByLabel[labels[i]]++;
  // Labels may have gaps (e.g. after small objects were removed): only present ones count.
  const index = new Int32Array(max + 1).fill(-1);
  const areas: number[] = [];
  for (let l = 1; l <= max; l++) {
    if (areaByLabel[l] > 0) {
      index[l] = areas.length;
      areas.push(areaByLabel[l]);
    }
  }
  return { index, areas };
}

/**
 * The 2018 Data Science Bowl score of predicted instances against true ones (label images, 0 =
 * background). At each threshold t a prediction matches a true nucleus when IoU > t; as t >= 0.5,
 * each object matches at most one other, so no assignment problem is needed. The IoU matrix is
 * built sparsely from the joint histogram of (pred, true) label pairs: one pass over the pixels,
 * memory proportional to the number of overlapping pairs, not pred x true.
 * No nuclei and no predictions scores 1.
 */
export function dsbScore(pred: Int32Array, truth: Int32Array, width: number, height: number): DsbScore {
  const n = width * height;
  if (pred.length !== n || truth.length !== n) {
    throw new RangeError(`dsbScore: label images have ${pred.length} and ${truth.length} pixels, expected ${width}x${height}=${n}`);
  }
  const p = compact(pred);
  const t = compact(truth);
  const predCount = p.areas.length;
  const trueCount = t.areas.length;

  // Joint histogram keyed by predIndex * trueCount + trueIndex. Runs of the same pair along a row
  // are summed before touching the Map, which makes this pass cheap on real images.
  const inter = new Map<number, number>();
  let runKey = -1;
  let runLen = 0;
  for (let i = 0; i < n; i++) {
    const a = pred[i];
    const b = truth[i];
    const key = a === 0 || b === 0 ? -1 : p.index[a] * trueCount + t.index[b];
    if (key !== runKey) {
      if (runKey >= 0) inter.set(runKey, (inter.get(runKey) ?? 0) + runLen);
      runKey = key;
      runLen = 0;
    }
    runLen++;
  }
  if (runKey >= 0) inter.set(runKey, (inter.get(runKey) ?? 0) + runLen);

  const ious: number[] = [];
  for (const [key, count] of inter) {
    const pi = Math.floor(key / trueCount);
    const ti = key - pi * trueCount;
    const iou = count / (p.areas[pi] + t.areas[ti] - count);
    if (iou > 0.5) ious.push(iou); // only these can match at any threshold
  }

  const perThreshold = DSB_THRESHOLDS.map((threshold) => {
    let tp = 0;
    for (const iou of ious) if (iou > threshold) tp++;
    const fp = predCount - tp;
    const fn = trueCount - tp;
    const denom = tp + fp + fn;
    return { threshold, tp, fp, fn, precision: denom === 0 ? 1 : tp / denom };
  });
  const score = perThreshold.reduce((s, r) => s + r.precision, 0) / perThreshold.length;
  return { score, perThreshold, ap50: perThreshold[0].precision, predCount, trueCount };
}
