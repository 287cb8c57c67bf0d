// Which image a saved label image (`NAME_labels.png`) goes with, so the labels viewer can show it
// over that image as QuPath and napari reopen a labels layer: the summary nuclei wrote beside it
// (`NAME.json`, "image"), else the run-folder layout (`X.nuclei-MODEL/X_labels.png` and a batch's
// `nuclei-MODEL/X_labels.png`: the image is `../X.*`), else an image of that name beside it (the
// image + label-image pairs of a training set, and where Save corrections puts them).
import * as fs from 'fs';
import * as path from 'path';
import { IMAGE_EXTENSIONS } from './image-files';

/** What the labels viewer opens: `*_labels.png` (the only label image the outputs and corrections write below 65,536 nuclei). */
export const LABELS_PATTERN = '*_labels.png';

/** The fields of nuclei's summary (`NAME.json`, @nuclei/segmentation's SegmentationSummary) that reopening uses. */
export interface SavedSummary {
  image: string | null;
  width: number;
  height: number;
  count: number;
  model?: unknown;
  pixelSize?: number;
  mode?: string;
  split?: string;
  threshold?: number;
  tiles?: number;
  input?: { channel?: number; z?: number | 'max' | 'mean' };
}

export interface SourceImage {
  /** The image the labels go with; undefined: none found. */
  image?: string;
  /** How it was found (for the log and the user). */
  via?: 'summary' | 'run folder' | 'same folder' | 'chosen';
  /** Nuclei's summary beside the labels, when there. */
  summary?: SavedSummary;
  /**
   * The labels are one of nuclei's segmentation outputs (a summary beside them, or in a run or
   * batch folder): saving outputs writes back into their folder under their name.
   */
  isOutput: boolean;
  /** The folder and name the outputs of this result go to when they are written back. */
  outDir: string;
  baseName: string;
}

/** `cells_labels.png` -> `cells`. */
export function labelsStem(labelsFile: string): string {
  return path.basename(labelsFile, path.extname(labelsFile)).replace(/_labels$/, '');
}

/** Nuclei's summary in `file`, or undefined when there is none or it is something else. */
export function readSummary(file: string): SavedSummary | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as SavedSummary;
    const ok = s && typeof s === 'object' && 'image' in s && typeof s.width === 'number' && typeof s.height === 'number' && typeof s.count === 'number';
    return ok ? s : undefined;
  } catch {
    return undefined;
  }
}

/** An image named `stem` (any extension the extension reads, in IMAGE_EXTENSIONS order, any case) in `dir`. */
export function imageNamed(dir: string, stem: string): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const ext of IMAGE_EXTENSIONS) {
    const name = names.find((n) => n.toLowerCase() === `${stem}.${ext}`.toLowerCase());
    if (name && isFile(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The image stem a run or batch folder names (`cells.nuclei-default` -> cells; `nuclei-default` -> undefined), or null when `dir` is neither. */
function runFolderImage(dir: string): string | undefined | null {
  const name = path.basename(dir);
  const run = /^(.+)\.nuclei-[^/\\]+$/.exec(name);
  if (run) return run[1];
  return /^nuclei-[^/\\]+$/.test(name) ? undefined : null;
}

/**
 * Finds the image of a saved label image; `chosen`: one the user picked before (wins while it
 * exists). A summary's image that has moved is looked for by its name in the places below.
 */
export function findSourceImage(labelsFile: string, chosen?: string): SourceImage {
  const dir = path.dirname(labelsFile);
  const stem = labelsStem(labelsFile);
  const summary = readSummary(path.join(dir, `${stem}.json`));
  const run = runFolderImage(dir);
  const isOutput = summary !== undefined || run !== null;
  const out = { ...(summary ? { summary } : {}), isOutput, outDir: dir, baseName: stem };
  if (chosen && isFile(chosen)) return { ...out, image: chosen, via: 'chosen' };
  const recorded = typeof summary?.image === 'string' && summary.image ? path.resolve(dir, summary.image) : undefined;
  if (recorded && isFile(recorded)) return { ...out, image: recorded, via: 'summary' };
  // The recorded image moved with its results (a copied folder): the same name, where the layout puts it.
  const stems = [...new Set([recorded && path.basename(recorded, path.extname(recorded)), run, stem].filter((s): s is string => !!s))];
  if (run !== null) {
    for (const s of stems) {
      const image = imageNamed(path.dirname(dir), s);
      if (image) return { ...out, image, via: 'run folder' };
    }
  }
  for (const s of stems) {
    const image = imageNamed(dir, s);
    if (image && path.resolve(image) !== path.resolve(labelsFile)) return { ...out, image, via: 'same folder' };
  }
  return out;
}
