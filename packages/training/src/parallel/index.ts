export { ParallelTrainer, splitBatch, type ParallelOptions } from './pool';
export { runTrainingWorker } from './worker';
export { isTrainingWorker, WORKER_FLAG } from './protocol';
export { shareGradients, type ShareResult } from './gradients';
export { defaultWorkerCount } from './worker-count';
