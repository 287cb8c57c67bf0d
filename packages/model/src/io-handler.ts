import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface FileHandlerOptions {
  /** Called before each file is written (tests inject faults here to simulate a crash mid-save). */
  onWrite?: (file: string) => void | Promise<void>;
}

/** Write `data` and flush it to disk, so a later rename publishes complete contents. */
export async function writeFileSynced(file: string, data: string | Uint8Array): Promise<void> {
  const fh = await fs.promises.open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * TF.js IOHandler for the layers format in a local folder: `model.json` + one `weights.bin`
 * (tfjs-node's `file://` handler is not available everywhere this runs). Saving writes into an
 * existing folder; atomic replacement is saveModel's job.
 */
export function fileSystemHandler(dir: string, options: FileHandlerOptions = {}): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileSystemHandler saves layers models only (got a binary graph topology)');
      }
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []);
      const manifest: tf.io.WeightsManifestConfig = [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }];
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: manifest,
        // Present with { includeOptimizer: true }: loss, metrics and the optimizer's config.
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await options.onWrite?.(WEIGHTS_BIN);
      await writeFileSynced(path.join(dir, WEIGHTS_BIN), new Uint8Array(weightData));
      await options.onWrite?.(MODEL_JSON);
      await writeFileSynced(path.join(dir, MODEL_JSON), JSON.stringify(modelJSON));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData }) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      return readArtifacts(dir);
    },
  };
}

/** Bytes a weight occupies in the weights file. */
export function weightByteLength(spec: tf.io.WeightsManifestEntry): number {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization?.dtype;
  const bytes = q ? { uint8: 1, uint16: 2, float16: 2 }[q] : ({ float32: 4, int32: 4, bool: 1, complex64: 8 } as Record<string, number>)[spec.dtype];
  if (!bytes) throw new Error(`weight ${spec.name}: unsupported dtype ${q ?? spec.dtype}`);
  return size * bytes;
}

/**
 * Read and check `model.json` and its weight files: errors name the file and the problem
 * (missing, not JSON, not a layers model, weights shorter or longer than the manifest says).
 */
export async function readArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = path.join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await fs.promises.readFile(jsonPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${dir} is not a saved model: no ${MODEL_JSON}` : `cannot read ${jsonPath}: ${(e as Error).message}`);
  }
  let modelJSON: tf.io.ModelJSON;
  try {
    modelJSON = JSON.parse(text);
  } catch (e) {
    throw new Error(`corrupt ${jsonPath}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof modelJSON !== 'object' || modelJSON === null || typeof modelJSON.modelTopology !== 'object' || modelJSON.modelTopology === null) {
    throw new Error(`corrupt ${jsonPath}: no modelTopology`);
  }
  if (!Array.isArray(modelJSON.weightsManifest)) throw new Error(`corrupt ${jsonPath}: no weightsManifest`);

  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of modelJSON.weightsManifest) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) throw new Error(`corrupt ${jsonPath}: malformed weightsManifest`);
    specs.push(...group.weights);
    let groupBytes = 0;
    for (const p of group.paths) {
      const file = path.join(dir, p);
      let buf: Buffer;
      try {
        buf = await fs.promises.readFile(file);
      } catch (e) {
        throw new Error(`${dir}: cannot read weight file ${p} named in ${MODEL_JSON}: ${(e as Error).message}`);
      }
      groupBytes += buf.byteLength;
      buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    }
    let expected: number;
    try {
      expected = group.weights.reduce((sum, w) => sum + weightByteLength(w), 0);
    } catch (e) {
      throw new Error(`corrupt ${jsonPath}: ${(e as Error).message}`);
    }
    if (groupBytes !== expected) {
      throw new Error(
        `${dir}: weight file ${group.paths.join(', ')} is ${groupBytes} bytes but ${MODEL_JSON} expects ${expected} ` +
          `(${groupBytes < expected ? 'truncated' : 'too long'}: an interrupted copy or save?)`,
      );
    }
  }
  return tf.io.getModelArtifactsForJSON(modelJSON, async () => [specs, tf.io.CompositeArrayBuffer.join(buffers)]);
}
