import * as os from 'os';
import type * as tf from '@tensorflow/tfjs';
import type { TilePredictor } from '@nuclei/model';
import { describeEngine, ENGINES, selectEngine, type EnginePreference } from '@nuclei/onnx';
import { choiceOption, intOption } from '../args';
import { CliError } from '../cli-error';

/** The prediction-engine flags of the commands that segment (segment, evaluate, verify, publish). */
export const ENGINE_FLAGS = {
  engine: { type: 'string' },
  threads: { type: 'string' },
  device: { type: 'string' },
} as const;

export const ENGINE_HELP = `  --engine auto|onnx|tfjs  what predicts: ONNX Runtime (auto's choice when it loads; about 6x TF.js wasm)
                       or TF.js on --backend. Training always uses TF.js.
  --threads N          ONNX Runtime threads, at most the number of cores (the default)
  --device cpu|cuda    ONNX Runtime's execution provider (cuda: see the README for its libraries;
                       without them, ONNX Runtime on the CPU, with a warning)`;

export interface EngineFlags {
  engine: EnginePreference;
  threads?: number;
  device?: 'cpu' | 'cuda';
}

/** --engine and --threads, checked before anything is loaded. */
export function engineFlags(values: Record<string, unknown>): EngineFlags {
  return {
    engine: choiceOption('engine', values.engine, ENGINES, 'auto'),
    // More threads than cores only slow each other down (a thousand never finish starting).
    threads: values.threads === undefined ? undefined : intOption('threads', values.threads, 1, 1, os.availableParallelism()),
    device: values.device === undefined ? undefined : choiceOption('device', values.device, ['cpu', 'cuda'] as const, 'cpu'),
  };
}

/**
 * The predictor for a loaded model, after printing which engine runs it (and why ONNX Runtime was
 * not used). If no engine can be set up, the model is disposed before the error is thrown.
 */
export async function activateEngine(model: tf.LayersModel, { engine, threads, device }: EngineFlags): Promise<TilePredictor> {
  try {
    const selection = await selectWithDevice(model, engine, threads, device);
    console.log(describeEngine(selection));
    return selection.predictor;
  } catch (e) {
    model.dispose();
    // Asked for explicitly: the user's to fix (install onnxruntime-node, or choose tfjs).
    throw new CliError(`--engine ${engine}: ${(e as Error).message.split('\n')[0]}`, 3);
  }
}

/**
 * --device cuda without CUDA's libraries: ONNX Runtime on the CPU (about 6x TF.js on wasm) is the
 * next best, not the TF.js fallback that `auto` would otherwise take; said in a warning.
 */
async function selectWithDevice(model: tf.LayersModel, engine: EnginePreference, threads?: number, device?: 'cpu' | 'cuda') {
  if (device !== 'cuda' || engine === 'tfjs') return selectEngine(model, engine, { threads, device });
  try {
    return await selectEngine(model, 'onnx', { threads, device });
  } catch (e) {
    console.warn(`warning: --device cuda: ${(e as Error).message.split('\n')[0]}; predicting on the CPU`);
    return selectEngine(model, engine, { threads, device: 'cpu' });
  }
}
