import type { SegmentResult } from './segment';

/**
 * Which nuclei to keep, as ImageJ's Analyze Particles has it: size limits (in pixels, inclusive)
 * and "exclude on edges" (a nucleus with a pixel in the image's first or last row or column).
 */
export interface NucleusFilters {
  minArea?: number;
  maxArea?: number;
  excludeEdges?: boolean;
}

/** How many nuclei each filter removed (a nucleus is counted under the first that removes it: size, then edge). */
export interface FilterTally {
  small: number;
  large: number;
  edge: number;
}

/** Whether any filter is set. */
export function hasFilters(f: NucleusFilters): boolean {
  return Boolean(f.minArea) || f.maxArea !== undefined || Boolean(f.excludeEdges);
}

/**
 * Keeps the nuclei the filters pass, renumbered 1..n in their order, in a new array; `kept[i]`
 * is the old label of new label i + 1.
 */
export function filterLabels(
  labels: Int32Array,
  width: number,
  height: number,
  count: number,
  filters: NucleusFilters,
): { labels: Int32Array; count: number; areas: number[]; kept: number[]; removed: FilterTally } {
  const area = new Float64Array(count + 1);
  const edge = new Uint8Array(count + 1);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const l = labels[y * width + x];
      if (l <= 0) continue;
      area[l]++;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) edge[l] = 1;
    }
  const map = new Int32Array(count + 1);
  const kept: number[] = [];
  const areas: number[] = [];
  const removed: FilterTally = { small: 0, large: 0, edge: 0 };
  for (let l = 1; l <= count; l++) {
    if (area[l] === 0) continue;
    if (filters.minArea !== undefined && area[l] < filters.minArea) removed.small++;
    else if (filters.maxArea !== undefined && area[l] > filters.maxArea) removed.large++;
    else if (filters.excludeEdges && edge[l]) removed.edge++;
    else {
      kept.push(l);
      areas.push(area[l]);
      map[l] = kept.length;
    }
  }
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = labels[i] > 0 ? map[labels[i]] : 0;
  return { labels: out, count: kept.length, areas, kept, removed };
}

/** A segmentation with only the nuclei the filters pass (labels, mask, count and areas follow). */
export function filterResult(result: SegmentResult, filters: NucleusFilters): { result: SegmentResult; removed: FilterTally } {
  const f = filterLabels(result.labels, result.width, result.height, result.count, filters);
  const mask = new Uint8Array(result.mask.length);
  for (let i = 0; i < mask.length; i++) mask[i] = result.mask[i] && (result.labels[i] === 0 || f.labels[i] > 0) ? 1 : 0;
  const meanArea = f.count ? f.areas.reduce((a, b) => a + b, 0) / f.count : 0;
  return { result: { ...result, labels: f.labels, count: f.count, areas: f.areas, meanArea, mask }, removed: f.removed };
}
