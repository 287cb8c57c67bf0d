import type * as tf from '@tensorflow/tfjs';
import { imageKind, type RgbImage } from '@nuclei/data';
import { evaluateImage, reportFromRows, type EvaluationReport } from '@nuclei/evaluation';
import { modelShape, type Preprocessing, type SegmentationDefaults, type TilePredictor } from '@nuclei/model';
import { predictImage, type Prediction, type PredictOptions } from './predict';
import { instancesFromPrediction, type SegmentOptions } from './segment';
import { DEFAULT_SEGMENT } from './defaults';
import { DEFAULT_MARKERS } from './markers';

/** A held-out image with its full-size truth. */
export interface TuneSample {
  id: string;
  image: RgbImage;
  labels: Int32Array;
}

export interface TuneCandidate {
  label: string;
  options: SegmentOptions;
  report: EvaluationReport;
}

export interface TuneResult {
  best: TuneCandidate;
  /** Every setting scored, in the order tried. */
  candidates: TuneCandidate[];
  defaults: SegmentationDefaults;
}

export interface TuneOptions {
  preprocessing?: Preprocessing;
  /** Scores within this of the best go to the earlier (cheaper, simpler) candidate. Default 0.005. */
  tie?: number;
  /** Told after each candidate is scored. */
  onCandidate?: (c: TuneCandidate) => void;
  /** Told while predictions run: the images done of a pass. */
  onProgress?: (label: string, done: number, total: number) => void;
  /** Scales tried for two-output models. Default [1, 1.5, 2]. */
  scales?: number[];
}

/** The grid publish scores: mask threshold t1, border threshold t2 (low values too: a border output can be faint), smallest marker. */
export const MASK_THRESHOLDS = [0.4, 0.5, 0.6, 0.7];
export const BORDER_THRESHOLDS = [0.05, 0.1, 0.2, 0.35, 0.5];
export const MIN_MARKERS = [1, 4, 12];
/** Smallest nucleus kept (px at full size), tried on the chosen split: specks cost DSB precision. */
export const MIN_AREAS = [8, 16, 32];

type Split = Pick<SegmentOptions, 'split' | 'threshold' | 'borderThreshold' | 'minMarker' | 'minArea' | 'fillHoles'>;

export function describeOptions(o: SegmentOptions): string {
  const way = o.mode === 'resize' ? 'resize' : `tile x${o.scale ?? DEFAULT_SEGMENT.scale}${o.tta ? ' tta' : ''}`;
  const split =
    o.split === 'markers'
      ? `markers t1 ${o.threshold ?? DEFAULT_MARKERS.threshold} t2 ${o.borderThreshold ?? DEFAULT_MARKERS.borderThreshold} min ${o.minMarker ?? DEFAULT_MARKERS.minMarker}`
      : o.split === 'cut'
        ? `cut watershed t1 ${o.threshold ?? DEFAULT_MARKERS.threshold} t2 ${o.borderThreshold ?? DEFAULT_MARKERS.borderThreshold}`
        : `${o.split ?? 'watershed'}${o.threshold !== undefined && o.threshold !== DEFAULT_SEGMENT.threshold ? ` t ${o.threshold}` : ''}`;
  return `${way}, ${split}${o.minArea ? `, min area ${o.minArea}` : ''}${o.fillHoles ? ', holes filled' : ''}`;
}

/**
 * Chooses how to segment with a model on held-out images at full size (what `nuclei publish`
 * records as the model's defaults). Predictions are made once per way of predicting (mode, scale,
 * TTA) and every split setting is scored on them, so the grid costs little beyond the predictions.
 * Two-output models: the scale first (marker split at its defaults), then t1 x t2 x smallest
 * marker, the distance watershed on the mask alone and after cutting out the predicted borders
 * (t1 x t2), then TTA if it helps. One-output models:
 * tiles at x1 and x0.5 and the seed's resize, then watershed against components, as before.
 */
export async function tuneSegmentation(samples: readonly TuneSample[], model: tf.LayersModel | TilePredictor, options: TuneOptions = {}): Promise<TuneResult> {
  if (samples.length === 0) throw new RangeError('tuneSegmentation: no held-out images');
  const tie = options.tie ?? 0.005;
  const kinds = samples.map((s) => imageKind(s.image.data));
  const candidates: TuneCandidate[] = [];

  const predictAll = async (p: PredictOptions): Promise<Prediction[]> => {
    const out: Prediction[] = [];
    for (const s of samples) {
      out.push(await predictImage(s.image, model, { ...p, preprocessing: options.preprocessing }));
      options.onProgress?.(describeOptions(p), out.length, samples.length);
    }
    return out;
  };
  const score = (preds: Prediction[], p: PredictOptions, split: Split): TuneCandidate => {
    const rows = preds.map((pred, i) => {
      const inst = instancesFromPrediction(pred, split);
      const { width, height } = pred;
      return { ...evaluateImage({ id: samples[i].id, predLabels: inst.labels, trueLabels: samples[i].labels, width, height }), kind: kinds[i] };
    });
    const chosen: SegmentOptions = { ...p, ...split };
    const c = { label: describeOptions(chosen), options: chosen, report: reportFromRows(rows) };
    candidates.push(c);
    options.onCandidate?.(c);
    return c;
  };
  // The first of `cs` within `tie` of the best.
  const pick = (cs: TuneCandidate[]) => {
    const top = Math.max(...cs.map((c) => c.report.mean.dsb));
    return cs.find((c) => c.report.mean.dsb >= top - tie)!;
  };

  let best: TuneCandidate;
  if (modelShape(model).outputs > 1) {
    const ways: { p: PredictOptions; preds: Prediction[]; c: TuneCandidate }[] = [];
    for (const scale of options.scales ?? [1, 1.5, 2]) {
      const p: PredictOptions = { mode: 'tile', scale };
      const preds = await predictAll(p);
      ways.push({ p, preds, c: score(preds, p, { split: 'markers' }) });
      // Keep only the best way's predictions in memory.
      const bestWay = pick(ways.map((w) => w.c));
      for (const w of ways) if (w.c !== bestWay) w.preds = [];
    }
    const way = ways.find((w) => w.c === pick(ways.map((x) => x.c)))!;
    const grid: TuneCandidate[] = [way.c];
    for (const threshold of MASK_THRESHOLDS) {
      for (const borderThreshold of BORDER_THRESHOLDS) {
        for (const minMarker of MIN_MARKERS) {
          // The defaults were scored as the way itself.
          if (threshold === DEFAULT_MARKERS.threshold && borderThreshold === DEFAULT_MARKERS.borderThreshold && minMarker === DEFAULT_MARKERS.minMarker)
            continue;
          grid.push(score(way.preds, way.p, { split: 'markers', threshold, borderThreshold, minMarker }));
        }
      }
    }
    // The distance watershed on the mask alone: what a model whose border output says little needs;
    // and after cutting out the predicted borders: for one that finds some borders but not all.
    for (const threshold of MASK_THRESHOLDS) {
      grid.push(score(way.preds, way.p, { split: 'watershed', threshold }));
      for (const borderThreshold of BORDER_THRESHOLDS) grid.push(score(way.preds, way.p, { split: 'cut', threshold, borderThreshold }));
    }
    best = pick(grid);
    const chosen: Split = {
      split: best.options.split,
      threshold: best.options.threshold,
      borderThreshold: best.options.borderThreshold,
      minMarker: best.options.minMarker,
    };
    best = pick([best, ...MIN_AREAS.map((minArea) => score(way.preds, way.p, { ...chosen, minArea }))]);
    const sized: Split = { ...chosen, ...(best.options.minArea ? { minArea: best.options.minArea } : {}) };
    best = pick([best, score(way.preds, way.p, { ...sized, fillHoles: true })]);
    const split: Split = { ...sized, ...(best.options.fillHoles ? { fillHoles: true } : {}) };
    const ttaP: PredictOptions = { ...way.p, tta: true };
    way.preds = [];
    const tta = score(await predictAll(ttaP), ttaP, split);
    // TTA costs four times the prediction: keep it only if it clearly helps.
    if (tta.report.mean.dsb > best.report.mean.dsb + tie) best = tta;
  } else {
    const ways: TuneCandidate[] = [];
    const preds: Record<string, Prediction[]> = {};
    for (const p of [{ mode: 'tile', scale: 1 }, { mode: 'tile', scale: 0.5 }, { mode: 'resize' }] as PredictOptions[]) {
      const ps = await predictAll(p);
      const c = score(ps, p, { split: 'watershed' });
      preds[c.label] = ps;
      ways.push(c);
    }
    const way = pick(ways);
    const { split: _s, threshold: _t, borderThreshold: _b, minMarker: _m, ...p } = way.options;
    best = pick([way, score(preds[way.label], p, { split: 'components' })]);
  }
  const runnerUp = candidates.filter((c) => c !== best).sort((a, b) => b.report.mean.dsb - a.report.mean.dsb)[0];
  const o = best.options;
  const defaults: SegmentationDefaults = {
    mode: o.mode ?? DEFAULT_SEGMENT.mode,
    ...(o.mode !== 'resize' ? { scale: o.scale ?? DEFAULT_SEGMENT.scale } : {}),
    split: o.split,
    ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
    ...(o.borderThreshold !== undefined ? { borderThreshold: o.borderThreshold } : {}),
    ...(o.minMarker !== undefined ? { minMarker: o.minMarker } : {}),
    ...(o.tta ? { tta: true } : {}),
    ...(o.minArea ? { minArea: o.minArea } : {}),
    ...(o.fillHoles ? { fillHoles: true } : {}),
    basis:
      `mean DSB ${best.report.mean.dsb.toFixed(3)}` +
      (runnerUp ? `, best other ${runnerUp.report.mean.dsb.toFixed(3)} (${runnerUp.label})` : '') +
      `, on ${samples.length} held-out images at full size; ${candidates.length} settings tried, ties within ${tie} go to the cheaper`,
  };
  return { best, candidates, defaults };
}
