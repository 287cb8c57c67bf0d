// Entry of the worker bundle the parallel tests build (a bundle's entry dispatches like apps/cli/src/main.ts).
import { isTrainingWorker, runTrainingWorker } from '../index';

if (isTrainingWorker()) runTrainingWorker();
