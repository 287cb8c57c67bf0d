import type { UNetConfig } from './config';

/** The network of the original Kaggle DSB 2018 seed notebook: 1,941,105 parameters. */
const SEED: UNetConfig = {
  inputSize: 128,
  inputChannels: 3,
  depth: 5,
  baseFilters: 16,
  activation: 'elu',
  kernelInitializer: 'heNormal',
  encoderDropout: [0.1, 0.1, 0.2, 0.2, 0.3],
  decoderDropout: [0.2, 0.2, 0.1, 0.1],
  batchNorm: false,
  upsampling: 'transpose',
  outputChannels: 1,
  learningRate: 1e-3,
};

export const PRESETS = {
  /** Default: exactly the seed network. */
  seed: SEED,
  /** Seed plus batch normalization: trains faster and is less sensitive to the learning rate. */
  'seed-bn': { ...SEED, batchNorm: true },
  /** Seed with nearest-neighbour upsampling + conv instead of transposed conv (no checkerboard artefacts). */
  'seed-resize': { ...SEED, upsampling: 'resize' },
  /** 8 base filters (~4x fewer parameters): quick demos and tests. */
  small: { ...SEED, baseFilters: 8 },
  /**
   * The default since the accuracy round: the seed's levels and widths without dropout (crops and
   * augmentation regularise), normalised RGB input (see preprocessing.ts), a mask and a
   * touching-border output, BCE + Dice. Batch norm is left out on purpose: on wasm it costs 40% of
   * the training speed (measured: 3.2 against 5.8 images/s per thread), i.e. 40% fewer epochs.
   */
  nuclei: {
    ...SEED,
    encoderDropout: [0, 0, 0, 0, 0],
    decoderDropout: [0, 0, 0, 0],
    outputChannels: 2,
    inputScale: 1,
    loss: 'bceDice',
  },
  /** The nuclei preset at half width: quick demos and tests of the new recipe. */
  'nuclei-small': {
    ...SEED,
    baseFilters: 8,
    encoderDropout: [0, 0, 0, 0, 0],
    decoderDropout: [0, 0, 0, 0],
    outputChannels: 2,
    inputScale: 1,
    loss: 'bceDice',
  },
} satisfies Record<string, UNetConfig>;

export type PresetName = keyof typeof PRESETS;
export const DEFAULT_PRESET: PresetName = 'seed';

export function isPresetName(name: unknown): name is PresetName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(PRESETS, name);
}

/**
 * A full, validated config from a preset name or a partial config (missing fields come from the
 * seed). Dropout lists are resized to the depth so `{ depth: 3 }` alone is valid.
 */
export function resolveConfig(config?: Partial<UNetConfig> | PresetName): UNetConfig {
  if (typeof config === 'string') {
    if (!isPresetName(config)) {
      throw new Error(`Unknown U-Net preset '${config}' (known: ${Object.keys(PRESETS).join(', ')})`);
    }
    return cloneConfig(PRESETS[config]);
  }
  const partial = config ?? {};

  const merged: UNetConfig = { ...cloneConfig(SEED), ...partial };
  merged.encoderDropout = fitLength(partial.encoderDropout ?? SEED.encoderDropout, merged.depth, 'encoderDropout', partial.encoderDropout !== undefined);
  merged.decoderDropout = fitLength(partial.decoderDropout ?? SEED.decoderDropout, merged.depth - 1, 'decoderDropout', partial.decoderDropout !== undefined);
  validateConfig(merged);
  return merged;
}

function cloneConfig(c: UNetConfig): UNetConfig {
  return { ...c, encoderDropout: [...c.encoderDropout], decoderDropout: [...c.decoderDropout] };
}

/** Seed defaults are trimmed/padded to the depth; an explicit list of the wrong length is an error. */
function fitLength(list: number[], n: number, name: string, explicit: boolean): number[] {
  if (list.length === n) return [...list];
  if (explicit) throw new Error(`U-Net config: ${name} has ${list.length} entries, depth needs ${n}`);
  if (list.length > n) {
    // Shallower nets keep the seed's bottleneck rate (last encoder entry) and its shallowest
    // decoder rates (decoder lists run deep -> shallow).
    return name === 'encoderDropout' ? [...list.slice(0, n - 1), list[list.length - 1]] : list.slice(list.length - n);
  }
  return [...list, ...new Array(n - list.length).fill(list[list.length - 1] ?? 0)];
}

export function validateConfig(c: UNetConfig): void {
  const fail = (msg: string): never => {
    throw new Error(`U-Net config: ${msg}`);
  };
  if (!Number.isInteger(c.depth) || c.depth < 1) fail(`depth must be a positive integer, got ${c.depth}`);
  const div = 2 ** (c.depth - 1);
  if (!Number.isInteger(c.inputSize) || c.inputSize < div || c.inputSize % div !== 0) {
    fail(`inputSize ${c.inputSize} must be a positive multiple of ${div} (2^(depth-1))`);
  }
  if (!Number.isInteger(c.inputChannels) || c.inputChannels < 1) fail(`inputChannels must be >= 1, got ${c.inputChannels}`);
  if (!Number.isInteger(c.baseFilters) || c.baseFilters < 1) fail(`baseFilters must be >= 1, got ${c.baseFilters}`);
  if (!Number.isInteger(c.outputChannels) || c.outputChannels < 1) fail(`outputChannels must be >= 1, got ${c.outputChannels}`);
  if (!(c.learningRate > 0)) fail(`learningRate must be > 0, got ${c.learningRate}`);
  if (c.upsampling !== 'transpose' && c.upsampling !== 'resize') fail(`upsampling must be 'transpose' or 'resize', got ${c.upsampling}`);
  if (c.inputScale !== undefined && !(c.inputScale > 0)) fail(`inputScale must be > 0, got ${c.inputScale}`);
  if (c.loss !== undefined && c.loss !== 'bce' && c.loss !== 'bceDice') fail(`loss must be 'bce' or 'bceDice', got ${c.loss}`);
  for (const r of [...c.encoderDropout, ...c.decoderDropout]) {
    if (!(r >= 0 && r < 1)) fail(`dropout rates must be in [0, 1), got ${r}`);
  }
}
