import type { ModelMetadata } from '@nuclei/model';
import type { SegmentOptions } from './segment';

/**
 * Options for segmenting with a model: first what its metadata recommends (measured on its
 * validation images at full size when it was published), then whatever the caller set. Unset
 * (undefined) caller values do not override the recommendation.
 */
export function segmentOptionsForModel(
  metadata: Pick<ModelMetadata, 'segmentation' | 'preprocessing'> | undefined,
  explicit: SegmentOptions = {},
): SegmentOptions {
  const recommended = metadata?.segmentation;
  const out: SegmentOptions = {};
  // The normalisation is part of the model, never a user choice.
  if (metadata?.preprocessing) out.preprocessing = metadata.preprocessing;
  if (recommended) {
    out.mode = recommended.mode;
    if (recommended.scale !== undefined) out.scale = recommended.scale;
    if (recommended.split !== undefined) out.split = recommended.split;
    if (recommended.threshold !== undefined) out.threshold = recommended.threshold;
    if (recommended.borderThreshold !== undefined) out.borderThreshold = recommended.borderThreshold;
    if (recommended.minMarker !== undefined) out.minMarker = recommended.minMarker;
    if (recommended.tta !== undefined) out.tta = recommended.tta;
    if (recommended.minArea !== undefined) out.minArea = recommended.minArea;
    if (recommended.fillHoles !== undefined) out.fillHoles = recommended.fillHoles;
  }
  for (const [key, value] of Object.entries(explicit)) {
    if (key === 'preprocessing') continue;
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
