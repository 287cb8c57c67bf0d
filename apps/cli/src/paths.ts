import * as fs from 'fs';
import * as path from 'path';
import { assertWritableDir, isAlive } from '@nuclei/data';
import { errnoInWords, outputError } from './cli-error';

/**
 * The real path of `p` (symlinks resolved) even when it does not exist yet: its nearest existing
 * ancestor resolved, then the rest. Comparing strings instead would let a symlink put outputs in
 * the dataset, or an output over an input.
 */
export function realPath(p: string): string {
  const abs = path.resolve(p);
  let rest = '';
  for (let dir = abs; ; dir = path.dirname(dir)) {
    try {
      return path.join(fs.realpathSync.native(dir), rest);
    } catch {
      if (path.dirname(dir) === dir) return abs;
      rest = rest ? path.join(path.basename(dir), rest) : path.basename(dir);
    }
  }
}

/** Whether `a` is `b` or inside it, by real paths. */
export function isInside(a: string, b: string): boolean {
  const ra = realPath(a);
  const rb = realPath(b);
  return ra === rb || ra.startsWith(rb.endsWith(path.sep) ? rb : rb + path.sep);
}

/**
 * Fails before any work, with exit 4 (an output that cannot be written), when `dir` cannot be
 * created or written: a file in its path, a read-only or full file system.
 */
export async function checkOutputDir(dir: string): Promise<void> {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw outputError(`${dir} is a file, not a folder: outputs cannot go there`);
  cleanLeftovers(dir);
  try {
    await assertWritableDir(dir);
  } catch (e) {
    const code = /\((E[A-Z]+)\)/.exec((e as Error).message)?.[1];
    throw outputError(code ? `${dir}: output folder is not writable: ${errnoInWords(mkdirErrno(dir, code))}` : (e as Error).message);
  }
}

/** mkdir -p says ENOENT on a read-only file system: the folder it could not create in says why. */
export function mkdirErrno(dir: string, code: string): string {
  return code === 'ENOENT' ? (accessError(nearestExisting(dir)) ?? code) : code;
}

function nearestExisting(p: string): string {
  for (let dir = path.resolve(p); ; dir = path.dirname(dir)) if (fs.existsSync(dir) || path.dirname(dir) === dir) return dir;
}

/** Why `dir` cannot be written to (EROFS, EACCES), or undefined if it can. */
function accessError(dir: string): string | undefined {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
}

/**
 * What a killed nuclei process leaves in an output folder: writeFileAtomic's temp files and synth's
 * temp sample folders (`.NAME.PID.RAND.tmp`), write probes (`.nuclei-write-test.PID.RAND`).
 */
const LEFTOVER = /^\.(?:.+\.(\d+)\.[0-9a-f]{8}\.tmp|nuclei-write-test\.(\d+)\.[0-9a-f]{8})$/;

/** Removes the leftovers of killed runs from `dir` (not those of a live process); returns how many. */
export function cleanLeftovers(dir: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0; // not there (yet)
  }
  let removed = 0;
  for (const name of names) {
    const m = LEFTOVER.exec(name);
    if (!m || isAlive(Number(m[1] ?? m[2]))) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
