import { existsSync, readdirSync, statSync, type Dirent } from 'fs';
import { extname, join } from 'path';
import { NucleiInputError } from './errors';

/** Extensions accepted for the sample image (anything sharp reads; DSB uses PNG). */
const IMAGE_EXTENSIONS = new Set(['.png', '.tif', '.tiff', '.jpg', '.jpeg', '.webp', '.bmp']);

/** Whether the loader takes a file of this name as a sample's image (or label image), by its extension. */
export function isDatasetImage(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** The files of one sample in the DSB layout, with what the cache key needs. */
export interface SampleFiles {
  id: string;
  imagePath: string;
  /** Sorted by file name, so label numbers are stable. */
  maskPaths: string[];
  /** "name size mtime" per file, for the cache fingerprint. */
  fingerprint: string;
}

function readDir(path: string, what: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NucleiInputError(path, `missing ${what} folder`);
    if (code === 'ENOTDIR') throw new NucleiInputError(path, `${what} is a file, expected a folder`);
    throw new NucleiInputError(path, `cannot read ${what} folder (${(err as Error).message})`);
  }
}

/** Hidden files (.DS_Store, ._foo, .ipynb_checkpoints) are junk that tools leave behind. */
const isHidden = (name: string): boolean => name.startsWith('.');

/** Suffixes of label images in the image + label-image layout (Cellpose `_masks`, napari / nuclei `_labels`). */
export const LABEL_SUFFIXES = ['_labels', '_label', '_masks'] as const;

/** One sample of the pairs layout: an image and its label image side by side. */
export interface PairFiles {
  id: string;
  imagePath: string;
  labelPath: string;
}

/**
 * The pairs layout: `NAME.png|tif|...` beside `NAME_labels.*` (or `_label`, `_masks`), one label
 * image per image, in one folder. Returns the pairs by id (NAME), or undefined when the folder
 * has no label images at all (then it is a DSB-layout dataset, or nothing).
 */
export function scanPairs(dir: string, onIgnored: (path: string, reason: string) => void = warnIgnored): Map<string, PairFiles> | undefined {
  const files = readDir(dir, 'dataset')
    .filter((e) => !isHidden(e.name) && !e.isDirectory() && isDatasetImage(e.name))
    .map((e) => e.name);
  const stem = (n: string) => n.slice(0, n.length - extname(n).length);
  const labelOf = new Map<string, string>();
  for (const n of files) {
    const s = stem(n);
    const suffix = LABEL_SUFFIXES.find((x) => s.endsWith(x));
    if (suffix) labelOf.set(s.slice(0, -suffix.length), n);
  }
  if (labelOf.size === 0) return undefined;
  const pairs = new Map<string, PairFiles>();
  for (const n of files) {
    const s = stem(n);
    if (LABEL_SUFFIXES.some((x) => s.endsWith(x)) || /_mask$/.test(s)) continue;
    const label = labelOf.get(s);
    if (!label) {
      onIgnored(join(dir, n), `no label image beside it (${LABEL_SUFFIXES.map((x) => `${s}${x}.*`).join(', ')}); skipped`);
      continue;
    }
    if (pairs.has(s)) throw new NucleiInputError(join(dir, n), `two images are named ${s} (${pairs.get(s)!.imagePath} and this one); rename one`);
    pairs.set(s, { id: s, imagePath: join(dir, n), labelPath: join(dir, label) });
  }
  for (const [s, label] of labelOf) if (!pairs.has(s)) onIgnored(join(dir, label), `label image without an image named ${s}.*; skipped`);
  return pairs;
}

/**
 * Sample ids of a DSB-layout dataset: the sorted names of its sub-folders. Hidden entries and
 * plain files at the top level (a README, a labels CSV, .DS_Store) are ignored, and so are
 * folders that are not samples (neither images/ nor masks/ inside, e.g. __MACOSX from a zip),
 * each told to `onIgnored` (default: a warning on stderr); a `models/` folder of training runs
 * is skipped silently.
 */
export function listSampleIds(dir: string, onIgnored: (path: string, reason: string) => void = warnIgnored): string[] {
  const entries = readDir(dir, 'dataset');
  // Image + label-image pairs in the folder itself, when there are no sample sub-folders.
  const hasSampleFolders = entries.some(
    (e) => !isHidden(e.name) && e.isDirectory() && (existsSync(join(dir, e.name, 'images')) || existsSync(join(dir, e.name, 'masks'))),
  );
  if (!hasSampleFolders) {
    const pairs = scanPairs(dir, onIgnored);
    if (pairs) return [...pairs.keys()].sort();
  }
  const ids: string[] = [];
  for (const e of entries) {
    if (isHidden(e.name)) continue;
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) {
      try {
        isDir = statSync(join(dir, e.name)).isDirectory();
      } catch {
        isDir = false;
      }
    }
    if (!isDir) continue;
    const sub = join(dir, e.name);
    // Where the extension puts training runs (<dataset>/models/<run>): not a sample, not worth a warning.
    if (e.name === 'models' && !existsSync(join(sub, 'images')) && !existsSync(join(sub, 'masks'))) continue;
    if (e.name === '__MACOSX' || (!existsSync(join(sub, 'images')) && !existsSync(join(sub, 'masks')))) {
      onIgnored(sub, 'not a sample folder (no images/ or masks/ inside); skipped');
      continue;
    }
    ids.push(e.name);
  }
  return ids.sort();
}

function warnIgnored(path: string, reason: string): void {
  console.warn(`warning: ${path}: ${reason}`);
}

function stamp(path: string, name: string): string {
  const s = statSync(path);
  return `${name} ${s.size} ${s.mtimeMs}\n`;
}

/**
 * Finds and checks the files of one sample. Throws NucleiInputError for a missing `images/` or
 * `masks/` folder, an images folder without an image, or a non-PNG file in `masks/`.
 * An empty `masks/` folder is refused unless `allowEmpty`: it is what a copy or a writer cut short
 * leaves, and read as "no nuclei" it would teach the model to miss them. Datasets with images
 * that truly have no nuclei say so with `allowEmpty`.
 */
export function scanSample(dir: string, id: string, allowEmpty = false): SampleFiles {
  const root = join(dir, id);
  const imagesDir = join(root, 'images');
  const masksDir = join(root, 'masks');
  const images = readDir(imagesDir, 'images')
    .filter((e) => !isHidden(e.name) && !e.isDirectory() && isDatasetImage(e.name))
    .map((e) => e.name)
    .sort();
  if (images.length === 0) throw new NucleiInputError(imagesDir, 'no image in the images folder (expected images/<id>.png)');
  // DSB names the image after the sample; otherwise accept a single image only, never guess.
  const preferred = images.find((n) => n === `${id}.png`) ?? (images.length === 1 ? images[0] : undefined);
  if (!preferred) throw new NucleiInputError(imagesDir, `${images.length} images and none is named ${id}.png; cannot tell which one to use`);
  const imagePath = join(imagesDir, preferred);

  const maskNames: string[] = [];
  for (const e of readDir(masksDir, 'masks')) {
    if (isHidden(e.name)) continue;
    if (e.isDirectory()) throw new NucleiInputError(join(masksDir, e.name), 'unexpected folder inside masks/ (expected one PNG per nucleus)');
    if (extname(e.name).toLowerCase() !== '.png')
      throw new NucleiInputError(join(masksDir, e.name), 'not a PNG mask file (masks/ must hold only one PNG per nucleus)');
    maskNames.push(e.name);
  }
  if (maskNames.length === 0 && !allowEmpty)
    throw new NucleiInputError(
      masksDir,
      'empty masks folder: no nucleus masks (left by an interrupted copy or write?); add its masks, remove the sample, or load with allowEmpty if images without nuclei are intended',
    );
  maskNames.sort();
  const maskPaths = maskNames.map((n) => join(masksDir, n));
  let fingerprint = `${id}\n` + stamp(imagePath, `images/${preferred}`);
  maskNames.forEach((n, k) => (fingerprint += stamp(maskPaths[k], n)));
  return { id, imagePath, maskPaths, fingerprint };
}
