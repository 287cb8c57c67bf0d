// The training callbacks as one namespace (`callbacks.earlyStopping(...)`), as tfjs-layers exports
// its own: what a caller of `train` attaches; `defaultCallbacks` is the set a run writes its folder with.
export { progress, type ProgressEvent } from './progress';
export { earlyStopping, type EarlyStoppingOptions } from './early-stopping';
export { reduceLrOnPlateau, type ReduceLrOnPlateauOptions } from './reduce-lr-on-plateau';
export { cosineSchedule, type CosineScheduleOptions } from './cosine-schedule';
export { historyLogger, HISTORY_CSV, HISTORY_JSONL } from './history';
export { checkpoint, type CheckpointOptions } from './checkpoint';
export { defaultCallbacks, type DefaultCallbacksOptions } from './default-callbacks';
