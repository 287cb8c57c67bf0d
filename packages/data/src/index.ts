export type { BinaryMask, LoadedDataset, LoadOptions, LoadProgress, RgbImage, Sample, SkippedSample, SourceValues } from './types';
export { NucleiInputError } from './errors';
export {
  readImageRgb,
  readAllChannels,
  intensityChannelsOf,
  readLabelImage,
  checkPlaneOptions,
  typedView,
  type ReadImageOptions,
  type IntensityChannel,
} from './decode';
export { readPixelSize, type PixelSize } from './pixel-size';
export { masksToLabels } from './masks';
export { resizeImage, resampleFloat, resampleWindow, resampleSpan, type Rect } from './resize';
export { shrinkImage, shrinkSamples } from './shrink';
export { createRng, seededShuffle, splitTrainVal } from './random';
export { rleEncode, rleDecode } from './rle';
export { listSampleIds, isDatasetImage } from './layout';
export { loadDataset, loadSampleFullSize, loadFullSizeDataset, type FullSizeSample } from './dataset';
export { touchingBorders } from './targets';
export { imageKind, type ImageKind } from './image-kind';
export { samplesToTensors, batches } from './tensors';
export { generateSyntheticDataset, generateSyntheticSample, SYNTHETIC_STYLES, type SyntheticStyle, type SyntheticSampleOptions } from './synthetic';
export { writeFileAtomic, cleanStaleTempFiles, assertWritableDir, isAlive } from './atomic-write';
export { describeImageAxes, channelLabel, type ImageAxes, type ImageChannel } from './axes';
export { encodeTiff, type TiffPages } from './tiff-write';
export { zipStore } from './zip';
