import * as fs from 'fs';
import * as path from 'path';

/**
 * The worker script when `train` is given none: the package's own `worker-entry.js` beside this
 * file (installed package), else this very file, which is what a bundle is: its entry dispatches
 * worker threads to `runTrainingWorker()` (apps/cli/src/main.ts does).
 */
export function defaultWorkerScript(dir = __dirname, self = __filename): string {
  const shipped = path.join(dir, 'worker-entry.js');
  return fs.existsSync(shipped) ? shipped : self;
}
