import { resolveConfig, type UNetConfig } from '@nuclei/model';

/**
 * A valid U-Net config for 16x16x3 inputs, passed as checkpoint metadata for the tiny test model:
 * saveModel only checks that the config's input matches the model, and loadModel rebuilds the
 * saved topology. (A real U-Net is ~1.5 s per batch on the cpu backend: too slow for these tests.)
 */
export const TINY_UNET: UNetConfig = resolveConfig({ inputSize: 16, depth: 2, baseFilters: 4, learningRate: 0.01 });
