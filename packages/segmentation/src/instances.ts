import { labelComponents } from './connected-components';
import { watershedSplit, type WatershedOptions } from './watershed';

/** 'markers' and 'cut' need a touching-border output (two-output models). */
export type SplitMethod = 'watershed' | 'components' | 'markers' | 'cut';

export interface InstanceOptions {
  split?: SplitMethod;
  /** Nuclei smaller than this many pixels are dropped as noise. Default 0 (keep all). */
  minArea?: number;
  watershed?: WatershedOptions;
}

export interface Instances {
  labels: Int32Array;
  count: number;
  /** areas[i] is the pixel count of label i + 1. */
  areas: number[];
}

/** Label image from a binary mask, by connected components or by watershed, without small objects. */
export function splitInstances(mask: Uint8Array, width: number, height: number, options: InstanceOptions = {}): Instances {
  const split = options.split ?? 'watershed';
  const raw =
    split === 'watershed'
      ? watershedSplit(mask, width, height, options.watershed)
      : split === 'components'
        ? labelComponents(mask, width, height, 8)
        : (() => {
            throw new RangeError(`unknown split method "${split}" (use "watershed" or "components")`);
          })();
  return dropSmall(raw.labels, raw.count, options.minArea ?? 0);
}

/** Removes labels with area < minArea (in place) and renumbers the rest 1..count in order. */
export function dropSmall(labels: Int32Array, count: number, minArea: number): Instances {
  const area = new Float64Array(count + 1);
  for (let i = 0; i < labels.length; i++) area[labels[i]]++;
  const map = new Int32Array(count + 1);
  const areas: number[] = [];
  for (let l = 1; l <= count; l++) {
    if (area[l] >= minArea && area[l] > 0) {
      areas.push(area[l]);
      map[l] = areas.length;
    }
  }
  if (areas.length !== count) for (let i = 0; i < labels.length; i++) labels[i] = map[labels[i]];
  return { labels, count: areas.length, areas };
}

/**
 * Fills holes inside nuclei (ImageJ's Fill Holes, per nucleus): a background region (4-connected)
 * that does not reach the image border and touches exactly one nucleus becomes part of it. In
 * place; returns the pixels filled. Annotated nuclei have no holes; predicted ones on textured
 * (stained) chromatin often do.
 */
export function fillHoles(labels: Int32Array, width: number, height: number): number {
  const n = width * height;
  const bg = new Uint8Array(n);
  for (let i = 0; i < n; i++) bg[i] = labels[i] === 0 ? 1 : 0;
  const holes = labelComponents(bg, width, height, 4);
  // Per background region: the one nucleus around it (0 none yet, -1 open: border or two nuclei).
  const owner = new Int32Array(holes.count + 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const h = holes.labels[i];
      if (h === 0 || owner[h] === -1) continue;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) {
        owner[h] = -1;
        continue;
      }
      for (const j of [i - 1, i + 1, i - width, i + width]) {
        const l = labels[j];
        if (l === 0) continue;
        if (owner[h] === 0) owner[h] = l;
        else if (owner[h] !== l) {
          owner[h] = -1;
          break;
        }
      }
    }
  }
  let filled = 0;
  for (let i = 0; i < n; i++) {
    const h = holes.labels[i];
    if (h > 0 && owner[h] > 0) {
      labels[i] = owner[h];
      filled++;
    }
  }
  return filled;
}
