// A segmentation session made from a backup of corrections, for a viewer that reopens an image
// without segmenting it again (the TIFF editor after a crash or a reload): the backup's starting
// labels and probability stand for the segmentation, its model for the one that made them.
import type { SegmentationSession } from '../segmentation-session';
import type { RgbImage, Segmentation } from '../nuclei-api';
import type { BackupContents } from './backup';

export function sessionFromBackup(contents: BackupContents, image: RgbImage, pixelSize: number | undefined): SegmentationSession {
  const { meta } = contents;
  const labels = Int32Array.from(contents.labels);
  let count = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > count) count = labels[i];
  const areas = new Array<number>(count).fill(0);
  const mask = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] <= 0) continue;
    areas[labels[i] - 1]++;
    mask[i] = 1;
  }
  const present = areas.filter((a) => a > 0);
  const probability = new Float32Array(labels.length);
  if (contents.probability) for (let i = 0; i < labels.length; i++) probability[i] = contents.probability[i] / 255;
  const result: Segmentation = {
    width: meta.width,
    height: meta.height,
    probability,
    mask,
    labels,
    count,
    areas,
    meanArea: present.length ? present.reduce((s, a) => s + a, 0) / present.length : 0,
    mode: meta.segmentation.mode as Segmentation['mode'],
    tiles: meta.segmentation.tiles,
    threshold: meta.segmentation.threshold,
    split: meta.segmentation.split as Segmentation['split'],
  };
  return {
    imagePath: meta.imagePath,
    image,
    result,
    modelDir: meta.modelDir,
    pixelSize,
    ...(meta.channel === undefined ? {} : { channel: meta.channel }),
  };
}
