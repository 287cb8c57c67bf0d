// A segmentation session made from a backup of corrections, for a viewer that reopens an image
// without segmenting it again (the TIFF editor after a crash or a reload): the backup's starting
// labels and probability stand for the segmentation, its model for the one that made them.
import type { SegmentationSession } from '../segmentation-session';
import type { RgbImage, Segmentation } from '../nuclei-api';
import type { BackupContents } from './backup';
import { resultFromLabels } from '../result-from-labels';

export function sessionFromBackup(contents: BackupContents, image: RgbImage, pixelSize: number | undefined): SegmentationSession {
  const { meta } = contents;
  const labels = Int32Array.from(contents.labels);
  let probability: Float32Array | undefined;
  if (contents.probability) {
    probability = new Float32Array(labels.length);
    for (let i = 0; i < labels.length; i++) probability[i] = contents.probability[i] / 255;
  }
  const result = resultFromLabels(
    labels,
    meta.width,
    meta.height,
    {
      mode: meta.segmentation.mode as Segmentation['mode'],
      tiles: meta.segmentation.tiles,
      threshold: meta.segmentation.threshold,
      split: meta.segmentation.split as Segmentation['split'],
    },
    probability,
  );
  return {
    imagePath: meta.imagePath,
    image,
    result,
    modelDir: meta.modelDir,
    pixelSize,
    ...(meta.channel === undefined ? {} : { channel: meta.channel }),
  };
}
