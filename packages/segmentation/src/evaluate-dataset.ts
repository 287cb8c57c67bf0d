import type * as tf from '@tensorflow/tfjs';
import { imageKind, listSampleIds, loadSampleFullSize, NucleiInputError } from '@nuclei/data';
import { evaluateImage, reportFromRows, type EvaluationReport, type EvaluationRow } from '@nuclei/evaluation';
import type { TilePredictor } from '@nuclei/model';
import { throwIfAborted } from './predict';
import { segment, type SegmentOptions } from './segment';

export interface EvaluateDatasetOptions extends Omit<SegmentOptions, 'onProgress' | 'source'> {
  /** Only these samples (default: every sample folder, sorted). */
  ids?: string[];
  /** Skip samples that fail to load (told to onSkip) instead of stopping. Default false. */
  skipInvalid?: boolean;
  onSkip?: (id: string, reason: string) => void;
  /** Called after each image with its row. */
  onProgress?: (done: number, total: number, row: EvaluationRow) => void;
}

/**
 * Segments every sample of a DSB-layout folder at native size and scores it against its
 * full-size instance masks (never against masks shrunk to the model size, which would flatter
 * the model and hide what resizing loses). Images are processed one at a time, so memory stays at
 * one image's worth.
 */
export async function evaluateModelOnDataset(
  dir: string,
  model: tf.LayersModel | TilePredictor,
  options: EvaluateDatasetOptions = {},
): Promise<EvaluationReport> {
  const { ids: only, onProgress, skipInvalid, onSkip, ...segmentOptions } = options;
  const ids = only ?? listSampleIds(dir);
  const rows: EvaluationRow[] = [];
  for (const id of ids) {
    throwIfAborted(segmentOptions.signal);
    let sample: Awaited<ReturnType<typeof loadSampleFullSize>>;
    try {
      sample = await loadSampleFullSize(dir, id);
    } catch (e) {
      if (!skipInvalid || (e as Error).name !== 'NucleiInputError') throw e;
      onSkip?.(id, (e as Error).message);
      continue;
    }
    const { width, height } = sample.image;
    const result = await segment(sample.image, model, { ...segmentOptions, source: id });
    const row = { ...evaluateImage({ id, predLabels: result.labels, trueLabels: sample.labels, width, height }), kind: imageKind(sample.image.data) };
    rows.push(row);
    onProgress?.(rows.length, ids.length, row);
  }
  if (rows.length === 0) throw new NucleiInputError(dir, 'no samples could be evaluated (every one was skipped)');
  return reportFromRows(rows);
}
