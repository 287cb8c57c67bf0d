// A saved result (a label image, over its image when known) as a segmentation session, for the
// viewers that reopen one without segmenting again: the labels viewer and a batch's rows.
import * as path from 'path';
import { readConfig } from './config';
import type { PlaneSelection } from './image-planes';
import type { Logger } from './log';
import type { RgbImage } from './nuclei-api';
import { resultFromLabels, type SegmentationSettings } from './result-from-labels';
import { pixelSizeFor, type SegmentationSession } from './segmentation-session';
import type { SavedSummary } from './source-image';

/** A saved result's settings when its summary does not say (only the labels are used). */
const UNKNOWN_SETTINGS: SegmentationSettings = { mode: 'tile', tiles: 0, threshold: 0.5, split: 'watershed' };

/** How the labels were made: what the summary records, else UNKNOWN_SETTINGS. */
export function settingsFrom(summary: SavedSummary | undefined): SegmentationSettings {
  const s = (summary ?? {}) as Partial<Record<keyof SegmentationSettings, unknown>>;
  return {
    mode: typeof s.mode === 'string' ? (s.mode as SegmentationSettings['mode']) : UNKNOWN_SETTINGS.mode,
    tiles: typeof s.tiles === 'number' ? s.tiles : UNKNOWN_SETTINGS.tiles,
    threshold: typeof s.threshold === 'number' ? s.threshold : UNKNOWN_SETTINGS.threshold,
    split: typeof s.split === 'string' ? (s.split as SegmentationSettings['split']) : UNKNOWN_SETTINGS.split,
  };
}

/**
 * Why `labels` (as read: ids 1..count) are not a label image, or undefined. In a label image each
 * id is one nucleus, one patch of pixels (a few, after corrections); a binary mask gives one id
 * to every nucleus and a photograph scatters each grey value over the whole picture, so both
 * have many more separate patches (8-connected) than ids.
 */
export function labelImageProblem(labels: Int32Array, width: number, height: number, count: number): string | undefined {
  // Twice as many patches as ids, and one: room for nuclei cut in two by corrections.
  const limit = 2 * count + 1;
  const seen = new Uint8Array(labels.length);
  const stack = new Int32Array(labels.length);
  let patches = 0;
  for (let start = 0; start < labels.length && patches <= limit; start++) {
    const id = labels[start];
    if (id === 0 || seen[start]) continue;
    patches++;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const i = stack[--top];
      const x = i % width;
      const y = (i - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const j = yy * width + xx;
          if (!seen[j] && labels[j] === id) {
            seen[j] = 1;
            stack[top++] = j;
          }
        }
      }
    }
  }
  if (patches <= limit) return undefined;
  return count === 1
    ? `not a label image (one id per nucleus): one value marks more than ${limit} separate patches, a binary mask?`
    : `not a label image (one id per nucleus): its ${count} values are scattered over more than ${limit} separate patches, a picture?`;
}

/** A label image as read, checked to be one (a clear problem, naming the file, otherwise). */
export interface SavedLabels {
  file: string;
  width: number;
  height: number;
  labels: Int32Array;
  count: number;
}

/** Reads a saved label image; throws an error whose message names the file and what is wrong. */
export async function readSavedLabels(file: string): Promise<SavedLabels> {
  const api = await import('./nuclei-api');
  let saved: Awaited<ReturnType<typeof api.readLabels>>;
  try {
    saved = await api.readLabels(file);
  } catch (err) {
    // NucleiInputError: its problem, said once with the file's name.
    const problem = (err as { problem?: string }).problem;
    throw problem ? new Error(`${path.basename(file)}: ${problem}`) : err;
  }
  let count = 0;
  for (let i = 0; i < saved.labels.length; i++) if (saved.labels[i] > count) count = saved.labels[i];
  const problem = labelImageProblem(saved.labels, saved.width, saved.height, count);
  if (problem) throw new Error(`${path.basename(file)} is ${problem}`);
  return { file, width: saved.width, height: saved.height, labels: saved.labels, count };
}

/** Grey of the background labels are shown on without their image: dark, so every nucleus's colour stands out. */
export const LABELS_ALONE_GREY = 24;

/**
 * The session of a saved result: the labels over `imagePath` (its channel and plane `plane`),
 * measured against it; without an image, the labels alone on a dark background (shapes measured,
 * no intensities) and `imageless`, so corrections are not saved as training data without one.
 */
export async function savedResultSession(
  log: Logger,
  saved: SavedLabels,
  options: { imagePath?: string; plane?: PlaneSelection; summary?: SavedSummary; modelDir: string; outDir?: string; baseName?: string },
): Promise<SegmentationSession> {
  const api = await import('./nuclei-api');
  const { imagePath, plane = {}, summary } = options;
  let image: RgbImage;
  if (imagePath) {
    image = await api.readImage(imagePath, plane);
    if (image.width !== saved.width || image.height !== saved.height)
      throw new Error(`${path.basename(saved.file)} is ${saved.width}x${saved.height}, the image ${path.basename(imagePath)} ${image.width}x${image.height}`);
  } else {
    image = { width: saved.width, height: saved.height, data: new Uint8Array(saved.width * saved.height * 3).fill(LABELS_ALONE_GREY) };
  }
  const setting = readConfig().pixelSize;
  return {
    imagePath: imagePath ?? saved.file,
    image,
    result: resultFromLabels(saved.labels, saved.width, saved.height, settingsFrom(summary)),
    modelDir: options.modelDir,
    pixelSize: imagePath ? await pixelSizeFor(imagePath, setting, log) : (setting ?? summary?.pixelSize),
    ...(plane.channel !== undefined ? { channel: plane.channel } : {}),
    ...(imagePath ? {} : { imageless: true, channels: [] }),
    ...(options.outDir ? { outDir: options.outDir } : {}),
    ...(options.baseName ? { baseName: options.baseName } : {}),
  };
}
