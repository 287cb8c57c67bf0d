import * as tf from '@tensorflow/tfjs';
import type { UNetConfig } from './config';
import { lossFor } from './losses';
import { acc, iou } from './metrics';
import { resolveConfig, type PresetName } from './presets';

type Sym = tf.SymbolicTensor;

/**
 * Build and compile a U-Net. The default (`'seed'`) is exactly the Kaggle DSB 2018 seed network:
 * 128x128x3 float input in 0..255, 1,941,105 parameters, sigmoid output `[n, size, size, 1]`.
 * Layers get explicit names (enc1_conv1, dec4_up, ...) so weight names are stable across builds
 * and processes, which keeps saved models and optimizer state readable.
 */
export interface BuildOptions {
  /**
   * Seed of the weight initialisers: the same seed gives the same initial weights. Without it the
   * initial weights are random (tfjs' default).
   */
  seed?: number;
}

export function buildUNet(config?: Partial<UNetConfig> | PresetName, options: BuildOptions = {}): tf.LayersModel {
  const c = resolveConfig(config);
  const init = initializers(c, options.seed);
  const input = tf.input({ shape: [c.inputSize, c.inputSize, c.inputChannels], name: 'image' });
  // Rescaling is a registered (serialisable) layer in tfjs-layers 4.x, so it survives save/load.
  let x = tf.layers.rescaling({ scale: c.inputScale ?? 1 / 255, name: 'rescale' }).apply(input) as Sym;

  const skips: Sym[] = [];
  for (let level = 0; level < c.depth; level++) {
    x = convBlock(x, c.baseFilters * 2 ** level, c.encoderDropout[level], `enc${level + 1}`, c, init);
    if (level < c.depth - 1) {
      skips.push(x);
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `enc${level + 1}_pool` }).apply(x) as Sym;
    }
  }

  for (let i = 0; i < c.depth - 1; i++) {
    const level = c.depth - 2 - i; // encoder level whose output is concatenated
    const filters = c.baseFilters * 2 ** level;
    const name = `dec${level + 1}`;
    let up: Sym;
    if (c.upsampling === 'transpose') {
      // Default (glorot) initializer, as the seed's Conv2DTranspose.
      up = tf.layers
        .conv2dTranspose({ filters, kernelSize: 2, strides: 2, padding: 'same', kernelInitializer: init('glorotUniform'), name: `${name}_up` })
        .apply(x) as Sym;
    } else {
      up = tf.layers.upSampling2d({ size: [2, 2], name: `${name}_resize` }).apply(x) as Sym;
      up = tf.layers.conv2d({ filters, kernelSize: 2, padding: 'same', kernelInitializer: init(c.kernelInitializer), name: `${name}_up` }).apply(up) as Sym;
    }
    x = tf.layers.concatenate({ axis: -1, name: `${name}_concat` }).apply([up, skips[level]]) as Sym;
    x = convBlock(x, filters, c.decoderDropout[i], name, c, init);
  }

  const output = tf.layers
    .conv2d({ filters: c.outputChannels, kernelSize: 1, activation: 'sigmoid', kernelInitializer: init('glorotUniform'), name: 'mask' })
    .apply(x) as Sym;
  const model = tf.model({ inputs: input, outputs: output, name: 'unet' });
  compileUNet(model, c.learningRate, c.loss);
  return model;
}

type Init = (
  name: UNetConfig['kernelInitializer'] | 'glorotUniform',
) => ReturnType<typeof tf.initializers.heNormal> | UNetConfig['kernelInitializer'] | 'glorotUniform';

/** Initialisers by name, each layer with its own seed derived from the build seed (layers are made in a fixed order). */
function initializers(c: UNetConfig, seed: number | undefined): Init {
  let n = 0;
  return (name) => {
    if (seed === undefined) return name;
    const s = (seed * 1000 + n++) >>> 0;
    if (name === 'heNormal') return tf.initializers.heNormal({ seed: s });
    if (name === 'heUniform') return tf.initializers.heUniform({ seed: s });
    return tf.initializers.glorotUniform({ seed: s });
  };
}

/**
 * conv3x3 -> dropout -> conv3x3, each conv optionally followed by batch norm before the activation;
 * with `residual`, a 1x1 projection of the block input is added before the last activation.
 */
function convBlock(x: Sym, filters: number, dropout: number, name: string, c: UNetConfig, init: Init): Sym {
  const conv = (input: Sym, suffix: string): Sym => {
    let y = tf.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: init(c.kernelInitializer),
        // With batch norm the bias is redundant (BN's beta does the same job).
        useBias: !c.batchNorm,
        activation: c.batchNorm ? 'linear' : c.activation,
        name: `${name}_${suffix}`,
      })
      .apply(input) as Sym;
    if (c.batchNorm) {
      y = tf.layers.batchNormalization({ name: `${name}_${suffix}_bn` }).apply(y) as Sym;
      y = tf.layers.activation({ activation: c.activation, name: `${name}_${suffix}_act` }).apply(y) as Sym;
    }
    return y;
  };
  let y = conv(x, 'conv1');
  if (dropout > 0) y = tf.layers.dropout({ rate: dropout, name: `${name}_dropout` }).apply(y) as Sym;
  if (!c.residual) return conv(y, 'conv2');
  y = tf.layers
    .conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: init(c.kernelInitializer), useBias: !c.batchNorm, name: `${name}_conv2` })
    .apply(y) as Sym;
  if (c.batchNorm) y = tf.layers.batchNormalization({ name: `${name}_conv2_bn` }).apply(y) as Sym;
  const shortcut = tf.layers
    .conv2d({ filters, kernelSize: 1, padding: 'same', kernelInitializer: init(c.kernelInitializer), useBias: false, name: `${name}_skip` })
    .apply(x) as Sym;
  y = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as Sym;
  return tf.layers.activation({ activation: c.activation, name: `${name}_conv2_act` }).apply(y) as Sym;
}

/**
 * Compile (or recompile, e.g. after loading) with the seed's training setup: Adam, binary
 * cross-entropy, metrics accuracy (`acc` in history) and `iou`.
 */
export function compileUNet(model: tf.LayersModel, learningRate = 1e-3, loss: UNetConfig['loss'] = 'bce'): void {
  const owned = model as unknown as { isOptimizerOwned: boolean };
  // A recompile replaces the optimizer: free the Adam moments of the one we created before.
  if (model.optimizer && owned.isOptimizerOwned) model.optimizer.dispose();
  model.compile({
    optimizer: tf.train.adam(learningRate),
    loss: lossFor(loss),
    // Seed models keep tfjs' 'accuracy' (binary for BCE); function losses need the mask's own.
    metrics: loss === 'bceDice' ? [acc, iou] : ['accuracy', iou],
  });
  // tfjs-layers only disposes optimizers it created from a string name, and 'adam' by name cannot
  // take a learning rate; mark ours as owned so model.dispose() frees its state too.
  owned.isOptimizerOwned = true;
}
