import * as tf from '@tensorflow/tfjs';

/** Dice smoothing: a crop with no nuclei predicted and none present scores 1. */
const SMOOTH = 1;

/**
 * Binary cross-entropy per image plus (1 - soft Dice) of each output channel over the whole batch,
 * averaged over the channels (mask, touching borders). The Dice is taken over the batch, not per
 * image: most crops hold no touching border at all, and a per-image Dice with smoothing rewards
 * predicting nothing there so strongly that the border channel learns to stay at 0 (the model
 * shipped in December 2026 was trained that way and its border output is empty).
 * Named `bceDice` so compiled models and data-parallel workers can refer to it by name.
 */
export function bceDice(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const bce = tf.mean(tf.metrics.binaryCrossentropy(yTrue, yPred), [1, 2]);
    const inter = tf.sum(tf.mul(yTrue, yPred), [0, 1, 2]);
    const total = tf.add(tf.sum(yTrue, [0, 1, 2]), tf.sum(yPred, [0, 1, 2]));
    const dice = tf.div(tf.add(tf.mul(inter, 2), SMOOTH), tf.add(total, SMOOTH));
    // The batch's Dice term, the same for every image of the batch.
    return tf.add(bce, tf.mean(tf.sub(1, dice)));
  });
}
Object.defineProperty(bceDice, 'name', { value: 'bceDice' });

/** Losses by the name a config and a worker use. */
export const LOSSES = { bce: 'binaryCrossentropy', bceDice } as const;

/** The loss a compiled model uses, by its config name. */
export function lossFor(name: 'bce' | 'bceDice' | undefined): string | typeof bceDice {
  return name === 'bceDice' ? bceDice : 'binaryCrossentropy';
}

/** The config name of a compiled model's loss ('bce' for tfjs' own binaryCrossentropy). */
export function lossNameOf(loss: unknown): 'bce' | 'bceDice' {
  if (loss === bceDice) return 'bceDice';
  if (loss === 'binaryCrossentropy') return 'bce';
  throw new Error(
    `Unknown loss ${typeof loss === 'function' ? (loss as { name: string }).name : JSON.stringify(loss)}: only bce and bceDice can be sent to training workers.`,
  );
}
