// Entry of dist/training-worker.js: the thread that data-parallel training starts for each extra
// replica. Kept out of extension.ts so activating the extension never loads TF.js.
import { isTrainingWorker, runTrainingWorker } from '@nuclei/training';

if (isTrainingWorker()) runTrainingWorker();
