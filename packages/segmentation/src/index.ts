export {
  segment,
  instancesFromPrediction,
  modelInputSize,
  checkImage,
  DEFAULT_MAX_PIXELS,
  type SegmentOptions,
  type SegmentResult,
  type SegmentMode,
} from './segment';
export {
  predictImage,
  predictTiled,
  predictResized,
  toModelInput,
  flipTiles,
  throwIfAborted,
  type ModelInput,
  type Prediction,
  type PredictOptions,
} from './predict';
export { modelShape, withInputSize, tfjsPredictor, type TilePredictor } from '@nuclei/model';
export { markerWatershed, DEFAULT_MARKERS, type MarkerOptions } from './markers';
export { readImageForSegmentation } from './read-input';
export { splitInstances, dropSmall, type SplitMethod, type InstanceOptions, type Instances } from './instances';
export { watershedSplit, gaussianBlur, DEFAULT_WATERSHED, type WatershedOptions } from './watershed';
export { distanceTransform } from './distance-transform';
export { tilePositions, blendWindow } from './tiling';
export { renderOverlay, outlineOf, labelColour, type OverlayOptions } from './overlay';
export {
  writeSegmentationOutputs,
  OUTPUT_KINDS,
  type OutputKind,
  type OutputPaths,
  describeNuclei,
  nucleusRle,
  type NucleusInfo,
  type SegmentationSummary,
  type OutputInfo,
} from './outputs';
export { measureNuclei, measurementsCsv, type NucleusMeasurements } from './measurements';
export { traceOutline, polygonArea } from './outline';
export { outlines, encodeRoi, roiSetZip, zipStore, nucleiGeoJson } from './rois';
export { evaluateModelOnDataset, type EvaluateDatasetOptions } from './evaluate-dataset';
export { segmentOptionsForModel } from './model-defaults';
export { tuneSegmentation, describeOptions, type TuneSample, type TuneCandidate, type TuneResult, type TuneOptions } from './tune';
