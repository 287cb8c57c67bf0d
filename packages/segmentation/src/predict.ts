import * as tf from '@tensorflow/tfjs';
import { resampleFloat, resizeImage, type RgbImage } from '@nuclei/data';
import { isTilePredictor, preprocessImage, preprocessedChannels, tfjsPredictor, type Preprocessing, type TilePredictor } from '@nuclei/model';
import { blendWindow, reflectIndex, tilePositions } from './tiling';
import { DEFAULT_SEGMENT } from './defaults';

/** An image as the network takes it: `height*width*channels` float32, row-major. */
export interface ModelInput {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

/** Per-pixel network outputs at the image's size: `planes[0]` the mask probability, `planes[1]` touching borders (if the model has them). */
export interface Prediction {
  width: number;
  height: number;
  planes: Float32Array[];
  /** Model calls' worth of tiles (1 in resize mode). */
  tiles: number;
}

export interface PredictOptions {
  /** 'tile' (default): native resolution with overlapping tiles. 'resize': the seed's squeeze-predict-stretch. */
  mode?: 'tile' | 'resize';
  /** Tile overlap: a fraction of the tile if < 1, else pixels. Default 1/4. */
  overlap?: number;
  /** Tile side in px; default the model's input size (a larger one runs a copy of the fully convolutional model). */
  tileSize?: number;
  /** Tile mode: predict on the image scaled by this factor, then scale the outputs back. Default 1. */
  scale?: number;
  /** Also predict each tile mirrored three ways and average (four times the work). */
  tta?: boolean;
  /** Tiles per model call. Default 8. */
  batchSize?: number;
  /** The model's input normalisation (from its metadata); absent: 8-bit RGB values as is (seed models). */
  preprocessing?: Preprocessing;
  onProgress?: (done: number, total: number) => void;
  /** Stops between tile batches with an AbortError (a cancelled segmentation). */
  signal?: AbortSignal;
}

/** Throws the signal's AbortError if it has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw Object.assign(new Error('segmentation cancelled'), { name: 'AbortError' });
}

/** The whole image normalised as the model expects (before tiling, so all tiles share one normalisation). */
export function toModelInput(image: RgbImage, preprocessing: Preprocessing | undefined): ModelInput {
  return {
    width: image.width,
    height: image.height,
    channels: preprocessedChannels(preprocessing),
    data: preprocessImage(image.data, preprocessing, image.source),
  };
}

function rgbInput(image: RgbImage): ModelInput {
  return { width: image.width, height: image.height, channels: 3, data: Float32Array.from(image.data) };
}

/** Mirrors each of n square s x s tiles of `channels` values per pixel, left-right and/or top-bottom. */
export function flipTiles(src: Float32Array, n: number, s: number, channels: number, flipX: boolean, flipY: boolean): Float32Array {
  const out = new Float32Array(n * s * s * channels);
  for (let t = 0; t < n; t++) {
    const base = t * s * s * channels;
    for (let y = 0; y < s; y++) {
      const sy = flipY ? s - 1 - y : y;
      for (let x = 0; x < s; x++) {
        const sx = flipX ? s - 1 - x : x;
        const o = base + (y * s + x) * channels;
        const i = base + (sy * s + sx) * channels;
        for (let c = 0; c < channels; c++) out[o + c] = src[i + c];
      }
    }
  }
  return out;
}

/** The mean of the predictions of the tiles as they are and mirrored three ways (each mirrored back). */
async function predictFlipAveraged(predictor: TilePredictor, buf: Float32Array, n: number, s: number, c: number, k: number): Promise<Float32Array> {
  const sum = new Float32Array(n * s * s * k);
  for (const [fx, fy] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const input = fx || fy ? flipTiles(buf, n, s, c, fx, fy) : buf;
    const prob = await predictor.predict(input, n, s);
    const back = fx || fy ? flipTiles(prob, n, s, k, fx, fy) : prob;
    for (let i = 0; i < sum.length; i++) sum[i] += back[i] / 4;
  }
  return sum;
}

/**
 * Outputs at native resolution. The input (reflect-padded if smaller than a tile) is covered by
 * overlapping tiles of the model size, predicted in batches, and blended with a raised-cosine
 * window. Only the output planes are image-sized; the weight sum is separable (a grid of
 * identical windows), so it is two 1-D arrays.
 */
export async function predictTiled(
  image: ModelInput | RgbImage,
  model: tf.LayersModel | TilePredictor,
  options: Pick<PredictOptions, 'overlap' | 'batchSize' | 'onProgress' | 'tta' | 'tileSize' | 'signal'> = {},
): Promise<{ probability: Float32Array; planes: Float32Array[]; tiles: number }> {
  const predictor = isTilePredictor(model) ? model : tfjsPredictor(model);
  try {
    return await tiled('channels' in image ? image : rgbInput(image), predictor, options);
  } finally {
    if (predictor !== model) predictor.dispose();
  }
}

async function tiled(
  input: ModelInput,
  predictor: TilePredictor,
  options: Pick<PredictOptions, 'overlap' | 'batchSize' | 'onProgress' | 'tta' | 'tileSize' | 'signal'>,
): Promise<{ probability: Float32Array; planes: Float32Array[]; tiles: number }> {
  const { channels: c, outputs: k } = predictor;
  const s = options.tileSize ?? predictor.size;
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`segment: tileSize must be a positive integer, got ${s}`);
  const { width: W, height: H, data } = input;
  if (input.channels !== c) throw new Error(`segment: the model takes ${c} channels, the prepared image has ${input.channels}`);
  const ov = options.overlap ?? DEFAULT_SEGMENT.overlap;
  const overlapPx = Math.round(ov < 1 ? ov * s : ov);
  if (!(overlapPx >= 0 && overlapPx < s)) throw new RangeError(`segment: overlap must be below the tile size ${s}, got ${ov}`);
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_SEGMENT.batchSize));
  const xs = tilePositions(Math.max(W, s), s, overlapPx);
  const ys = tilePositions(Math.max(H, s), s, overlapPx);
  const win = blendWindow(s, overlapPx);
  const sumX = new Float32Array(W);
  const sumY = new Float32Array(H);
  for (const x0 of xs) for (let i = 0; i < s && x0 + i < W; i++) sumX[x0 + i] += win[i];
  for (const y0 of ys) for (let i = 0; i < s && y0 + i < H; i++) sumY[y0 + i] += win[i];
  // Reflect-padding maps for images smaller than a tile.
  const mapX = new Int32Array(Math.max(W, s)).map((_, i) => reflectIndex(i, W));
  const mapY = new Int32Array(Math.max(H, s)).map((_, i) => reflectIndex(i, H));

  const planes = Array.from({ length: k }, () => new Float32Array(W * H));
  const tiles: [number, number][] = [];
  for (const y0 of ys) for (const x0 of xs) tiles.push([x0, y0]);
  const buf = new Float32Array(batchSize * s * s * c);
  for (let b = 0; b < tiles.length; b += batchSize) {
    throwIfAborted(options.signal);
    const batch = tiles.slice(b, b + batchSize);
    batch.forEach(([x0, y0], t) => {
      let o = t * s * s * c;
      for (let ty = 0; ty < s; ty++) {
        const row = mapY[y0 + ty] * W;
        for (let tx = 0; tx < s; tx++) {
          const p = (row + mapX[x0 + tx]) * c;
          for (let ch = 0; ch < c; ch++) buf[o++] = data[p + ch];
        }
      }
    });
    const prob = options.tta ? await predictFlipAveraged(predictor, buf, batch.length, s, c, k) : await predictor.predict(buf, batch.length, s);
    batch.forEach(([x0, y0], t) => {
      const base = t * s * s;
      for (let ty = 0; ty < s && y0 + ty < H; ty++) {
        const wy = win[ty];
        const row = (y0 + ty) * W;
        const src = base + ty * s;
        for (let tx = 0; tx < s && x0 + tx < W; tx++) {
          const w = wy * win[tx];
          for (let q = 0; q < k; q++) planes[q][row + x0 + tx] += prob[(src + tx) * k + q] * w;
        }
      }
    });
    options.onProgress?.(Math.min(b + batchSize, tiles.length), tiles.length);
  }
  for (const acc of planes) {
    for (let y = 0; y < H; y++) {
      const row = y * W;
      for (let x = 0; x < W; x++) acc[row + x] /= sumY[y] * sumX[x];
    }
  }
  return { probability: planes[0], planes, tiles: tiles.length };
}

/** Splits interleaved `n*k` values into k planes. */
function deinterleave(values: Float32Array, k: number): Float32Array[] {
  if (k === 1) return [values];
  const n = values.length / k;
  return Array.from({ length: k }, (_, q) => {
    const p = new Float32Array(n);
    for (let i = 0; i < n; i++) p[i] = values[i * k + q];
    return p;
  });
}

/** The seed's way: squeeze the whole image to the model size, predict once, stretch the outputs back bilinearly. */
export async function predictResized(image: RgbImage, model: tf.LayersModel | TilePredictor, preprocessing?: Preprocessing): Promise<Float32Array[]> {
  const predictor = isTilePredictor(model) ? model : tfjsPredictor(model);
  const { size: s, channels: c, outputs: k } = predictor;
  // Seed models: the squeezed 8-bit image, as the seed did. Normalised models: normalise at full size, then squeeze.
  const small = preprocessing
    ? resampleFloat(toModelInput(image, preprocessing).data, image.width, image.height, s, s, c)
    : Float32Array.from(resizeImage(image, s, s).data);
  const prob = await predictor.predict(small, 1, s);
  if (predictor !== model) predictor.dispose();
  if (image.width === s && image.height === s) return deinterleave(prob, k);
  // Bilinear with half-pixel centres, as the seed's skimage resize.
  const big = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(prob, [1, s, s, k]), [image.height, image.width], false, true));
  try {
    return deinterleave((await big.data()) as Float32Array, k);
  } finally {
    big.dispose();
  }
}

/** The model's outputs for a full-size image, in the chosen mode, at the image's own size. */
export async function predictImage(image: RgbImage, model: tf.LayersModel | TilePredictor, options: PredictOptions = {}): Promise<Prediction> {
  const mode = options.mode ?? DEFAULT_SEGMENT.mode;
  const { width, height } = image;
  throwIfAborted(options.signal);
  if (mode === 'resize') {
    const planes = await predictResized(image, model, options.preprocessing);
    options.onProgress?.(1, 1);
    return { width, height, planes, tiles: 1 };
  }
  if (mode !== 'tile') throw new RangeError(`segment: unknown mode "${mode}" (use "tile" or "resize")`);
  const scale = options.scale ?? DEFAULT_SEGMENT.scale;
  if (!(scale > 0 && scale <= 4)) throw new RangeError(`segment: scale must be in (0, 4], got ${scale}`);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const same = w === width && h === height;
  let input: ModelInput;
  if (!options.preprocessing) input = rgbInput(same ? image : resizeImage(image, h, w));
  else {
    const full = toModelInput(image, options.preprocessing);
    input = same ? full : { width: w, height: h, channels: full.channels, data: resampleFloat(full.data, width, height, w, h, full.channels) };
  }
  const { planes, tiles } = await predictTiled(input, model, options);
  return { width, height, planes: same ? planes : planes.map((p) => resampleFloat(p, w, h, width, height, 1)), tiles };
}
