import * as path from 'path';
import { loadModel } from '@nuclei/model';
import { DEFAULT_MARKERS, DEFAULT_SEGMENT, describeOptions as describeSegmentation, segmentOptionsForModel, type SegmentOptions } from '@nuclei/segmentation';
import { choiceOption, intOption, numberOption } from '../args';
import { CliError } from '../cli-error';
import { findDefaultModel } from '../default-model';

/** Loads --model DIR, or the bundled default model when none is given. */
export async function loadModelOption(value: unknown) {
  const dir = value ? path.resolve(String(value)) : findDefaultModel();
  if (!dir) {
    throw new CliError('no --model given and no bundled default model found (models/default); train one with "nuclei train" or set NUCLEI_MODEL');
  }
  const loaded = await loadModel(dir);
  console.log(`model: ${dir} (${loaded.metadata.preset ?? 'custom'}, input ${loaded.metadata.inputSize}x${loaded.metadata.inputSize})`);
  return { ...loaded, dir };
}

/** One line saying how images will be segmented (segment's own defaults for what is unset). */
export function describeOptions(o: SegmentOptions): string {
  return (
    describeSegmentation(o) +
    (o.preprocessing
      ? `; input normalised (percentiles ${o.preprocessing.low}-${o.preprocessing.high}, ${o.preprocessing.channels}, invert ${o.preprocessing.invert})`
      : '')
  );
}

/** The segmentation flags shared by `segment` and `evaluate`. */
export const SEGMENT_FLAGS = {
  mode: { type: 'string' },
  threshold: { type: 'string' },
  split: { type: 'string' },
  scale: { type: 'string' },
  'tile-size': { type: 'string' },
  tta: { type: 'boolean' },
  'border-threshold': { type: 'string' },
  'min-marker': { type: 'string' },
  'fill-holes': { type: 'boolean' },
} as const;

/** Only what the user set: the rest comes from the model's recommendation, then segment's defaults. */
export function segmentOptionsFromFlags(values: Record<string, string | boolean | undefined>): SegmentOptions {
  const set = (name: string) => values[name] !== undefined;
  const mode = set('mode') ? choiceOption('mode', values.mode, ['tile', 'resize'] as const, DEFAULT_SEGMENT.mode) : undefined;
  if (mode === 'resize') {
    // Resize mode predicts one squeezed image: tiles, their scale and their mirroring do not apply.
    const ignored = ['scale', 'tile-size', 'tta'].filter((f) => values[f] !== undefined);
    if (ignored.length)
      throw new CliError(`--mode resize squeezes the whole image into one model input; ${ignored.map((f) => `--${f}`).join(', ')} only apply to --mode tile`);
  }
  return {
    mode,
    threshold: set('threshold') ? numberOption('threshold', values.threshold, DEFAULT_SEGMENT.threshold, 0, 1) : undefined,
    split: set('split') ? choiceOption('split', values.split, ['markers', 'cut', 'watershed', 'components'] as const, 'watershed') : undefined,
    borderThreshold: set('border-threshold') ? numberOption('border-threshold', values['border-threshold'], DEFAULT_MARKERS.borderThreshold, 0, 1) : undefined,
    minMarker: set('min-marker') ? intOption('min-marker', values['min-marker'], DEFAULT_MARKERS.minMarker, 1, MAX_AREA) : undefined,
    scale: set('scale') ? numberOption('scale', values.scale, DEFAULT_SEGMENT.scale, 0.01, 4) : undefined,
    tileSize: set('tile-size') ? tileSizeOption(values['tile-size']) : undefined,
    tta: values.tta ? true : undefined,
    fillHoles: values['fill-holes'] ? true : undefined,
  };
}

/** Largest --min-area / --min-marker in pixels: a nucleus of a million pixels is already far beyond any microscope's. */
export const MAX_AREA = 1_000_000;

/**
 * --tile-size: a multiple of 16 (the U-Net's four 2x2 poolings) up to 2048 (a 2048^2 tile already
 * needs gigabytes of activations), so a bad value fails here, not deep inside TF.js.
 */
function tileSizeOption(value: unknown): number {
  const v = intOption('tile-size', value, 128, 16, 2048);
  if (v % 16 !== 0) throw new CliError(`--tile-size must be a multiple of 16 (the U-Net halves the size four times), got ${v}`);
  return v;
}

/**
 * The options for a model, refusing flags that would not change anything with it (the marker
 * split's thresholds when the split is not the marker split).
 */
export function chooseOptions(metadata: Parameters<typeof segmentOptionsForModel>[0], flags: SegmentOptions): SegmentOptions {
  const chosen = segmentOptionsForModel(metadata, flags);
  const split = chosen.split ?? 'watershed';
  if (split !== 'markers' && split !== 'cut') {
    const ignored = [flags.borderThreshold !== undefined && '--border-threshold', flags.minMarker !== undefined && '--min-marker'].filter(Boolean);
    if (ignored.length) throw new CliError(`${ignored.join(' and ')} only apply to --split markers or cut (this run splits by ${split})`);
  }
  return chosen;
}
