import { labelComponents } from './connected-components';
import { DEFAULT_SEGMENT } from './defaults';
import { watershedSplit, type WatershedOptions } from './watershed';

export interface MarkerOptions {
  /** Foreground: mask probability >= threshold (t1). Default 0.5. */
  threshold?: number;
  /** Markers: foreground with border probability < borderThreshold (t2). Default 0.5. */
  borderThreshold?: number;
  /** Markers smaller than this (px) are dropped; their pixels are flooded from neighbours. Default 4. */
  minMarker?: number;
}

export const DEFAULT_MARKERS: Required<MarkerOptions> = { threshold: DEFAULT_SEGMENT.threshold, borderThreshold: 0.5, minMarker: 4 };

const LEVELS = 512;

/** The foreground (mask >= t1) and its cores (foreground with border < t2), 0/1 per pixel. */
function foreground(
  mask: Float32Array,
  border: Float32Array,
  w: number,
  h: number,
  o: Required<MarkerOptions>,
  who: string,
): { fg: Uint8Array; core: Uint8Array } {
  const n = w * h;
  if (mask.length !== n || border.length !== n) throw new RangeError(`${who}: expected ${n} values per plane`);
  const fg = new Uint8Array(n);
  const core = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (mask[i] >= o.threshold) {
      fg[i] = 1;
      if (border[i] < o.borderThreshold) core[i] = 1;
    }
  }
  return { fg, core };
}

/**
 * Marker-controlled watershed for two-output models: markers are the components of
 * (mask >= t1) and (border < t2); they are flooded over the foreground in order of the elevation
 * (1 - mask) + border, so touching nuclei meet along the predicted border ridge. Foreground that
 * no marker reaches (a nucleus whose marker was lost) stays one nucleus per component.
 */
export function markerWatershed(
  mask: Float32Array,
  border: Float32Array,
  w: number,
  h: number,
  options: MarkerOptions = {},
): { labels: Int32Array; count: number } {
  const o = { ...DEFAULT_MARKERS, ...options };
  const n = w * h;
  const { fg, core: seeds } = foreground(mask, border, w, h, o, 'markerWatershed');
  const marked = labelComponents(seeds, w, h, 4);
  const labels = marked.labels;
  // Drop markers below minMarker, renumbering the rest 1..count.
  const area = new Int32Array(marked.count + 1);
  for (let i = 0; i < n; i++) area[labels[i]]++;
  const map = new Int32Array(marked.count + 1);
  let count = 0;
  for (let l = 1; l <= marked.count; l++) if (area[l] >= o.minMarker) map[l] = ++count;
  for (let i = 0; i < n; i++) labels[i] = map[labels[i]];

  // Bucket queue over quantised elevation; a pixel takes the label of whoever queued it first.
  const level = (i: number) => Math.min(LEVELS - 1, Math.max(0, Math.round(((1 - mask[i] + border[i]) / 2) * (LEVELS - 1))));
  const buckets: number[][] = Array.from({ length: LEVELS }, () => []);
  const push = (i: number, label: number, floor: number) => {
    labels[i] = label;
    buckets[Math.max(floor, level(i))].push(i);
  };
  const visitNeighbours = (i: number, floor: number) => {
    const x = i % w;
    const label = labels[i];
    if (x > 0 && fg[i - 1] && !labels[i - 1]) push(i - 1, label, floor);
    if (x < w - 1 && fg[i + 1] && !labels[i + 1]) push(i + 1, label, floor);
    if (i >= w && fg[i - w] && !labels[i - w]) push(i - w, label, floor);
    if (i + w < n && fg[i + w] && !labels[i + w]) push(i + w, label, floor);
  };
  for (let i = 0; i < n; i++) if (labels[i]) visitNeighbours(i, 0);
  for (let lv = 0; lv < LEVELS; lv++) {
    const b = buckets[lv];
    // Pixels queued at this level while it is processed are appended to the same bucket.
    for (let k = 0; k < b.length; k++) visitNeighbours(b[k], lv);
    buckets[lv] = [];
  }
  // Foreground no marker reached: one nucleus per connected component.
  const rest = new Uint8Array(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    if (fg[i] && !labels[i]) {
      rest[i] = 1;
      any = true;
    }
  }
  if (any) {
    const extra = labelComponents(rest, w, h, 8);
    for (let i = 0; i < n; i++) if (extra.labels[i]) labels[i] = count + extra.labels[i];
    count += extra.count;
  }
  return { labels, count };
}

/**
 * For two-output models whose border output finds some touching borders but not all: the
 * foreground with the predicted borders cut out (mask >= t1, border < t2) is split by the distance
 * watershed, so nuclei are separated where a border was predicted and by their shape where none
 * was; the cut-out border pixels then go to the nucleus they touch (breadth-first from the cores).
 * Foreground with no core left (all border) stays one nucleus per component.
 */
export function cutWatershed(
  mask: Float32Array,
  border: Float32Array,
  w: number,
  h: number,
  options: MarkerOptions & { watershed?: WatershedOptions } = {},
): { labels: Int32Array; count: number } {
  const o = { ...DEFAULT_MARKERS, ...options };
  const n = w * h;
  const { fg, core } = foreground(mask, border, w, h, o, 'cutWatershed');
  const { labels, count: cores } = watershedSplit(core, w, h, options.watershed);
  let count = cores;
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) if (labels[i]) queue[tail++] = i;
  while (head < tail) {
    const i = queue[head++];
    const x = i % w;
    const l = labels[i];
    for (const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i - w, i + w]) {
      if (j >= 0 && j < n && fg[j] && !labels[j]) {
        labels[j] = l;
        queue[tail++] = j;
      }
    }
  }
  // Foreground no core reached: its own nuclei, one per 8-connected component.
  const rest = new Uint8Array(n);
  let any = false;
  for (let i = 0; i < n; i++) if (fg[i] && !labels[i]) ((rest[i] = 1), (any = true));
  if (any) {
    const cc = labelComponents(rest, w, h, 8);
    for (let i = 0; i < n; i++) if (cc.labels[i]) labels[i] = count + cc.labels[i];
    count += cc.count;
  }
  return { labels, count };
}
