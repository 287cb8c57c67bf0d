import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** A fresh temp folder per call; `cleanup()` removes every folder made through this helper. */
export function tempDirs(prefix = 'nuclei-data-test-'): { make: () => string; cleanup: () => void } {
  const made: string[] = [];
  return {
    make: () => {
      const d = mkdtempSync(join(tmpdir(), prefix));
      made.push(d);
      return d;
    },
    cleanup: () => made.forEach((d) => rmSync(d, { recursive: true, force: true })),
  };
}
