export { segment, instancesFromPrediction, modelInputSize, DEFAULT_MAX_PIXELS, type SegmentOptions, type SegmentResult, type SegmentMode } from './segment';
export { predictImage, predictRegion, regionNeeded, type ModelInput, type Prediction, type PredictOptions } from './predict';
export { modelShape, withInputSize, tfjsPredictor, type TilePredictor } from '@nuclei/model';
export { markerWatershed, DEFAULT_MARKERS, type MarkerOptions } from './markers';
export { readImageForSegmentation } from './read-input';
export { splitInstances, fillHoles, type SplitMethod, type InstanceOptions, type Instances } from './instances';
export { labelComponents, findRoot, type LabelResult } from './connected-components';
export { watershedSplit, gaussianBlur, DEFAULT_WATERSHED, type WatershedOptions } from './watershed';
export { renderOverlay, outlineOf, labelColour, type OverlayOptions } from './overlay';
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
  measurementHeader,
  measurementValues,
  measurementRecord,
  type NucleusMeasurements,
  type ChannelStats,
  type MeasureOptions,
} from './measurements';
export { filterLabels, filterResult, hasFilters, type NucleusFilters, type FilterTally } from './filters';
export { outlines, roiSetZip, zipStore, nucleiGeoJson, nucleusFeature } from './rois';
export { evaluateModelOnDataset, type EvaluateDatasetOptions } from './evaluate-dataset';
export { segmentOptionsForModel } from './model-defaults';
export { tuneSegmentation, describeOptions, type TuneSample, type TuneCandidate, type TuneResult, type TuneOptions } from './tune';
export { LabelEditor, isEditOp, type LabelEditorOptions, type Point, type Box, type EditOp, type EditChange, type EditTally } from './label-edit';
