import * as tf from '@tensorflow/tfjs';
import { augmentSample } from './augment';
import { createRng, seededShuffle } from './random';
import type { Sample } from './types';

function fill(samples: Sample[], size: number, transform?: (s: Sample) => { image: Uint8Array; mask: Uint8Array }): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const px = size * size;
  const x = new Float32Array(samples.length * px * 3);
  const y = new Float32Array(samples.length * px);
  samples.forEach((s, i) => {
    if (s.image.length !== px * 3 || s.mask.length !== px) throw new RangeError(`sample ${s.id} is not ${size}x${size}`);
    const { image, mask } = transform ? transform(s) : s;
    x.set(image, i * px * 3); // Uint8 -> float32, 0..255: the model scales by 1/255 itself
    y.set(mask, i * px);
  });
  return { x: tf.tensor4d(x, [samples.length, size, size, 3]), y: tf.tensor4d(y, [samples.length, size, size, 1]) };
}

/** All samples as float32 tensors: x `[n,s,s,3]` in 0..255, y `[n,s,s,1]` in {0,1}. Caller disposes. */
export function samplesToTensors(samples: Sample[], size: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  return fill(samples, size);
}

/**
 * Mini-batches as tensors (the last one may be smaller). `shuffleSeed` shuffles the order;
 * `augment` applies augmentSample with an rng seeded by `seed`, so a run is reproducible.
 * Tensors are created lazily per batch; the caller disposes each batch.
 */
export function* batches(
  samples: Sample[],
  batchSize: number,
  options: { size: number; shuffleSeed?: number; augment?: boolean; seed?: number },
): Generator<{ x: tf.Tensor4D; y: tf.Tensor4D }> {
  if (!(batchSize >= 1)) throw new RangeError(`batchSize must be >= 1, got ${batchSize}`);
  const { size, shuffleSeed, augment = false, seed = 0 } = options;
  const order = shuffleSeed === undefined ? samples : seededShuffle(samples, shuffleSeed);
  const rng = createRng(seed);
  const transform = augment ? (s: Sample) => augmentSample(s.image, s.mask, size, rng) : undefined;
  for (let i = 0; i < order.length; i += batchSize) yield fill(order.slice(i, i + batchSize), size, transform);
}
