import * as tf from '@tensorflow/tfjs';

/**
 * What prediction needs from an inference engine: square tiles in, per-pixel outputs out, both
 * NHWC float32 (`[n, side, side, channels]` in, `[n, side, side, outputs]` out). TF.js models and
 * ONNX Runtime sessions (`@nuclei/onnx`) implement it, so tiling, TTA and scoring are written once.
 */
export interface TilePredictor {
  /** 'tfjs' or 'onnx'. */
  readonly engine: string;
  /** What runs it, for the one line commands print (e.g. "tfjs wasm", "onnxruntime-node 1.30.0 cpu, 2 threads"). */
  readonly description: string;
  /** The tile side the model was built for. */
  readonly size: number;
  readonly channels: number;
  readonly outputs: number;
  /** Runs n tiles of side x side (side: the model size or another multiple of the network's stride). */
  predict(tiles: Float32Array, n: number, side: number): Promise<Float32Array>;
  /** Frees what the predictor made (not the model it was given). */
  dispose(): void;
}

/** Input side, input channels and output channels of a model taking `[n, s, s, c]`, with a clear error for anything else. */
export function modelShape(model: tf.LayersModel | TilePredictor): { size: number; channels: number; outputs: number } {
  if (isTilePredictor(model)) return { size: model.size, channels: model.channels, outputs: model.outputs };
  const shape = model.inputs[0]?.shape;
  const [, h, w, c] = shape ?? [];
  if (!shape || shape.length !== 4 || typeof h !== 'number' || h !== w || typeof c !== 'number') {
    throw new Error(`segment: the model must take [n, s, s, c] images with a fixed size s, got ${JSON.stringify(shape)}`);
  }
  const out = model.outputs[0]?.shape;
  const k = out?.[3];
  if (!out || out.length !== 4 || typeof k !== 'number' || k < 1 || k > 2)
    throw new Error(`segment: the model must output [n, s, s, 1 or 2], got ${JSON.stringify(out)}`);
  return { size: h, channels: c, outputs: k };
}

export function isTilePredictor(x: unknown): x is TilePredictor {
  return typeof x === 'object' && x !== null && typeof (x as TilePredictor).predict === 'function' && typeof (x as TilePredictor).engine === 'string';
}

/** Rejects NaN and infinite outputs (broken weights) with one clear error. */
export function checkFinite(values: Float32Array): Float32Array {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error('segment: the model predicted NaN or infinite values (are its weights broken?)');
  }
  return values;
}

/**
 * A copy of a fully convolutional model taking size x size inputs, sharing nothing with the
 * original (dispose it). Built from the model's JSON topology with the input shape replaced.
 */
export async function withInputSize(model: tf.LayersModel, size: number): Promise<tf.LayersModel> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`segment: tileSize must be a positive integer, got ${size}`);
  const topology = JSON.parse(model.toJSON(null, true) as string);
  let replaced = 0;
  for (const layer of topology.config?.layers ?? []) {
    const shape = layer.config?.batch_input_shape;
    if (Array.isArray(shape) && shape.length === 4) {
      layer.config.batch_input_shape = [null, size, size, shape[3]];
      replaced++;
    }
  }
  if (replaced !== 1) throw new Error(`segment: cannot change the input size of this model (found ${replaced} image inputs)`);
  const copy = await tf.models.modelFromJSON({ modelTopology: topology });
  copy.setWeights(model.getWeights());
  return copy;
}

/** TF.js as a TilePredictor: the model itself at its own size, a copy (made once, kept until dispose) at any other. */
export function tfjsPredictor(model: tf.LayersModel): TilePredictor {
  const { size, channels, outputs } = modelShape(model);
  const copies = new Map<number, tf.LayersModel>();
  const at = async (side: number): Promise<tf.LayersModel> => {
    if (side === size) return model;
    let copy = copies.get(side);
    if (!copy) copies.set(side, (copy = await withInputSize(model, side)));
    return copy;
  };
  return {
    engine: 'tfjs',
    description: `tfjs ${tf.getBackend()}`,
    size,
    channels,
    outputs,
    async predict(tiles, n, side) {
      const m = await at(side);
      const out = tf.tidy(() => m.predict(tf.tensor4d(tiles.subarray(0, n * side * side * channels), [n, side, side, channels])) as tf.Tensor);
      try {
        if (out.shape.length !== 4 || out.shape[1] !== side || out.shape[2] !== side || out.shape[3] !== outputs) {
          throw new Error(`segment: the model must output [n, ${side}, ${side}, ${outputs}] probabilities, got [${out.shape}]`);
        }
        return checkFinite((await out.data()) as Float32Array);
      } finally {
        out.dispose();
      }
    },
    dispose() {
      for (const copy of copies.values()) copy.dispose();
      copies.clear();
    },
  };
}
