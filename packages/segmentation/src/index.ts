export { segment, instancesFromPrediction, modelInputSize, DEFAULT_MAX_PIXELS, type SegmentOptions, type SegmentResult, type SegmentMode } from './segment';
export { predictImage, predictRegion, regionNeeded, type ModelInput, type Prediction, type PredictOptions } from './predict';
export { DEFAULT_MARKERS, type MarkerOptions } from './markers';
export { DEFAULT_SEGMENT } from './defaults';
export { labelComponents } from './connected-components';
export { readImageForSegmentation } from './read-input';
export { splitInstances, type SplitMethod, type InstanceOptions, type Instances } from './instances';
export { gaussianBlur, type WatershedOptions } from './watershed';
export { renderOverlay, type OverlayOptions } from './overlay';
export {
  writeSegmentationOutputs,
  flatMeasurements,
  outputPaths,
  OUTPUT_KINDS,
  type OutputKind,
  type OutputPaths,
  type NucleusInfo,
  type SegmentationSummary,
  type OutputInfo,
} from './outputs';
export {
  measureNuclei,
  measurementsCsv,
  parseMeasurementsCsv,
  measurementHeader,
  measurementValues,
  measurementRecord,
  type NucleusMeasurements,
  type ChannelStats,
  type MeasureOptions,
} from './measurements';
export { filterLabels, filterResult, hasFilters, type NucleusFilters, type FilterTally } from './filters';
export { outlines, roiSetZip, nucleiGeoJson, nucleusFeature } from './rois';
export { evaluateModelOnDataset, type EvaluateDatasetOptions } from './evaluate-dataset';
export { segmentOptionsForModel } from './model-defaults';
export { tuneSegmentation, describeOptions, type TuneSample, type TuneCandidate, type TuneResult, type TuneOptions } from './tune';
