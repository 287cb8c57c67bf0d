// Messages between the extension host and the webviews, as discriminated unions on `type`.
// Imported by both sides: the extension (Node) and the webview scripts (browser bundles),
// so this file must stay free of `vscode` and Node imports.
import type { ChannelStats } from '@nuclei/segmentation';
import type { SlideTile } from '@nuclei/slide';
import { isEditOp, type EditOp } from '@nuclei/segmentation/label-edit';

/** Which page a webview shows. */
export type ViewKind = 'segment' | 'train' | 'evaluate' | 'slide';

/**
 * A label image for postMessage: the typed array itself (VS Code transfers typed arrays in webview
 * messages as binary, no text codec), Uint16 when every label fits, else Int32.
 */
export type PackedLabels = Uint16Array | Int32Array;

/**
 * An image as its pixels (8-bit, row-major; 1 channel: gray, 3: RGB), at most MAX_DISPLAY_PIXELS:
 * a typed array crosses postMessage as binary and the page puts it on a canvas, with no PNG to
 * encode on the host nor decode on the page. `id` names one encoding (the page keeps its view
 * when the same image comes again, as after segmenting the TIFF viewer's image).
 */
export interface ImagePixels {
  id: string;
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** What the page shows: a URI it can load (the image file as a webview resource), or the pixels themselves. */
export type ImageSource = string | ImagePixels;

/** Whether two sources are the same image (the same URI, or pixels of the same encoding). */
export function sameImageSource(a: ImageSource | undefined, b: ImageSource | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.id === b.id;
}

export interface SegmentationPayload {
  fileName: string;
  imageSrc: ImageSource;
  width: number;
  height: number;
  labels: PackedLabels;
  count: number;
  /** Mean area in pixels. */
  meanArea: number;
  /** nuclei[i] is nucleus i + 1 (label order). */
  nuclei: NucleusRow[];
  /** The rows are being measured (`nuclei` is empty): a 'rows' message brings them, so the image shows first. */
  measuring?: boolean;
  /** 'um' when the image records its pixel size (or `nuclei.pixelSize` gives one): lengths in microns. */
  unit: 'px' | 'um';
  /** What was segmented, for the viewer's "channel 2 of 3: DAPI" / "plane 4 of 12" (absent: a plain image). */
  input?: PlaneInput;
  /** The model's mask probability at full size, 0..255 (the split tool's watershed runs on it); absent: distance. */
  probability?: Uint8Array;
  /** The labels carry corrections not saved yet (restored from a backup after a reload or a crash). */
  dirty?: boolean;
  /**
   * The id the next new nucleus gets on the host (its LabelEditor's nextLabel()): above every id
   * ever present, which a page given only the current labels cannot know after deletions, so a
   * rebuilt page numbers new nuclei as the host does.
   */
  nextLabel?: number;
}

/** What an image holds besides x and y (@nuclei/data's describeImageAxes), for the viewer's pickers. */
export interface AxesView {
  /** index 0-based; name when the file gives one. */
  channels: { index: number; name?: string }[];
  /** Z planes (1: not a stack). */
  planes: number;
  /** The channels are the colours of one RGB image (segmented together unless one is chosen). */
  rgb: boolean;
}

/** A Z plane (0-based) or a projection of all planes. */
export type PlaneChoice = number | 'max' | 'mean';

/** The channel and plane of an image that are shown and segmented. */
export interface PlaneInput {
  axes: AxesView;
  /** The channel (0-based); absent: an RGB image as it is, or the only channel. */
  channel?: number;
  z?: PlaneChoice;
}

/** Intensity statistics of one channel in one nucleus: @nuclei/segmentation's own (a type: nothing of it is bundled into the page). */
export type ChannelValues = ChannelStats;

/**
 * One nucleus in the viewer's table: scikit-image `regionprops` definitions, as the saved
 * `_measurements.csv`; lengths and area in `unit`, the centroid and box in pixels (the centroid
 * with pixel centres at +0.5, as the CSV).
 */
export interface NucleusRow {
  label: number;
  area: number;
  perimeter: number;
  equivalentDiameter: number;
  majorAxisLength: number;
  minorAxisLength: number;
  eccentricity: number;
  solidity: number;
  /** Mean intensity of the first channel, on the original values. */
  meanIntensity: number;
  /** Every channel's statistics (absent on rows edited here and not measured yet). */
  intensity?: ChannelValues[];
  centroidX: number;
  centroidY: number;
  /** x, y, width, height in pixels. */
  box: [number, number, number, number];
}

/** Images above this are sent to the viewer downsampled (its layers are drawn at most this big too). */
export const MAX_DISPLAY_PIXELS = 16_000_000;

/**
 * The display step: 1, or the factor that brings a large image's pixels and layers under
 * MAX_DISPLAY_PIXELS (hover, click and the table stay exact: they use the full label image).
 */
export function displayStep(width: number, height: number): number {
  return Math.max(1, Math.ceil(Math.sqrt((width * height) / MAX_DISPLAY_PIXELS)));
}

/** An image shown before it is segmented (the TIFF viewer): the segment page with a Segment button. */
export interface ImagePayload {
  fileName: string;
  imageSrc: ImageSource;
  width: number;
  height: number;
  /** The channel and plane shown (and segmented by Segment), with what the image holds. */
  input: PlaneInput;
}

/** The viewer's live filters (Analyze Particles): areas in `unit` (px, or µm² when 'um'), inclusive. */
export interface ViewFilters {
  min?: number;
  max?: number;
  edges: boolean;
  unit: 'px' | 'um';
}

/** How the viewer draws the overlay (the saved `_overlay.png` follows it). */
export interface OverlayView {
  fill: boolean;
  outline: boolean;
  /** Fill opacity, 0..1. */
  alpha: number;
}

export const SAVE_KINDS = ['mask', 'labels', 'overlay', 'csv', 'measurements', 'rois', 'geojson', 'all'] as const;
export type SaveKind = (typeof SAVE_KINDS)[number];

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  iou?: number;
  etaSeconds?: number;
}

export interface MetricsRow {
  name: string;
  values: Record<string, number>;
  /** Columns whose value is the better one of a comparison (marked on the page). */
  marks?: string[];
  /** Why this row stands out (a count far from the folder's median), shown beside its name. */
  flag?: string;
}

export interface MetricsTable {
  columns: string[];
  rows: MetricsRow[];
  mean: Record<string, number>;
  /** The mean row's marked columns. */
  meanMarks?: string[];
  /** Header tooltips: what a column means. */
  tips?: Record<string, string>;
  /** Decimals per column (default 3); 0 for whole counts (their mean gets one). */
  decimals?: Record<string, number>;
  /** Set when a row opens its image (a click or Enter posts `openRow`): what opening shows, for the row's tooltip. */
  opens?: string;
  /** The answer in one line, above the table ("B better on 6 of 8 images, DSB +0.040"). */
  verdict?: string;
}

/** The viewer's keyboard commands (contributed, so the palette lists them while a viewer is active). */
export const VIEWER_ACTIONS = ['toggleFill', 'toggleOutline', 'toggleTable', 'zoomIn', 'zoomOut', 'fit'] as const;
export type ViewerAction = (typeof VIEWER_ACTIONS)[number];

/** A whole-slide result (`nuclei slide merge`, or `segment` block by block), shown by the tiles in view. */
export interface SlidePayload {
  fileName: string;
  width: number;
  height: number;
  /** Levels 0 .. levels - 1 (level k: the slide shrunk by 2^k); the last fits one tile. */
  levels: number;
  /** Tile side in level pixels. */
  tile: number;
  count: number;
  /** False: the slide alone, not segmented yet (the page offers to segment it). */
  segmented: boolean;
  unit: 'px' | 'um';
  /** Nuclei in clusters wider than the blocks' halo (their shape may depend on a block border). */
  uncertain: number;
  /** Why the slide image is not shown (the labels are shown alone), when it is not. */
  imageProblem?: string;
}

/** The most rows the slide viewer's table takes (about 3 s into the page; the CSV holds every nucleus). */
export const MAX_SLIDE_ROWS = 250_000;

/** One tile of a slide: RGB 8-bit pixels and label ids, both `width` x `height` level pixels (typed arrays travel as binary): @nuclei/slide's own. */
export type SlideTileMessage = SlideTile;

/** Extension -> webview. */
export type ToWebview =
  | { type: 'slide'; payload: SlidePayload }
  /** The slide's measurement rows (sent after the first tiles: the picture comes first); `total`: how many the slide has (more than the rows above MAX_SLIDE_ROWS). */
  | { type: 'slideRows'; nuclei: NucleusRow[]; unit: 'px' | 'um'; total: number }
  | ({ type: 'tile' } & SlideTileMessage)
  | { type: 'image'; payload: ImagePayload }
  /** A viewer command from the palette or its key binding (not replayed when the page reloads). */
  | { type: 'viewer'; action: ViewerAction }
  | { type: 'segmentation'; payload: SegmentationPayload }
  /** The rows of a segmentation sent while they were being measured (`measuring`): every nucleus, label order. */
  | { type: 'rows'; nuclei: NucleusRow[] }
  | { type: 'saved'; files: string[] }
  /**
   * After an edit (or undo / redo) the host has applied too: the re-measured rows of the nuclei it
   * changed, the labels it removed, and the new totals.
   */
  | { type: 'editRows'; rows: NucleusRow[]; removed: number[]; count: number; meanArea: number }
  /** Whether the corrections are saved; `savedTo`: the label image just written. */
  | { type: 'editState'; dirty: boolean; savedTo?: string }
  /** `skipped`: samples the loader left out, with the reason (a bad mask, an unreadable image). */
  | { type: 'trainStart'; epochs: number; datasetName: string; samples: number; skipped?: Array<{ id: string; reason: string }> }
  | { type: 'trainProgress'; progress: TrainProgress }
  /** One completed epoch (1-based): train means and validation figures. */
  | { type: 'trainEpoch'; epoch: number; loss: number; iou?: number; valLoss?: number; valIou?: number }
  | { type: 'trainDone'; status: 'completed' | 'cancelled' | 'failed'; modelDir?: string; message?: string }
  /** `heading`: the page's first line (the dataset and how many images, or "7 of 7 images"). */
  | { type: 'evaluation'; heading: string; table: MetricsTable; text?: string }
  | { type: 'error'; message: string }
  /** A part of the image at full resolution (`src` a PNG of its 8-bit view), asked for with 'region' when the display is downsampled. */
  | ({ type: 'region'; src: string } & Region);

/** A part of the image, in image pixels. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The largest region the viewer asks for at full resolution (the view of a zoomed-in large image, with a margin). */
export const MAX_REGION_PIXELS = 8_000_000;

/** Webview -> extension. */
export type FromWebview =
  | { type: 'ready' }
  /**
   * `overlay`: the viewer's Fill, Outline and Opacity, so the saved overlay is what it shows;
   * `filters`: the live filters, so the saved nuclei are the ones it shows.
   */
  | { type: 'save'; what: SaveKind; pickLocation: boolean; overlay?: OverlayView; filters?: ViewFilters }
  | { type: 'segment' }
  /** A correction made in the viewer's Edit mode; the host applies the same edit to its labels. */
  | { type: 'edit'; op: EditOp }
  | { type: 'undo' }
  | { type: 'redo' }
  /** Save the corrected labels as training data (NAME_labels.png beside the image, or the corrections folder). */
  | { type: 'saveCorrections' }
  /** Show (and segment) another channel of the image; no channel: an RGB image as it is. */
  | { type: 'channel'; channel?: number }
  /** Show (and segment) another Z plane, or a projection. */
  | { type: 'plane'; z: PlaneChoice }
  | { type: 'cancelTraining' }
  /** The evaluation page's Export CSV button. */
  | { type: 'exportCsv' }
  /** A row of the evaluation or batch page: open that image (with its result) in the viewer. */
  | { type: 'openRow'; name: string }
  /** The viewer, zoomed in on a downsampled image: this part at full resolution, please. */
  | ({ type: 'region' } & Region)
  /** The Done page's buttons: put the trained model in use, segment an image with it, evaluate it. */
  | { type: 'modelAction'; action: ModelAction }
  /** The slide viewer: this tile, please (level k, column tx, row ty). */
  | { type: 'tile'; level: number; tx: number; ty: number };

export const MODEL_ACTIONS = ['use', 'segment', 'evaluate'] as const;
export type ModelAction = (typeof MODEL_ACTIONS)[number];

export function isFromWebview(value: unknown): value is FromWebview {
  if (!value || typeof value !== 'object') return false;
  const t = (value as { type?: unknown }).type;
  if (t === 'ready' || t === 'cancelTraining' || t === 'segment' || t === 'exportCsv' || t === 'undo' || t === 'redo' || t === 'saveCorrections') return true;
  if (t === 'edit') return isEditOp((value as { op?: unknown }).op);
  if (t === 'region') {
    const r = value as Partial<Region>;
    const whole = (n: unknown, min: number) => typeof n === 'number' && Number.isInteger(n) && n >= min;
    return whole(r.x, 0) && whole(r.y, 0) && whole(r.width, 1) && whole(r.height, 1) && r.width! * r.height! <= MAX_REGION_PIXELS;
  }
  if (t === 'tile') {
    const v = value as { level?: unknown; tx?: unknown; ty?: unknown };
    return [v.level, v.tx, v.ty].every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 1 << 20);
  }
  if (t === 'openRow') return typeof (value as { name?: unknown }).name === 'string';
  if (t === 'modelAction') return (MODEL_ACTIONS as readonly unknown[]).includes((value as { action?: unknown }).action);
  if (t === 'channel') {
    const c = (value as { channel?: unknown }).channel;
    return c === undefined || (typeof c === 'number' && Number.isInteger(c) && c >= 0);
  }
  if (t === 'plane') {
    const z = (value as { z?: unknown }).z;
    return z === 'max' || z === 'mean' || (typeof z === 'number' && Number.isInteger(z) && z >= 0);
  }
  if (t === 'save') {
    const v = value as { what?: unknown; pickLocation?: unknown; overlay?: Partial<OverlayView>; filters?: Partial<ViewFilters> };
    const o = v.overlay;
    const f = v.filters;
    const size = (n: unknown) => n === undefined || (typeof n === 'number' && Number.isFinite(n) && n >= 0);
    const filtersOk =
      f === undefined ||
      (typeof f === 'object' && f !== null && size(f.min) && size(f.max) && typeof f.edges === 'boolean' && (f.unit === 'px' || f.unit === 'um'));
    if (!filtersOk) return false;
    const overlayOk =
      o === undefined ||
      (typeof o === 'object' &&
        o !== null &&
        typeof o.fill === 'boolean' &&
        typeof o.outline === 'boolean' &&
        typeof o.alpha === 'number' &&
        o.alpha >= 0 &&
        o.alpha <= 1);
    return (SAVE_KINDS as readonly unknown[]).includes(v.what) && typeof v.pickLocation === 'boolean' && overlayOk;
  }
  return false;
}

/** Packs a label image for a message: Uint16 when every label fits, else Int32 (the array itself). */
export function packLabels(labels: Int32Array, count: number): PackedLabels {
  // The constructor converts natively; `Uint16Array.from` iterates (a tenth of a second per 17 MP).
  return count < 65536 ? new Uint16Array(labels) : labels;
}

/** The label image of a message as Int32; anything but a typed array is refused. */
export function unpackLabels(packed: PackedLabels): Int32Array {
  // By tag, not instanceof: a cloned array may come from another realm (another window, a test sandbox).
  const tag = Object.prototype.toString.call(packed);
  if (tag === '[object Int32Array]') return packed instanceof Int32Array ? packed : new Int32Array(packed);
  if (tag === '[object Uint16Array]') return new Int32Array(packed);
  throw new TypeError('labels did not arrive as a typed array');
}

/** "channel 2 of 3: DAPI" (ordinals count from 1, as ImageJ shows them; the index is one less). */
export function describeChannel(input: PlaneInput): string {
  const n = input.axes.channels.length;
  if (input.channel === undefined) return n === 3 && input.axes.rgb ? 'RGB' : n > 1 ? `${n} channels` : '';
  const c = input.axes.channels[input.channel];
  return `channel ${input.channel + 1} of ${n}${c?.name ? `: ${c.name}` : ''}`;
}

/** "plane 4 of 12", "max projection of 12 planes", or '' for a single plane. */
export function describePlane(input: PlaneInput): string {
  const n = input.axes.planes;
  if (n <= 1) return '';
  if (input.z === 'max' || input.z === 'mean') return `${input.z} projection of ${n} planes`;
  return `plane ${(input.z ?? 0) + 1} of ${n}`;
}
