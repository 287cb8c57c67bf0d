import type * as tf from '@tensorflow/tfjs';

/**
 * TF.js optimizers keep the learning rate in a `protected learningRate` field that `applyGradients`
 * reads on every step, so assigning it changes the next step (Adam, SGD, RMSProp, ...).
 */
interface WithLearningRate {
  learningRate: number;
}

function optimizerOf(model: tf.LayersModel): WithLearningRate {
  const opt = model.optimizer as unknown as Partial<WithLearningRate> | undefined;
  if (opt == null) throw new Error('The model is not compiled: it has no optimizer.');
  if (typeof opt.learningRate !== 'number') {
    throw new Error(`The optimizer ${model.optimizer.getClassName()} has no numeric learning rate.`);
  }
  return opt as WithLearningRate;
}

export function getLearningRate(model: tf.LayersModel): number {
  return optimizerOf(model).learningRate;
}

export function setLearningRate(model: tf.LayersModel, lr: number): void {
  if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`Learning rate must be a positive number, got ${lr}.`);
  optimizerOf(model).learningRate = lr;
}
