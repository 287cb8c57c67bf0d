import * as fs from 'fs';
import * as path from 'path';

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
