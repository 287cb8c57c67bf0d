// The script data-parallel worker threads run when the caller names none (`train(..., { workers })`
// from the installed package). Bundles (the CLI, the extension) route worker threads themselves.
import { isTrainingWorker, runTrainingWorker } from './parallel';

if (isTrainingWorker()) runTrainingWorker();
