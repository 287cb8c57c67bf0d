// Table rows of the nuclei an edit changed, measured on crops: each nucleus's box (+1 px) is cut
// from the labels and the image and measured alone, then moved back. The measurements only look
// at a nucleus's own pixels, so a crop gives the same figures as the whole image, at the cost of
// its box instead of the image.
import type { Box } from '@nuclei/segmentation/label-edit';
import type { NucleusMeasurements, RgbImage } from '../nuclei-api';
import type { NucleusRow } from '../webview/messages';
import { nucleusRows } from '../webview/nucleus-rows';

/** What measures: `api.measure` (the same as the saved `_measurements.csv`). */
export type Measure = (
  labels: { labels: Int32Array; width: number; height: number; count: number },
  image: RgbImage,
  pixelSize?: number,
) => NucleusMeasurements[];

/** One nucleus to measure: its label and a box holding all its pixels (half-open). */
export interface Target {
  label: number;
  box: Box;
}

export function measureNucleiIn(
  measure: Measure,
  labels: Int32Array,
  image: RgbImage,
  targets: readonly Target[],
  pixelSize: number | undefined,
): NucleusRow[] {
  const { width, height } = image;
  const px = pixelSize ?? 1;
  const rows: NucleusRow[] = [];
  for (const { label, box } of targets) {
    const x0 = Math.max(0, box.x0 - 1);
    const y0 = Math.max(0, box.y0 - 1);
    const x1 = Math.min(width, box.x1 + 1);
    const y1 = Math.min(height, box.y1 + 1);
    const w = x1 - x0;
    const h = y1 - y0;
    if (w <= 0 || h <= 0) continue;
    // This nucleus as label 1 of the crop, everything else background.
    const crop = new Int32Array(w * h);
    for (let y = 0; y < h; y++) {
      const row = (y0 + y) * width + x0;
      for (let x = 0; x < w; x++) if (labels[row + x] === label) crop[y * w + x] = 1;
    }
    const [m] = measure({ labels: crop, width: w, height: h, count: 1 }, cropImage(image, x0, y0, w, h), pixelSize);
    if (!m) continue;
    const moved: NucleusMeasurements = {
      ...m,
      label,
      centroidX: m.centroidX + x0 * px,
      centroidY: m.centroidY + y0 * px,
      bboxX: m.bboxX + x0 * px,
      bboxY: m.bboxY + y0 * px,
    };
    rows.push(...nucleusRows([moved], pixelSize));
  }
  return rows;
}

/** A rectangle of an image: the 8-bit view and, for 16-bit and float files, the original samples. */
export function cropImage(image: RgbImage, x0: number, y0: number, w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + w) * 3), y * w * 3);
  const out: RgbImage = { width: w, height: h, data };
  if (image.source) {
    const c = image.source.channels;
    const values = new Float32Array(w * h * c);
    for (let y = 0; y < h; y++) values.set(image.source.data.subarray(((y0 + y) * image.width + x0) * c, ((y0 + y) * image.width + x0 + w) * c), y * w * c);
    out.source = { ...image.source, data: values };
  }
  return out;
}
