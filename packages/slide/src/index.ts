export { planBlocks, shardBlocks, checkPlan, type SlidePlan, type BlockPlan } from './plan';
export { createPlan, defaultHalo, sampleSlide, type PlanOptions } from './create-plan';
export { openSlideSource, type SlideSource, type SourceOptions } from './source';
export { segmentBlock, type BlockResult, type BlockNucleus } from './block';
export { runShard, missingBlocks, blockFile, type ShardProgress } from './run';
export { mergeSlide, slideOutputPaths, type SlideSummary } from './merge';
export { LABELS_PATH } from './ome-zarr-labels';
export { openZarrArray, readZarrWindow, createZarrArray, writeZarrGroup, zarrAttributes, type ZarrArray } from './zarr';
export { syntheticSlide, type SyntheticSlide, type SyntheticSlideOptions } from './synthetic-slide';
