import { dsbScore } from './dsb-score';
import { pixelMetrics } from './pixel-metrics';

/** One image to judge: predicted and true label images of the same size. */
export interface EvaluationItem {
  id: string;
  predLabels: Int32Array;
  trueLabels: Int32Array;
  width: number;
  height: number;
}

export interface EvaluationRow {
  id: string;
  iou: number;
  dice: number;
  accuracy: number;
  precision: number;
  recall: number;
  /** 2018 Data Science Bowl score of the instances. */
  dsb: number;
  /**
   * Nucleus detection at IoU 0.5, as Cellpose and StarDist report it: matched predictions over
   * predictions, matched true nuclei over true nuclei, and their harmonic mean (1 when both are empty,
   * else 0 for a ratio with nothing to count).
   */
  nucleusPrecision: number;
  nucleusRecall: number;
  f1: number;
  ap50: number;
  predCount: number;
  trueCount: number;
  /** Kind of image (fluorescence, brightfield, stained), when the caller knows it. */
  kind?: string;
}

export type EvaluationMeans = Omit<EvaluationRow, 'id' | 'predCount' | 'trueCount' | 'kind'>;

/** Plain numbers and strings only, so `JSON.stringify` round-trips it. */
export interface EvaluationReport {
  imageCount: number;
  rows: EvaluationRow[];
  /** Unweighted means over images (as the competition averaged its score). */
  mean: EvaluationMeans;
  /** The same means per kind of image, for rows that carry a kind. */
  byKind?: Record<string, { imageCount: number; mean: EvaluationMeans }>;
}

const MEAN_KEYS = ['iou', 'dice', 'accuracy', 'precision', 'recall', 'dsb', 'nucleusPrecision', 'nucleusRecall', 'f1', 'ap50'] as const;

/** Score one image: pixel metrics on the foreground (label > 0) and the DSB score on instances. */
export function evaluateImage(item: EvaluationItem): EvaluationRow {
  const { id, predLabels, trueLabels, width, height } = item;
  const n = width * height;
  if (predLabels.length !== n || trueLabels.length !== n) {
    throw new RangeError(`evaluateImage(${id}): label images have ${predLabels.length} and ${trueLabels.length} pixels, expected ${width}x${height}=${n}`);
  }
  const predMask = new Uint8Array(n);
  const trueMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    predMask[i] = predLabels[i] > 0 ? 1 : 0;
    trueMask[i] = trueLabels[i] > 0 ? 1 : 0;
  }
  const px = pixelMetrics(predMask, trueMask);
  const d = dsbScore(predLabels, trueLabels, width, height);
  const { tp, fp, fn } = d.perThreshold[0];
  // As StarDist: 0 when a ratio has nothing to count, except that nothing to find and nothing found is perfect.
  const ratio = (num: number, den: number) => (tp + fp + fn === 0 ? 1 : den === 0 ? 0 : num / den);
  return {
    id,
    ...px,
    dsb: d.score,
    nucleusPrecision: ratio(tp, tp + fp),
    nucleusRecall: ratio(tp, tp + fn),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    ap50: d.ap50,
    predCount: d.predCount,
    trueCount: d.trueCount,
  };
}

/** Combine already-scored rows (e.g. computed one at a time to keep memory low) into a report. */
export function reportFromRows(rows: EvaluationRow[]): EvaluationReport {
  if (rows.length === 0) throw new RangeError('evaluateImages: no images to evaluate');
  const meanOf = (rs: EvaluationRow[]) => {
    const mean = {} as EvaluationMeans;
    for (const k of MEAN_KEYS) mean[k] = rs.reduce((s, r) => s + r[k], 0) / rs.length;
    return mean;
  };
  const report: EvaluationReport = { imageCount: rows.length, rows, mean: meanOf(rows) };
  const kinds = [...new Set(rows.map((r) => r.kind).filter((k): k is string => k !== undefined))].sort();
  if (kinds.length) {
    report.byKind = {};
    for (const kind of kinds) {
      const rs = rows.filter((r) => r.kind === kind);
      report.byKind[kind] = { imageCount: rs.length, mean: meanOf(rs) };
    }
  }
  return report;
}

/** One line per kind of image: count, DSB, F1 and AP50 at IoU 0.5, then pixel IoU. Empty when the report has no kinds. */
export function formatKindTable(report: EvaluationReport): string {
  if (!report.byKind) return '';
  const f = (v: number) => v.toFixed(3);
  const lines = Object.entries(report.byKind).map(
    ([k, v]) =>
      `${k.padEnd(13)} ${String(v.imageCount).padStart(4)} images  DSB ${f(v.mean.dsb)}  F1 ${f(v.mean.f1)}  AP50 ${f(v.mean.ap50)}  px IoU ${f(v.mean.iou)}`,
  );
  return lines.join('\n');
}

/** Score every image and average. Throws on an empty list rather than reporting NaN means. */
export function evaluateImages(items: EvaluationItem[]): EvaluationReport {
  return reportFromRows(items.map(evaluateImage));
}

/**
 * Aligned plain-text table of a report: one row per image, then the means. The nucleus figures
 * come first (DSB score, then F1, precision and recall of nuclei matched at IoU 0.5, AP50, counts),
 * the pixel metrics after them, named as such (a mask can be right pixel by pixel and still merge
 * every pair of touching nuclei).
 */
export function formatReportTable(report: EvaluationReport): string {
  const head = ['image', 'DSB', 'F1', 'prec@0.5', 'rec@0.5', 'AP50', 'pred', 'true', 'px IoU', 'px Dice', 'px prec', 'px rec'];
  const f = (v: number) => v.toFixed(3);
  const figures = (m: EvaluationMeans) => [f(m.dsb), f(m.f1), f(m.nucleusPrecision), f(m.nucleusRecall), f(m.ap50)];
  const pixels = (m: EvaluationMeans) => [f(m.iou), f(m.dice), f(m.precision), f(m.recall)];
  const body = report.rows.map((r) => [r.id, ...figures(r), String(r.predCount), String(r.trueCount), ...pixels(r)]);
  const meanRow = [`mean (${report.imageCount})`, ...figures(report.mean), '', '', ...pixels(report.mean)];
  const all = [head, ...body, meanRow];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  // Text column left-aligned, numbers right-aligned so the decimals line up.
  const line = (r: string[]) =>
    r
      .map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(head), rule, ...body.map(line), rule, line(meanRow)].join('\n');
}
