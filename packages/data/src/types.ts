/** An 8-bit RGB image, row-major `height*width*3` (the shared convention of every package). */
export interface RgbImage {
  width: number;
  height: number;
  /** The 8-bit RGB view: what is displayed and overlaid (and what 8-bit files hold). */
  data: Uint8Array;
  /** 16-bit and float files: the original values, for the model's normalisation and intensity measurements. */
  source?: SourceValues;
}

/** An image's original sample values (16-bit, 32-bit or float files), `height*width*channels` row-major. */
export interface SourceValues {
  /** 1 (gray, or one channel picked) or 3 (RGB). */
  channels: number;
  data: Float32Array;
  /** sharp's sample format: 'ushort', 'float', ... */
  depth: string;
}

/** A binary mask (`height*width`, values 0 or 1) with its size. */
export interface BinaryMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * One training sample, already shrunk to the model size. Arrays loaded from the cache are views
 * into one shared buffer: copy them (`.slice()`) before modifying, never use `.buffer` directly.
 */
export interface Sample {
  id: string;
  /** `size*size*3`, 8-bit RGB. */
  image: Uint8Array;
  /** `size*size`, 0 or 1. */
  mask: Uint8Array;
  originalWidth: number;
  originalHeight: number;
}

/** A sample left out by `loadDataset({ skipInvalid: true })`, with the reason. */
export interface SkippedSample {
  id: string;
  path: string;
  reason: string;
}

export interface LoadProgress {
  phase: 'scan' | 'decode' | 'cache';
  done: number;
  total: number;
  id?: string;
}

export interface LoadOptions {
  /** Model size (square). Default 128. */
  size?: number;
  /** Where the decoded arrays are cached. Default `<os tmp>/nuclei-cache`; `false` disables. */
  cacheDir?: string | false;
  /** Samples decoded at once. Default 8. */
  concurrency?: number;
  /** Skip bad samples (returned in `skipped`) instead of throwing. Default false. */
  skipInvalid?: boolean;
  /** Accept DSB-layout samples whose `masks/` folder is empty (images without nuclei). Default false: refused. */
  allowEmpty?: boolean;
  onProgress?: (p: LoadProgress) => void;
}

export interface LoadedDataset {
  samples: Sample[];
  skipped: SkippedSample[];
  size: number;
}
