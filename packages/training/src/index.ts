export type {
  BatchLogs,
  EpochLogs,
  ResolvedTrainOptions,
  StopReason,
  TrainingCallback,
  TrainingContext,
  TrainingState,
  TrainOptions,
  TrainResult,
} from './types';
export { train, sampleIds, type TrainData, type CropData } from './train';
export { RECIPES, FINE_TUNE, DEFAULT_RECIPE, isRecipeName, prepareRecipe, type RecipeName, type RecipeRequest, type PreparedRecipe } from './recipes';
export { CropSampler, cropBatches, DEFAULT_CROP_OPTIONS, type CropOptions } from './crops';
export { cosineSchedule, type CosineScheduleOptions } from './callbacks/cosine-schedule';
export { DEFAULT_OPTIONS } from './options';
export { getLearningRate, setLearningRate } from './learning-rate';
export { evaluateBatched } from './evaluate';
export { EtaEstimator } from './eta';
export { progress, type ProgressEvent } from './callbacks/progress';
export { earlyStopping, type EarlyStoppingOptions } from './callbacks/early-stopping';
export { reduceLrOnPlateau, type ReduceLrOnPlateauOptions } from './callbacks/reduce-lr-on-plateau';
export { historyLogger, HISTORY_CSV, HISTORY_JSONL } from './callbacks/history';
export { resolveMode, isImprovement, type MonitorMode } from './monitor';
export { checkpoint, BEST_DIR, LAST_DIR, TRAINING_STATE_KEY, type CheckpointOptions } from './callbacks/checkpoint';
export { resumeTraining, trainingStateOf, type ResumedTraining } from './resume';
export { defaultCallbacks, type DefaultCallbacksOptions } from './callbacks/default-callbacks';
export { runTrainingWorker, isTrainingWorker, splitBatch, defaultWorkerCount } from './parallel';
export { loadStartingModel, fineTunedMetadata, findBaseData, datasetCandidates, type StartingModel } from './fine-tune';
export {
  trainWithRecipe,
  holdsTrainingRun,
  trainingRunFiles,
  takeRunLock,
  RunLockError,
  RUN_LOCK,
  presetMatches,
  type RecipeRun,
  type RecipeRunResult,
  type StoredRunInfo,
} from './run';
