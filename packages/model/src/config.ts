/** Everything that decides the shape of a U-Net; stored in `nuclei-model.json` so a saved model can be rebuilt. */
export interface UNetConfig {
  /** Square input side in pixels; must be divisible by 2^(depth-1). */
  inputSize: number;
  inputChannels: number;
  /** Number of encoder blocks (the seed has 5: four poolings plus the bottleneck). */
  depth: number;
  /** Filters of the first block; doubled at every level. */
  baseFilters: number;
  activation: 'elu' | 'relu' | 'selu';
  kernelInitializer: 'heNormal' | 'glorotUniform' | 'heUniform';
  /** Dropout between the two convolutions of each encoder block (length = depth). */
  encoderDropout: number[];
  /** Dropout between the two convolutions of each decoder block (length = depth - 1). */
  decoderDropout: number[];
  /** Batch normalization after every 3x3 convolution (before the activation). */
  batchNorm: boolean;
  /** 'transpose': 2x2 stride-2 transposed conv (seed); 'resize': nearest upsampling + 2x2 conv. */
  upsampling: 'transpose' | 'resize';
  /** 1 = the mask; 2 = the mask and its touching borders (pixels of a nucleus within 2 px of another). */
  outputChannels: number;
  learningRate: number;
  /**
   * Factor of the first (Rescaling) layer. Absent: 1/255, the seed's 8-bit input. Models whose
   * metadata has `preprocessing` take normalised input and use 1.
   */
  inputScale?: number;
  /** 'bce' (seed, default when absent) or 'bceDice': binary cross-entropy plus 1 - soft Dice, per channel. */
  loss?: 'bce' | 'bceDice';
  /** A 1x1 convolution shortcut around each block's two 3x3 convolutions (residual blocks). */
  residual?: boolean;
}
