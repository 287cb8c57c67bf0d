import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { MODEL_JSON, readArtifacts, weightByteLength } from './io-handler';
import { METADATA_FILE, parseMetadata, type ModelMetadata } from './metadata';
import { compileUNet } from './unet';

/** True when `dir` holds a saved TF.js model (`model.json`): the one test of "is this a model folder". */
export function isModelDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, MODEL_JSON));
}

export interface LoadModelOptions {
  /** Fail unless the model's input side is this many pixels. */
  expectedInputSize?: number;
  /** Compile for training (Adam, binary cross-entropy, acc + iou). Default true. */
  compile?: boolean;
}

export interface LoadedModel {
  model: tf.LayersModel;
  metadata: ModelMetadata;
  /** True when the folder held optimizer state (saved with includeOptimizer) and it was restored. */
  optimizerRestored: boolean;
}

/**
 * Load a model saved by saveModel. Errors name the folder or file and the problem: missing folder,
 * not a model, corrupt JSON, weights shorter than the manifest, wrong metadata, input size mismatch.
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const target = path.resolve(dir);
  try {
    return await load(target, options);
  } catch (e) {
    throw e instanceof ModelLoadError ? e : new ModelLoadError(target, (e as Error).message);
  }
}

/** Any failure to load a model folder, with the folder's path; the message names the file and problem. */
export class ModelLoadError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message.includes(path) ? message : `${path}: ${message}`);
    this.name = 'ModelLoadError';
  }
}

async function load(target: string, options: LoadModelOptions): Promise<LoadedModel> {
  await assertFolder(target);
  const metadata = await readMetadata(target);
  if (options.expectedInputSize !== undefined && metadata.inputSize !== options.expectedInputSize) {
    throw new Error(
      `Model at ${target} takes ${metadata.inputSize}x${metadata.inputSize} inputs, expected ${options.expectedInputSize}x${options.expectedInputSize}`,
    );
  }

  const artifacts = await readArtifacts(target);
  const { model: modelArtifacts, optimizerWeights } = splitOptimizerWeights(artifacts);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(modelArtifacts));
  } catch (e) {
    tf.dispose(optimizerWeights.map((w) => w.tensor));
    throw new Error(`Cannot build the model in ${path.join(target, MODEL_JSON)}: ${(e as Error).message}`);
  }

  const [, h, w] = model.inputs[0].shape;
  if (h !== metadata.inputSize || w !== metadata.inputSize) {
    model.dispose();
    tf.dispose(optimizerWeights.map((v) => v.tensor));
    throw new Error(`Model at ${target}: ${METADATA_FILE} says inputSize ${metadata.inputSize} but ${MODEL_JSON} has input ${h}x${w}`);
  }

  // A weights.bin of the right size but broken contents (NaN, random bytes) must not load and
  // quietly find 0 nuclei.
  for (const w of model.weights) {
    const bad = tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(w.read()))).dataSync()[0]);
    if (bad) {
      model.dispose();
      tf.dispose(optimizerWeights.map((v) => v.tensor));
      throw new ModelLoadError(target, `${path.join(target, 'weights.bin')}: weight ${w.name} holds NaN or infinite values (the file is corrupt)`);
    }
  }

  let optimizerRestored = false;
  if (options.compile ?? true) {
    // tfjs would compile from trainingConfig itself, but cannot resolve the custom `iou` metric;
    // compile here with the saved learning rate (it may have been lowered during training).
    const optimizerConfig = artifacts.trainingConfig?.optimizer_config as { config?: { learningRate?: number } } | undefined;
    const savedLr = optimizerConfig?.config?.learningRate;
    compileUNet(model, savedLr ?? metadata.config.learningRate, metadata.config.loss);
    if (optimizerWeights.length > 0) {
      // Adam matches its moments to the variables by position, which the identical topology preserves.
      await model.optimizer.setWeights(optimizerWeights);
      optimizerRestored = true;
    }
  }
  tf.dispose(optimizerWeights.map((v) => v.tensor));
  return { model, metadata, optimizerRestored };
}

async function assertFolder(target: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read model folder ${target}: ${(e as Error).message}`);
    const leftover = await findInterruptedSave(target);
    throw new Error(
      `No model at ${target}: the folder does not exist` +
        (leftover ? ` (an interrupted save left the previous model in ${leftover}; rename it back to ${path.basename(target)})` : ''),
    );
  }
  if (!stat.isDirectory()) throw new Error(`No model at ${target}: it is a file, a model is a folder with ${MODEL_JSON} and ${METADATA_FILE}`);
}

/** saveModel moves the old model to `.<name>.old-*` for an instant; a crash right then leaves it there. */
async function findInterruptedSave(target: string): Promise<string | undefined> {
  try {
    const prefix = `.${path.basename(target)}.old-`;
    const hit = (await fs.promises.readdir(path.dirname(target))).find((n) => n.startsWith(prefix));
    return hit && path.join(path.dirname(target), hit);
  } catch {
    return undefined;
  }
}

async function readMetadata(target: string): Promise<ModelMetadata> {
  const file = path.join(target, METADATA_FILE);
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read ${file}: ${(e as Error).message}`);
    const hasModelJson = isModelDir(target);
    throw new Error(
      hasModelJson
        ? `${target} is not a nuclei model: ${MODEL_JSON} is there but ${METADATA_FILE} is missing`
        : `${target} is not a saved model: no ${MODEL_JSON} and no ${METADATA_FILE}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`corrupt ${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseMetadata(value, file);
}

/**
 * Separate Adam's weights (group 'optimizer', appended by includeOptimizer) from the model's, and
 * drop trainingConfig: tfjs-layers would otherwise compile with metric names it cannot resolve.
 */
function splitOptimizerWeights(artifacts: tf.io.ModelArtifacts): {
  model: tf.io.ModelArtifacts;
  optimizerWeights: { name: string; tensor: tf.Tensor }[];
} {
  const specs = artifacts.weightSpecs ?? [];
  const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
  const modelSpecs: tf.io.WeightsManifestEntry[] = [];
  const optSpecs: tf.io.WeightsManifestEntry[] = [];
  const modelParts: Uint8Array[] = [];
  const optParts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    const n = weightByteLength(spec);
    const isOpt = spec.group === 'optimizer';
    (isOpt ? optSpecs : modelSpecs).push(spec);
    (isOpt ? optParts : modelParts).push(data.subarray(offset, offset + n));
    offset += n;
  }
  const join = (parts: Uint8Array[]) => tf.io.concatenateArrayBuffers(parts.map((p) => p.slice().buffer as ArrayBuffer));
  const decoded = optSpecs.length ? tf.io.decodeWeights(join(optParts), optSpecs) : {};
  const { trainingConfig: _dropped, ...rest } = artifacts;
  return {
    model: { ...rest, weightSpecs: modelSpecs, weightData: join(modelParts) },
    optimizerWeights: optSpecs.map((s) => ({ name: s.name, tensor: decoded[s.name] })),
  };
}
