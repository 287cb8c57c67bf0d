import { existsSync, readdirSync, statSync, type Dirent } from 'fs';
import { extname, join } from 'path';
import { NucleiInputError } from './errors';

/** Extensions accepted for the sample image (anything sharp reads; DSB uses PNG). */
const IMAGE_EXTENSIONS = new Set(['.png', '.tif', '.tiff', '.jpg', '.jpeg', '.webp', '.bmp']);

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

/**
 * Sample ids of a DSB-layout dataset: the sorted names of its sub-folders. Hidden entries and
 * plain files at the top level (a README, a labels CSV, .DS_Store) are ignored, and so are
 * folders that are not samples (neither images/ nor masks/ inside, e.g. __MACOSX from a zip),
 * each told to `onIgnored` (default: a warning on stderr).
 */
export function listSampleIds(dir: string, onIgnored: (path: string, reason: string) => void = warnIgnored): string[] {
  const entries = readDir(dir, 'dataset');
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
 * An empty `masks/` folder is accepted: an image with no nuclei is valid training data.
 */
export function scanSample(dir: string, id: string): SampleFiles {
  const root = join(dir, id);
  const imagesDir = join(root, 'images');
  const masksDir = join(root, 'masks');
  const images = readDir(imagesDir, 'images')
    .filter((e) => !isHidden(e.name) && !e.isDirectory() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
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
    if (extname(e.name).toLowerCase() !== '.png') throw new NucleiInputError(join(masksDir, e.name), 'not a PNG mask file (masks/ must hold only one PNG per nucleus)');
    maskNames.push(e.name);
  }
  maskNames.sort();
  const maskPaths = maskNames.map((n) => join(masksDir, n));
  let fingerprint = `${id}\n` + stamp(imagePath, `images/${preferred}`);
  maskNames.forEach((n, k) => (fingerprint += stamp(maskPaths[k], n)));
  return { id, imagePath, maskPaths, fingerprint };
}
