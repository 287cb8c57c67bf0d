// A segmentation result rebuilt from a label image alone (a backup of corrections, a batch's saved
// `_labels.png`), for viewers that reopen an image without segmenting it again.
import type { Segmentation } from './nuclei-api';

/** How the labels were made, as far as it is known. */
export type SegmentationSettings = Pick<Segmentation, 'mode' | 'tiles' | 'threshold' | 'split'>;

/** Counts, areas and mask from the labels; `probability` (0..1) when known, else zeros (the split tool then uses distance). */
export function resultFromLabels(labels: Int32Array, width: number, height: number, settings: SegmentationSettings, probability?: Float32Array): Segmentation {
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
  return {
    width,
    height,
    probability: probability ?? new Float32Array(labels.length),
    mask,
    labels,
    count,
    areas,
    meanArea: present.length ? present.reduce((s, a) => s + a, 0) / present.length : 0,
    ...settings,
  };
}
