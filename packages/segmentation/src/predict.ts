import * as tf from '@tensorflow/tfjs';
import { resampleFloat, resampleSpan, resampleWindow, resizeImage, type Rect, type RgbImage } from '@nuclei/data';
import {
  isTilePredictor,
  preprocessImage,
  preprocessedChannels,
  tfjsPredictor,
  type NormalisationRanges,
  type Preprocessing,
  type TilePredictor,
} from '@nuclei/model';
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

/**
 * Part of a larger image, for prediction block by block: `whole` is the full image's size (the
 * tile grid is the whole image's, so every pixel is blended from the same tiles as in one pass),
 * `input` lies at `at` in it, and only `out` (whole-image coordinates) is predicted.
 */
export interface TileWindow {
  whole: { width: number; height: number };
  at: { x: number; y: number };
  out: Rect;
}

/** The tile side and overlap (px) that `options` give for a predictor of input size `size`. */
export function tileGeometry(size: number, options: Pick<PredictOptions, 'overlap' | 'tileSize'>): { s: number; overlapPx: number } {
  const s = options.tileSize ?? size;
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`segment: tileSize must be a positive integer, got ${s}`);
  const ov = options.overlap ?? DEFAULT_SEGMENT.overlap;
  const overlapPx = Math.round(ov < 1 ? ov * s : ov);
  if (!(overlapPx >= 0 && overlapPx < s)) throw new RangeError(`segment: overlap must be below the tile size ${s}, got ${ov}`);
  return { s, overlapPx };
}

/** Offsets of the whole image's tiles (length `length`) that overlap [from, to), and the span [lo, hi) they read. */
export function tilesOver(length: number, s: number, overlapPx: number, from: number, to: number): { starts: number[]; lo: number; hi: number } {
  const starts = tilePositions(Math.max(length, s), s, overlapPx).filter((t) => t < to && t + s > from);
  return { starts, lo: starts[0], hi: Math.min(length, starts[starts.length - 1] + s) };
}

async function tiled(
  input: ModelInput,
  predictor: TilePredictor,
  options: Pick<PredictOptions, 'overlap' | 'batchSize' | 'onProgress' | 'tta' | 'tileSize' | 'signal'>,
  window?: TileWindow,
): Promise<{ probability: Float32Array; planes: Float32Array[]; tiles: number }> {
  const { channels: c, outputs: k } = predictor;
  const { s, overlapPx } = tileGeometry(predictor.size, options);
  const { width: IW, data } = input;
  if (input.channels !== c) throw new Error(`segment: the model takes ${c} channels, the prepared image has ${input.channels}`);
  const { whole, at, out } = window ?? { whole: input, at: { x: 0, y: 0 }, out: { x: 0, y: 0, width: input.width, height: input.height } };
  const { width: W, height: H } = whole;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_SEGMENT.batchSize));
  const xs = tilesOver(W, s, overlapPx, out.x, out.x + out.width).starts;
  const ys = tilesOver(H, s, overlapPx, out.y, out.y + out.height).starts;
  const win = blendWindow(s, overlapPx);
  // Weight sums and outputs over `out` only; tiles in whole-image order, so sums are added in the same order.
  const OW = out.width;
  const OH = out.height;
  const sumX = new Float32Array(OW);
  const sumY = new Float32Array(OH);
  for (const x0 of xs) for (let i = 0; i < s && x0 + i < W; i++) if (x0 + i >= out.x && x0 + i < out.x + OW) sumX[x0 + i - out.x] += win[i];
  for (const y0 of ys) for (let i = 0; i < s && y0 + i < H; i++) if (y0 + i >= out.y && y0 + i < out.y + OH) sumY[y0 + i - out.y] += win[i];
  // Reflect-padding maps for images smaller than a tile, into the input's own coordinates.
  const inside = (v: number, from: number, n: number, axis: string) => {
    if (v < 0 || v >= n) throw new RangeError(`segment: the input window misses ${axis} ${v + from} of the tiles over the output`);
    return v;
  };
  const readMap = (starts: number[], n: number, from: number, size: number, axis: string) => {
    const map = new Int32Array(Math.max(n, s));
    for (const t0 of starts) for (let i = t0; i < t0 + s; i++) map[i] = inside(reflectIndex(i, n) - from, from, size, axis);
    return map;
  };
  const mapX = readMap(xs, W, at.x, IW, 'x');
  const mapY = readMap(ys, H, at.y, input.height, 'y');

  const planes = Array.from({ length: k }, () => new Float32Array(OW * OH));
  const tiles: [number, number][] = [];
  for (const y0 of ys) for (const x0 of xs) tiles.push([x0, y0]);
  const buf = new Float32Array(batchSize * s * s * c);
  for (let b = 0; b < tiles.length; b += batchSize) {
    throwIfAborted(options.signal);
    const batch = tiles.slice(b, b + batchSize);
    batch.forEach(([x0, y0], t) => {
      let o = t * s * s * c;
      for (let ty = 0; ty < s; ty++) {
        const row = mapY[y0 + ty] * IW;
        for (let tx = 0; tx < s; tx++) {
          const p = (row + mapX[x0 + tx]) * c;
          for (let ch = 0; ch < c; ch++) buf[o++] = data[p + ch];
        }
      }
    });
    const prob = options.tta ? await predictFlipAveraged(predictor, buf, batch.length, s, c, k) : await predictor.predict(buf, batch.length, s);
    batch.forEach(([x0, y0], t) => {
      const base = t * s * s;
      const ty0 = Math.max(0, out.y - y0);
      const ty1 = Math.min(s, H - y0, out.y + OH - y0);
      const tx0 = Math.max(0, out.x - x0);
      const tx1 = Math.min(s, W - x0, out.x + OW - x0);
      for (let ty = ty0; ty < ty1; ty++) {
        const wy = win[ty];
        const row = (y0 + ty - out.y) * OW - out.x;
        const src = base + ty * s;
        for (let tx = tx0; tx < tx1; tx++) {
          const w = wy * win[tx];
          for (let q = 0; q < k; q++) planes[q][row + x0 + tx] += prob[(src + tx) * k + q] * w;
        }
      }
    });
    options.onProgress?.(Math.min(b + batchSize, tiles.length), tiles.length);
  }
  for (const acc of planes) {
    for (let y = 0; y < OH; y++) {
      const row = y * OW;
      for (let x = 0; x < OW; x++) acc[row + x] /= sumY[y] * sumX[x];
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

/** Whether the tile mode can predict parts of this image (at least one tile in each direction at the prediction scale). */
function scaledSize(width: number, height: number, scale: number): { w: number; h: number } {
  return { w: Math.max(1, Math.round(width * scale)), h: Math.max(1, Math.round(height * scale)) };
}

/**
 * The part of an image (`width` x `height`) that `predictRegion` reads to predict `out`: the
 * source pixels of every tile (at the prediction scale) that touches `out`.
 */
export function regionNeeded(
  width: number,
  height: number,
  out: Rect,
  tileSide: number,
  options: Pick<PredictOptions, 'overlap' | 'tileSize' | 'scale'>,
): Rect {
  const { s, overlapPx } = tileGeometry(tileSide, options);
  const { w, h } = scaledSize(width, height, options.scale ?? DEFAULT_SEGMENT.scale);
  const axis = (n: number, m: number, from: number, to: number): [number, number] => {
    const [a, b] = n === m ? [from, to] : resampleSpan(m, n, from, to); // scaled pixels that make [from, to)
    const { lo, hi } = tilesOver(m, s, overlapPx, a, b);
    return n === m ? [lo, hi] : resampleSpan(n, m, lo, hi); // source pixels those tiles are made of
  };
  const [x0, x1] = w < s ? [0, width] : axis(width, w, out.x, out.x + out.width);
  const [y0, y1] = h < s ? [0, height] : axis(height, h, out.y, out.y + out.height);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Tile mode for a part of a large image: the outputs over `out` (whole-image coordinates) exactly
 * as predicting the whole image at once would give them, from `region` (read at `at`, covering
 * `regionNeeded`). `ranges` is the whole image's normalisation (a block must not normalise itself).
 */
export async function predictRegion(
  region: RgbImage,
  at: { x: number; y: number },
  whole: { width: number; height: number },
  out: Rect,
  predictor: TilePredictor,
  options: PredictOptions & { ranges?: NormalisationRanges },
): Promise<Prediction> {
  if ((options.mode ?? DEFAULT_SEGMENT.mode) !== 'tile')
    throw new RangeError('segment: only the tile mode predicts an image part by part (resize squeezes the whole image)');
  const { width: W, height: H } = whole;
  const { w, h } = scaledSize(W, H, options.scale ?? DEFAULT_SEGMENT.scale);
  const k = predictor.outputs;
  const normalised: ModelInput = options.preprocessing
    ? {
        width: region.width,
        height: region.height,
        channels: preprocessedChannels(options.preprocessing),
        data: preprocessImage(region.data, options.preprocessing, region.source, options.ranges),
      }
    : rgbInput(region);
  const regionRect = { ...at, width: region.width, height: region.height };
  if (w === W && h === H) {
    const { planes, tiles } = await tiled(normalised, predictor, options, { whole, at, out });
    return { width: out.width, height: out.height, planes, tiles };
  }
  // Scaled space: the scaled pixels `out` is made of, the tiles over them, the scaled input those tiles read.
  const [sx0, sx1] = resampleSpan(w, W, out.x, out.x + out.width);
  const [sy0, sy1] = resampleSpan(h, H, out.y, out.y + out.height);
  const { s, overlapPx } = tileGeometry(predictor.size, options);
  const tx = tilesOver(w, s, overlapPx, sx0, sx1);
  const ty = tilesOver(h, s, overlapPx, sy0, sy1);
  const scaledWin = { x: tx.lo, y: ty.lo, width: tx.hi - tx.lo, height: ty.hi - ty.lo };
  const input: ModelInput = {
    width: scaledWin.width,
    height: scaledWin.height,
    channels: normalised.channels,
    data: resampleWindow(normalised.data, regionRect, { srcW: W, srcH: H, dstW: w, dstH: h }, scaledWin, normalised.channels),
  };
  const scaledOut = { x: sx0, y: sy0, width: sx1 - sx0, height: sy1 - sy0 };
  const { planes, tiles } = await tiled(input, predictor, options, { whole: { width: w, height: h }, at: scaledWin, out: scaledOut });
  const back = planes.map((p) => resampleWindow(p, scaledOut, { srcW: w, srcH: h, dstW: W, dstH: H }, out, 1));
  return { width: out.width, height: out.height, planes: back.slice(0, k), tiles };
}
