// The true nuclei of an evaluated image drawn into a copy of it, so the viewer shows the model's
// nuclei (its own coloured layers, table and hover) over the annotation without a viewer change.
import type { RgbImage } from './nuclei-api';

/** The colour of the true outlines (named in the viewer's file name line). */
export const TRUTH_COLOUR: [number, number, number] = [255, 255, 0];
export const TRUTH_COLOUR_NAME = 'yellow';

/** A copy of the display image with every true nucleus's edge pixels (4-neighbour) in TRUTH_COLOUR. */
export function drawTruthOutlines(image: RgbImage, truth: Int32Array): RgbImage {
  const { width, height } = image;
  const data = Uint8Array.from(image.data);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const l = truth[i];
      if (l <= 0) continue;
      const edge =
        x === 0 ||
        y === 0 ||
        x === width - 1 ||
        y === height - 1 ||
        truth[i - 1] !== l ||
        truth[i + 1] !== l ||
        truth[i - width] !== l ||
        truth[i + width] !== l;
      if (edge) data.set(TRUTH_COLOUR, i * 3);
    }
  }
  return { width, height, data };
}
