import type { UNetConfig } from './config';
import { resolveConfig, type PresetName } from './presets';

/**
 * Floating-point operations per image, for a benchmark's GFLOP/s figure: convolution and
 * transposed-convolution multiply-accumulates x2 (activations, pooling, batch norm are noise).
 * Training is counted as 3x forward (forward + gradients w.r.t. inputs and weights).
 */
export function modelFlops(config?: Partial<UNetConfig> | PresetName): { forward: number; train: number } {
  const c = resolveConfig(config);
  // MACs of a 'same' convolution producing side x side x cout from cin channels.
  const conv = (side: number, k: number, cin: number, cout: number) => side * side * k * k * cin * cout;
  let macs = 0;
  let channels = c.inputChannels;
  for (let level = 0; level < c.depth; level++) {
    const side = c.inputSize / 2 ** level;
    const f = c.baseFilters * 2 ** level;
    macs += conv(side, 3, channels, f) + conv(side, 3, f, f);
    channels = f;
  }
  for (let level = c.depth - 2; level >= 0; level--) {
    const side = c.inputSize / 2 ** level;
    const f = c.baseFilters * 2 ** level;
    // A 2x2 stride-2 transposed conv touches each output pixel once per input channel, like a
    // 1x1 conv at output resolution; the resize variant is a 2x2 conv at output resolution.
    macs += c.upsampling === 'transpose' ? conv(side, 1, channels, f) : conv(side, 2, channels, f);
    macs += conv(side, 3, 2 * f, f) + conv(side, 3, f, f);
    channels = f;
  }
  macs += conv(c.inputSize, 1, channels, c.outputChannels);
  const forward = 2 * macs;
  return { forward, train: 3 * forward };
}
