// The segmentation result as the corrections left it, for the saved outputs: labels renumbered
// 1..n (edits leave gaps and add labels above the count; the writers expect 1..count), with the
// count, areas, mean area and mask made again from them.
import type { Segmentation } from '../nuclei-api';

export function correctedResult(result: Segmentation): Segmentation {
  const { labels } = result;
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  const area = new Float64Array(max + 1);
  for (let i = 0; i < labels.length; i++) area[labels[i] > 0 ? labels[i] : 0]++;
  // New numbers in the order of the old ones, so an image without deletions keeps its numbers.
  const renumber = new Int32Array(max + 1);
  const areas: number[] = [];
  for (let l = 1; l <= max; l++) {
    if (!area[l]) continue;
    areas.push(area[l]);
    renumber[l] = areas.length;
  }
  const out = new Int32Array(labels.length);
  const mask = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] <= 0) continue;
    out[i] = renumber[labels[i]];
    mask[i] = 1;
  }
  const count = areas.length;
  return { ...result, labels: out, mask, count, areas, meanArea: count ? areas.reduce((s, a) => s + a, 0) / count : 0 };
}
