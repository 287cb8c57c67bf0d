import type { ModelMetadata } from '@nuclei/model';
import type { SegmentOptions } from './segment';

/**
 * Options for segmenting with a model: first what its metadata recommends (measured on its
 * validation images at full size when it was published), then whatever the caller set. Unset
 * (undefined) caller values do not override the recommendation.
 */
export function segmentOptionsForModel(
  metadata: Pick<ModelMetadata, 'segmentation'> | undefined,
  explicit: SegmentOptions = {},
): SegmentOptions {
  const recommended = metadata?.segmentation;
  const out: SegmentOptions = {};
  if (recommended) {
    out.mode = recommended.mode;
    if (recommended.scale !== undefined) out.scale = recommended.scale;
    if (recommended.split !== undefined) out.split = recommended.split;
    if (recommended.threshold !== undefined) out.threshold = recommended.threshold;
  }
  for (const [key, value] of Object.entries(explicit)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
