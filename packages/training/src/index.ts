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
export { train, type TrainData, type CropData } from './train';
export { RECIPES, FINE_TUNE, DEFAULT_RECIPE, prepareRecipe, type RecipeName, type RecipeRequest, type PreparedRecipe } from './recipes';
export { DEFAULT_CROP_OPTIONS, type CropOptions } from './crops';
export { DEFAULT_OPTIONS } from './options';
export * as callbacks from './callbacks/index';
export type { ProgressEvent } from './callbacks/progress';
export { BEST_DIR, LAST_DIR, TRAINING_STATE_KEY } from './callbacks/checkpoint';
export { resumeTraining, trainingStateOf, type ResumedTraining } from './resume';
export { runTrainingWorker, isTrainingWorker, defaultWorkerCount } from './parallel';
export { loadStartingModel, findBaseData, datasetCandidates, type StartingModel } from './fine-tune';
export {
  trainWithRecipe,
  holdsTrainingRun,
  trainingRunFiles,
  takeRunLock,
  RunLockError,
  presetMatches,
  type RecipeRun,
  type RecipeRunResult,
  type StoredRunInfo,
} from './run';
