import type * as tf from '@tensorflow/tfjs';
import { modelShape, tfjsPredictor, type TilePredictor } from '@nuclei/model';
import { exportOnnx } from './export';
import { onnxPredictor, type OnnxSessionOptions } from './runtime';

export type EnginePreference = 'auto' | 'onnx' | 'tfjs';
export const ENGINES: readonly EnginePreference[] = ['auto', 'onnx', 'tfjs'];

export interface EngineSelection {
  predictor: TilePredictor;
  /** Why 'auto' did not get ONNX Runtime (absent when it did, or when tfjs was asked for). */
  fallback?: string;
}

/**
 * The predictor for a loaded model: ONNX Runtime on the model's ONNX graph (exported from the
 * loaded weights, so it can never disagree with them) when the runtime loads and `engine` allows,
 * else TF.js on the current backend. 'onnx' fails with the reason instead of falling back.
 * Dispose the predictor; the model stays the caller's.
 */
export async function selectEngine(model: tf.LayersModel, engine: EnginePreference = 'auto', options: OnnxSessionOptions = {}): Promise<EngineSelection> {
  if (!ENGINES.includes(engine)) throw new RangeError(`unknown engine "${engine}" (use ${ENGINES.join(', ')})`);
  if (engine === 'tfjs') return { predictor: tfjsPredictor(model) };
  try {
    return { predictor: await onnxPredictor(exportOnnx(model), modelShape(model), options) };
  } catch (e) {
    if (engine === 'onnx') throw e;
    return { predictor: tfjsPredictor(model), fallback: (e as Error).message };
  }
}

/** The one line commands print about the engine. */
export function describeEngine(sel: EngineSelection): string {
  return `engine: ${sel.predictor.engine} (${sel.predictor.description})${sel.fallback ? `; ONNX Runtime not used: ${sel.fallback}` : ''}`;
}
