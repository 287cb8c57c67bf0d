import * as tf from '@tensorflow/tfjs';
import { createRng, imageKind, seededShuffle, touchingBorders, type FullSizeSample, type ImageKind } from '@nuclei/data';
import { imageNormalisation, normalisedValue, preprocessedChannels, type ImageNormalisation, type Preprocessing } from '@nuclei/model';

/** How training crops are cut from full-size images (stored with a run so a resume cuts the same way). */
export interface CropOptions {
  preprocessing: Preprocessing;
  /** Target channels: 1 = mask, 2 = mask and touching borders. */
  outputs: number;
  /** Crops per training image per epoch. */
  cropsPerImage: number;
  /** Crops per validation image (fixed: the same crops every epoch). */
  valCropsPerImage: number;
  /** Scale range (log-uniform): a crop covers `size / scale` source pixels. */
  scale: [number, number];
  /** Touching-border radius in source pixels. */
  borderRadius: number;
  /** Flips, 90-degree rotations, brightness / contrast jitter, channel shuffle and gray (RGB input). */
  augment: boolean;
  /**
   * How much rare kinds of image (fluorescence, stained, bright-field) are oversampled in training
   * epochs: an image's crops are proportional to (share of its kind)^-balance, the epoch's total
   * about unchanged. 0 = every image equally often (runs stored without it), 1 = every kind equally often.
   */
  kindBalance?: number;
}

export const DEFAULT_CROP_OPTIONS: Omit<CropOptions, 'preprocessing' | 'outputs'> = {
  cropsPerImage: 4,
  valCropsPerImage: 4,
  scale: [0.6, 2.0],
  borderRadius: 2,
  augment: true,
  kindBalance: 0,
};

interface Prepared {
  id: string;
  width: number;
  height: number;
  rgb: Uint8Array;
  kind: ImageKind;
  norm: ImageNormalisation;
  /** `outputs` planes of `width*height`: mask, then touching borders. */
  targets: Uint8Array[];
}

/** One crop's geometry and intensity change, drawn from an rng. */
interface CropDraw {
  scale: number;
  x0: number;
  y0: number;
  flipX: boolean;
  flipY: boolean;
  turns: number;
  gain: number;
  offset: number;
  perm: number[];
  gray: boolean;
}

/**
 * Cuts model-size crops, with their exact targets, from full-size images held in memory: image
 * values are bilinear samples of the normalised image, targets nearest-neighbour samples of the
 * full-resolution planes (never interpolated), both through the same geometry.
 */
export class CropSampler {
  readonly channels: number;
  private readonly images: Prepared[];

  constructor(
    samples: readonly FullSizeSample[],
    readonly size: number,
    readonly options: CropOptions,
  ) {
    if (!(options.outputs === 1 || options.outputs === 2)) throw new Error(`crop outputs must be 1 or 2, got ${options.outputs}`);
    const [lo, hi] = options.scale;
    if (!(lo > 0 && hi >= lo)) throw new Error(`crop scale range must satisfy 0 < min <= max, got ${lo}..${hi}`);
    const balance = options.kindBalance ?? 0;
    if (!(balance >= 0 && balance <= 1)) throw new Error(`crop kind balance must be between 0 and 1, got ${balance}`);
    this.channels = preprocessedChannels(options.preprocessing);
    this.images = samples.map((s) => {
      const { width, height, data } = s.image;
      const mask = new Uint8Array(width * height);
      for (let i = 0; i < mask.length; i++) mask[i] = s.labels[i] > 0 ? 1 : 0;
      const targets = options.outputs === 2 ? [mask, touchingBorders(s.labels, width, height, options.borderRadius)] : [mask];
      return { id: s.id, width, height, rgb: data, kind: imageKind(data), norm: imageNormalisation(data, options.preprocessing), targets };
    });
  }

  get count(): number {
    return this.images.length;
  }

  /** Images per kind of image (what `kindBalance` evens out). */
  kindCounts(): Partial<Record<ImageKind, number>> {
    const counts: Partial<Record<ImageKind, number>> = {};
    for (const img of this.images) counts[img.kind] = (counts[img.kind] ?? 0) + 1;
    return counts;
  }

  /**
   * Crops of each image in one epoch: `perImage` each when `balance` is 0; otherwise each kind gets
   * round(perImage * images * share^(1-balance) / sum of share^(1-balance)) crops, split evenly over
   * its images, the remainder to images drawn by `seed`. The total is the same for every seed.
   */
  cropCounts(perImage: number, balance: number, seed: number): number[] {
    const counts = new Array<number>(this.images.length).fill(perImage);
    if (balance === 0 || this.images.length === 0) return counts;
    const byKind = new Map<ImageKind, number[]>();
    this.images.forEach((img, i) => {
      const ids = byKind.get(img.kind);
      if (ids) ids.push(i);
      else byKind.set(img.kind, [i]);
    });
    const total = perImage * this.images.length;
    const weights = [...byKind.values()].map((ids) => (ids.length / this.images.length) ** (1 - balance));
    const sum = weights.reduce((a, b) => a + b, 0);
    const rng = createRng(seed);
    [...byKind.values()].forEach((ids, k) => {
      const crops = Math.max(ids.length, Math.round((total * weights[k]) / sum));
      const base = Math.floor(crops / ids.length);
      const extra = new Set(seededShuffle(ids, Math.floor(rng() * 2 ** 31)).slice(0, crops - base * ids.length));
      for (const i of ids) counts[i] = base + (extra.has(i) ? 1 : 0);
    });
    return counts;
  }

  private draw(index: number, rng: () => number, augment: boolean): CropDraw {
    const img = this.images[index];
    const [lo, hi] = this.options.scale;
    const scale = augment ? Math.exp(Math.log(lo) + rng() * (Math.log(hi) - Math.log(lo))) : 1;
    const side = this.size / scale;
    // A window larger than the image is centred on it (the rest is padding).
    const x0 = img.width > side ? rng() * (img.width - side) : (img.width - side) / 2;
    const y0 = img.height > side ? rng() * (img.height - side) : (img.height - side) / 2;
    if (!augment) return { scale, x0, y0, flipX: false, flipY: false, turns: 0, gain: 1, offset: 0, perm: [0, 1, 2], gray: false };
    const perm = this.channels === 3 && rng() < 0.5 ? seededShuffle([0, 1, 2], Math.floor(rng() * 2 ** 31)) : [0, 1, 2];
    return {
      scale,
      x0,
      y0,
      flipX: rng() < 0.5,
      flipY: rng() < 0.5,
      turns: Math.floor(rng() * 4),
      gain: Math.exp((rng() * 2 - 1) * Math.log(1.3)),
      offset: (rng() * 2 - 1) * 0.1,
      perm,
      gray: this.channels === 3 && rng() < 0.2,
    };
  }

  /** Writes crop `index` into `x` (`size*size*channels` at `xo`) and `y` (`size*size*outputs` at `yo`). */
  cropInto(index: number, rng: () => number, augment: boolean, x: Float32Array, xo: number, y: Float32Array, yo: number): CropDraw {
    const img = this.images[index];
    const d = this.draw(index, rng, augment);
    const { size, channels } = this;
    const outputs = this.options.outputs;
    const last = size - 1;
    const inv = 1 / d.scale;
    const px = new Float32Array(channels);
    for (let oy = 0; oy < size; oy++) {
      for (let ox = 0; ox < size; ox++) {
        // Output pixel -> unrotated, unflipped crop pixel -> source coordinates (pixel centres).
        let u = ox;
        let v = oy;
        for (let r = 0; r < d.turns; r++) [u, v] = [v, last - u];
        if (d.flipX) u = last - u;
        if (d.flipY) v = last - v;
        const sx = d.x0 + (u + 0.5) * inv - 0.5;
        const sy = d.y0 + (v + 0.5) * inv - 0.5;
        this.bilinear(img, sx, sy, px);
        const o = xo + (oy * size + ox) * channels;
        if (d.gray) {
          const g = ((px[0] + px[1] + px[2]) / 3) * d.gain + d.offset;
          x[o] = x[o + 1] = x[o + 2] = g;
        } else for (let c = 0; c < channels; c++) x[o + c] = px[d.perm[c]] * d.gain + d.offset;
        const nx = Math.round(sx);
        const ny = Math.round(sy);
        const inside = nx >= 0 && ny >= 0 && nx < img.width && ny < img.height;
        for (let k = 0; k < outputs; k++) y[yo + (oy * size + ox) * outputs + k] = inside ? img.targets[k][ny * img.width + nx] : 0;
      }
    }
    return d;
  }

  /** Normalised value at a source position; outside the image, 0 (the normalised background). */
  private bilinear(img: Prepared, sx: number, sy: number, out: Float32Array): void {
    const x0 = Math.floor(sx);
    const y0 = Math.floor(sy);
    const fx = sx - x0;
    const fy = sy - y0;
    out.fill(0);
    for (let j = 0; j < 2; j++) {
      const yy = y0 + j;
      if (yy < 0 || yy >= img.height) continue;
      const wy = j ? fy : 1 - fy;
      for (let i = 0; i < 2; i++) {
        const xx = x0 + i;
        if (xx < 0 || xx >= img.width) continue;
        const w = wy * (i ? fx : 1 - fx);
        if (w === 0) continue;
        const p = yy * img.width + xx;
        for (let c = 0; c < this.channels; c++) out[c] += w * normalisedValue(img.norm, img.rgb, p, c);
      }
    }
  }

  /** A batch of the crops `order` (image indices), as tensors; the caller disposes them. */
  batch(order: readonly number[], rng: () => number, augment: boolean): { x: tf.Tensor4D; y: tf.Tensor4D } {
    const { size, channels } = this;
    const outputs = this.options.outputs;
    const x = new Float32Array(order.length * size * size * channels);
    const y = new Float32Array(order.length * size * size * outputs);
    order.forEach((index, i) => this.cropInto(index, rng, augment, x, i * size * size * channels, y, i * size * size * outputs));
    return { x: tf.tensor4d(x, [order.length, size, size, channels]), y: tf.tensor4d(y, [order.length, size, size, outputs]) };
  }
}

/**
 * Batches of one epoch: image i `counts[i]` times (or `perImage` times each), in an order shuffled
 * by `shuffleSeed`.
 */
export function* cropBatches(
  sampler: CropSampler,
  batchSize: number,
  opts: { shuffleSeed?: number; seed: number; augment: boolean; perImage: number; counts?: readonly number[] },
): Generator<{ x: tf.Tensor4D; y: tf.Tensor4D }> {
  const all: number[] = [];
  const counts = opts.counts ?? new Array<number>(sampler.count).fill(opts.perImage);
  const most = Math.max(0, ...counts);
  for (let k = 0; k < most; k++) for (let i = 0; i < sampler.count; i++) if (k < counts[i]) all.push(i);
  const order = opts.shuffleSeed === undefined ? all : seededShuffle(all, opts.shuffleSeed);
  const rng = createRng(opts.seed);
  for (let i = 0; i < order.length; i += batchSize) yield sampler.batch(order.slice(i, i + batchSize), rng, opts.augment);
}
