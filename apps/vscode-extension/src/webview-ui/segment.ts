// Segmentation viewer: the image with the nuclei overlay (fill and outline), opacity, zoom
// (wheel and buttons), pan (drag), count and mean area, the hovered nucleus, and the measurement
// table beside it: a row click selects and centres its nucleus, a click on a nucleus selects its row.
// Edit mode (edit-tools.ts) corrects the labels by hand; each edit redraws only its box.
import type { EditChange, EditOp, Point } from '@nuclei/segmentation/label-edit';
import {
  describeChannel,
  describePlane,
  displayStep,
  sameImageSource,
  unpackLabels,
  type ImagePayload,
  type ImagePixels,
  type NucleusRow,
  type PlaneInput,
  type SaveKind,
  type SegmentationPayload,
  type ViewerAction,
} from '../webview/messages';
import { $, onMessage, post, showError, vscodeApi } from './api';
import { percentileLevels, stretchLevels } from './contrast';
import { EditSession } from './edit-session';
import { EditTools, type EditToolsState } from './edit-tools';
import { Detail } from './detail';
import { buildLayers, updateLayers, type Layers } from './layers';
import { describeRow, NucleiTable, type TableState } from './nuclei-table';
import { centredOn, fitPlacement, sizeToStage, strokeSelection } from './view-geometry';

/** Zoom and pan of one image, kept so a tab switch (the page is rebuilt) shows the same view. */
interface Viewport {
  file: string;
  scale: number;
  offsetX: number;
  offsetY: number;
}

/** Display levels: auto (percentiles of the image) or the user's black and white levels. */
interface Contrast {
  auto: boolean;
  low: number;
  high: number;
}

/** The live filters (Analyze Particles): areas in the payload's unit. */
interface Filters {
  min?: number;
  max?: number;
  edges: boolean;
}

interface ViewState {
  filters?: Filters;
  /** Whose intensity columns the table shows: a channel name, or '*' for all. */
  measureChannel?: string;
  fill: boolean;
  outline: boolean;
  opacity: number;
  table?: TableState;
  showTable?: boolean;
  viewport?: Viewport;
  contrast?: Contrast;
  edit?: EditToolsState;
}

const stage = $('stage');
const view = $('view') as HTMLCanvasElement;
const fillBox = $('fill') as HTMLInputElement;
const outlineBox = $('outline') as HTMLInputElement;
const opacityRange = $('opacity') as HTMLInputElement;

/** What is shown (the label image itself is unpacked into `labels`, absent before segmenting). */
let payload: Omit<SegmentationPayload, 'labels'> | undefined;
let labels: Int32Array | undefined;
/** The image of a URI source while it loads (pixels sent in the message need none). */
let image: HTMLImageElement | undefined;
let layers: Layers | undefined;
/** The page's own editor over `labels` (which it edits in place); absent before segmenting. */
let session: EditSession | undefined;
let scale = 1;
let offsetX = 0;
let offsetY = 0;
let fitted = false;
/** The view is the fit view (not zoomed or panned since): it refits when the panel or the table changes size. */
let atFit = false;
/** The labels drawn (the filters' kept nuclei), for the full-resolution detail. */
let shownLabels: Int32Array | undefined;
/** Full-resolution parts of a downsampled image, asked from the host when zoomed in. */
const detail = new Detail((region) => post({ type: 'region', ...region }));

const saved = vscodeApi().getState() as ViewState | undefined;
if (saved) {
  fillBox.checked = saved.fill;
  outlineBox.checked = saved.outline;
  opacityRange.value = String(saved.opacity);
}
/** The selected nuclei; the last one is shown in the readout and centred. */
let selection: number[] = [];
const table = new NucleiTable(
  $('nuclei-table') as HTMLTableElement,
  (label, event) => (additive(event) ? toggle(label) : select([label], true)),
  () => remember(),
  saved?.table,
);
const additive = (event: MouseEvent | KeyboardEvent) => event.shiftKey || event.ctrlKey || event.metaKey;
const tableBox = $('show-table') as HTMLInputElement;
// The table beside the image by default when there is room; in a narrow panel it starts collapsed (T shows it, below the image).
tableBox.checked = saved?.showTable ?? !window.matchMedia('(max-width: 760px)').matches;
$('side').classList.toggle('hidden', !tableBox.checked);

const minArea = $('min-area') as HTMLInputElement;
const maxArea = $('max-area') as HTMLInputElement;
const edgesBox = $('exclude-edges') as HTMLInputElement;
const measureSelect = $('measure-channel') as HTMLSelectElement;
if (saved?.filters) {
  minArea.value = saved.filters.min === undefined ? '' : String(saved.filters.min);
  maxArea.value = saved.filters.max === undefined ? '' : String(saved.filters.max);
  edgesBox.checked = saved.filters.edges;
}

function readFilters(): Filters {
  const n = (el: HTMLInputElement) => (el.value.trim() === '' || !Number.isFinite(Number(el.value)) ? undefined : Number(el.value));
  return { min: n(minArea), max: n(maxArea), edges: edgesBox.checked };
}

let viewport = saved?.viewport;
const autoBox = $('auto-contrast') as HTMLInputElement;
const lowRange = $('level-low') as HTMLInputElement;
const highRange = $('level-high') as HTMLInputElement;
autoBox.checked = saved?.contrast?.auto ?? true;
if (saved?.contrast && !saved.contrast.auto) {
  lowRange.value = String(saved.contrast.low);
  highRange.value = String(saved.contrast.high);
}

function remember(): void {
  vscodeApi().setState({
    fill: fillBox.checked,
    outline: outlineBox.checked,
    opacity: Number(opacityRange.value),
    table: table.state,
    showTable: tableBox.checked,
    viewport,
    contrast: { auto: autoBox.checked, low: Number(lowRange.value), high: Number(highRange.value) },
    edit: tools?.state,
    filters: readFilters(),
    measureChannel: measureSelect.value || undefined,
  } satisfies ViewState);
}

/** The image's pixels (read once per image) and the contrast-stretched copy that is drawn (set: the image is there). */
let pixels: ImageData | undefined;
let shown: HTMLCanvasElement | undefined;

function readPixels(img: HTMLImageElement): void {
  const c = document.createElement('canvas');
  const k = displayStep(img.naturalWidth, img.naturalHeight);
  c.width = Math.ceil(img.naturalWidth / k);
  c.height = Math.ceil(img.naturalHeight / k);
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(img, 0, 0, c.width, c.height);
  usePixels(ctx.getImageData(0, 0, c.width, c.height));
}

/** Pixels sent in the message (gray or RGB) as RGBA: nothing to decode, nothing read back from a canvas. */
function pixelsOf(p: ImagePixels): ImageData {
  const out = new ImageData(p.width, p.height);
  const d = out.data;
  const n = p.width * p.height;
  if (p.channels === 1) for (let i = 0, o = 0; i < n; i++, o += 4) d[o] = d[o + 1] = d[o + 2] = p.data[i];
  else
    for (let i = 0, j = 0, o = 0; i < n; i++, j += 3, o += 4) {
      d[o] = p.data[j];
      d[o + 1] = p.data[j + 1];
      d[o + 2] = p.data[j + 2];
    }
  for (let o = 3; o < d.length; o += 4) d[o] = 255;
  return out;
}

function usePixels(data: ImageData): void {
  pixels = data;
  shown = document.createElement('canvas');
  shown.width = data.width;
  shown.height = data.height;
}

/** Re-stretches the shown copy: auto levels from the image's percentiles, else the sliders'. */
function applyContrast(): void {
  if (!pixels || !shown) return;
  if (autoBox.checked) {
    const [lo, hi] = percentileLevels(pixels.data);
    lowRange.value = String(lo);
    highRange.value = String(hi);
  }
  const low = Number(lowRange.value);
  const high = Math.max(low + 1, Number(highRange.value));
  const out = new ImageData(pixels.width, pixels.height);
  stretchLevels(pixels.data, low, high, out.data);
  shown.getContext('2d')!.putImageData(out, 0, 0);
  detail.setLevels([low, high]);
  $('levels').textContent = `${low}\u2013${high}`;
  document.body.dataset.levels = `${low},${high}`;
}

/** Selects nuclei (none: []): their rows, the last one's values, boxes drawn round them; `centre` pans to the last one. */
function select(labels: number[], centre: boolean): void {
  selection = [...new Set(labels)].filter((l) => table.row(l));
  table.select(selection);
  showSelection();
  const row = selection.length ? table.row(selection[selection.length - 1]) : undefined;
  if (row && centre) {
    ({ scale, offsetX, offsetY } = centredOn(view, scale, row.box, row.centroidX, row.centroidY));
    atFit = false;
    fitted = true;
  }
  view.dataset.selected = selection.join(',') || '0';
  tools.refresh();
  draw();
}

/** Shift, Ctrl or Cmd + click: adds a nucleus to the selection, or takes it out. */
function toggle(label: number | undefined): void {
  if (!label) return;
  select(selection.includes(label) ? selection.filter((l) => l !== label) : [...selection, label], false);
}

function showSelection(): void {
  const row = selection.length ? table.row(selection[selection.length - 1]) : undefined;
  const more = selection.length > 1 ? `${selection.length} nuclei selected; last: ` : '';
  $('selected').textContent = row && payload ? more + describeRow(row, payload.unit) : 'Click a nucleus or a row to select it.';
}

function fit(): void {
  if (!payload) return;
  sizeToStage(view, stage);
  ({ scale, offsetX, offsetY } = fitPlacement(view, payload.width, payload.height));
  fitted = true;
  atFit = true;
}

function draw(): void {
  sizeToStage(view, stage);
  const ctx = view.getContext('2d')!;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, view.width, view.height);
  if (!payload) return;
  if (!fitted) fit();
  if (viewport?.file !== payload.fileName || viewport.scale !== scale || viewport.offsetX !== offsetX || viewport.offsetY !== offsetY) {
    viewport = { file: payload.fileName, scale, offsetX, offsetY };
    remember();
  }
  ctx.setTransform(scale, 0, 0, scale, offsetX, offsetY);
  ctx.imageSmoothingEnabled = scale < 1;
  // Zoomed in on a downsampled image: the part in view at full resolution over the display copy.
  const part = detail.part;
  const W = payload.width;
  const H = payload.height;
  /** A coarse layer, and where the detail is, its full-resolution counterpart instead. */
  const layer = (coarse: CanvasImageSource, fine: HTMLCanvasElement | undefined) => {
    if (!part || !fine) return ctx.drawImage(coarse, 0, 0, W, H);
    const { x0, y0, x1, y1 } = part.box;
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, W, H);
    ctx.rect(x0, y0, x1 - x0, y1 - y0);
    ctx.clip('evenodd');
    ctx.drawImage(coarse, 0, 0, W, H);
    ctx.restore();
    ctx.drawImage(fine, x0, y0, x1 - x0, y1 - y0);
  };
  if (shown) {
    layer(shown, part?.image);
  } else {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, W, H);
  }
  const alpha = Number(opacityRange.value) / 100;
  ctx.globalAlpha = alpha;
  if (fillBox.checked && layers) layer(layers.fill, part?.fill);
  ctx.globalAlpha = 1; // outlines opaque, as in the saved overlay
  if (outlineBox.checked && layers) layer(layers.outline, part?.outline);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  const dpr = window.devicePixelRatio || 1;
  for (const label of selection) {
    const row = table.row(label);
    if (row) strokeSelection(ctx, row.box, { scale, offsetX, offsetY });
  }
  tools.drawOverlay(ctx, scale, offsetX, offsetY, dpr);
  $('zoom-value').textContent = `${Math.round(scale * 100)}%`;
  $('opacity-value').textContent = `${opacityRange.value}%`;
  // Exposed for tests and for debugging: how image pixels map to canvas pixels.
  view.dataset.scale = String(scale);
  view.dataset.offsetX = String(offsetX);
  view.dataset.offsetY = String(offsetY);
  const loaded = !!shown;
  if (shown && layers) {
    // The display copy's own resolution: image pixels per pixel of the copy (and of the layers).
    const step = Math.max(layers.step, payload.width / shown.width);
    detail.want({ scale, offsetX, offsetY, width: view.width, height: view.height }, W, H, step);
  }
  document.body.dataset.state = loaded ? 'drawn' : image && !image.complete ? 'loading' : 'drawn-no-image';
  document.body.dataset.detail = part ? `${part.box.x0},${part.box.y0},${part.box.x1},${part.box.y1}` : '';
  $('loading').classList.toggle('hidden', !image || image.complete);
}

function zoomAt(factor: number, cx: number, cy: number): void {
  const next = Math.min(64, Math.max(0.02, scale * factor));
  offsetX = cx - ((cx - offsetX) * next) / scale;
  offsetY = cy - ((cy - offsetY) * next) / scale;
  scale = next;
  atFit = false;
  draw();
}

function canvasPoint(event: MouseEvent): [number, number] {
  const rect = view.getBoundingClientRect();
  const dpr = view.width / Math.max(1, rect.width);
  return [(event.clientX - rect.left) * dpr, (event.clientY - rect.top) * dpr];
}

/** The image pixel under the pointer and its label, or undefined outside the image. */
function pixelUnder(event: MouseEvent): { x: number; y: number; id: number; filtered?: boolean } | undefined {
  if (!payload || !labels) return undefined;
  const [cx, cy] = canvasPoint(event);
  const x = Math.floor((cx - offsetX) / scale);
  const y = Math.floor((cy - offsetY) / scale);
  if (x < 0 || y < 0 || x >= payload.width || y >= payload.height) return undefined;
  const id = labels[y * payload.width + x];
  return { x, y, id: hidden.has(id) ? 0 : id, filtered: hidden.has(id) };
}

/** The label at a continuous image point (0: background or outside the image). */
function labelAt([px, py]: Point): number {
  const x = Math.floor(px);
  const y = Math.floor(py);
  if (!payload || !labels || x < 0 || y < 0 || x >= payload.width || y >= payload.height) return 0;
  return labels[y * payload.width + x];
}

/** Shows an edit (or its undo / redo): the layers inside its box, provisional rows, the totals, the selection. */
function applyChange(change: EditChange, selectAfter?: number[]): void {
  if (!payload || !labels || !session) return;
  const { rows, removed } = session.rowsOf(change);
  for (const l of removed) allRows.delete(l);
  for (const r of rows) allRows.set(r.label, r);
  if (filtering()) applyFilters();
  else {
    if (layers) updateLayers(layers, payload.width, payload.height, labels, change.box);
    detail.update(labels, payload.width, payload.height, change.box);
    table.update(rows, removed, true);
    showTotals();
  }
  setDirty(true);
  const live = session.editor;
  select(
    (selectAfter ?? selection).filter((l) => live.areaOf(l) > 0),
    false,
  );
}

function showTotals(): void {
  if (!session) return;
  if (filtering()) {
    // The nuclei kept: their count and mean area (in the unit shown).
    const kept = [...allRows.values()].filter((r) => !hidden.has(r.label));
    $('count').textContent = String(kept.length);
    $('mean-area').textContent = kept.length > 0 ? (kept.reduce((a, r) => a + r.area, 0) / kept.length).toFixed(1) : '0';
    document.body.dataset.count = String(kept.length);
    return;
  }
  $('count').textContent = String(session.count);
  $('mean-area').textContent = session.count > 0 ? (session.meanArea * session.pixelArea).toFixed(1) : '0';
  document.body.dataset.count = String(session.count);
}

/** Every nucleus's row (the table shows those the filters keep). */
const allRows = new Map<number, NucleusRow>();
/** Labels the filters leave out. */
let hidden = new Set<number>();

function filtering(): boolean {
  const f = readFilters();
  return f.min !== undefined || f.max !== undefined || f.edges;
}

/** Labels with a pixel on the image's edge. */
function edgeLabels(): Set<number> {
  const out = new Set<number>();
  if (!payload || !labels) return out;
  const { width: w, height: h } = payload;
  for (let x = 0; x < w; x++) out.add(labels[x]).add(labels[(h - 1) * w + x]);
  for (let y = 0; y < h; y++) out.add(labels[y * w]).add(labels[y * w + w - 1]);
  out.delete(0);
  return out;
}

/**
 * Applies the filters: the table, the count, the mean area and the overlay show only the nuclei
 * kept (as Analyze Particles: size range inclusive, in the unit shown, and "exclude on edges").
 */
function applyFilters(): void {
  if (!payload || !labels) return;
  const f = readFilters();
  const edges = f.edges ? edgeLabels() : new Set<number>();
  hidden = new Set<number>();
  for (const r of allRows.values()) {
    if ((f.min !== undefined && r.area < f.min) || (f.max !== undefined && r.area > f.max) || edges.has(r.label)) hidden.add(r.label);
  }
  const kept = [...allRows.values()].filter((r) => !hidden.has(r.label));
  table.show(kept, payload.unit, shownChannels());
  const visible = hidden.size ? labels.map((l) => (hidden.has(l) ? 0 : l)) : labels;
  layers = buildLayers(payload.width, payload.height, visible);
  shownLabels = visible;
  detail.relabel(visible, payload.width, payload.height);
  selection = selection.filter((l) => !hidden.has(l));
  table.select(selection);
  showTotals();
  document.body.dataset.hidden = String(hidden.size);
  draw();
}

/** The channels whose intensity columns the table shows. */
function shownChannels(): string[] {
  const names = channelNames();
  const v = measureSelect.value;
  return v === '*' ? names : names.includes(v) ? [v] : names.slice(0, 1);
}

function channelNames(): string[] {
  for (const r of allRows.values()) if (r.intensity) return r.intensity.map((s) => s.channel);
  return [];
}

/** The measurement channel picker: every channel measured, and all of them; the segmented one first chosen. */
function fillMeasureChannels(input: PlaneInput | undefined): void {
  const names = channelNames();
  $('measure-group').classList.toggle('hidden', names.length === 0);
  const segmented = input?.channel !== undefined ? input.axes.channels[input.channel] : undefined;
  const wanted = saved?.measureChannel ?? measureSelect.value;
  const options = [...names.map((n) => new Option(n, n)), ...(names.length > 1 ? [new Option('all channels', '*')] : [])];
  measureSelect.replaceChildren(...options);
  const pick = [wanted, segmented?.name ?? `ch${segmented?.index}`, names[0]].find((v) => v && (v === '*' ? names.length > 1 : names.includes(v)));
  if (pick) measureSelect.value = pick;
}

/** The channel and plane pickers and the "channel 2 of 3: DAPI · plane 4 of 12" line. */
function showInput(input: PlaneInput | undefined): void {
  const status = $('axes-status');
  const text = input ? [describeChannel(input), describePlane(input)].filter(Boolean).join(' \u00b7 ') : '';
  status.textContent = text;
  status.classList.toggle('hidden', !text);
  const pick = $('channel') as HTMLSelectElement;
  const planes = $('plane') as HTMLSelectElement;
  const axes = input?.axes;
  const n = axes?.channels.length ?? 1;
  $('channel-group').classList.toggle('hidden', !axes || n <= 1);
  if (axes && n > 1) {
    const options = axes.channels.map(
      (c) => new Option(`${c.index + 1} of ${n}${c.name ? `: ${c.name}` : ''}`, String(c.index), false, c.index === input!.channel),
    );
    if (axes.rgb) options.unshift(new Option('RGB as it is', '', false, input!.channel === undefined));
    pick.replaceChildren(...options);
  }
  $('plane-group').classList.toggle('hidden', !axes || axes.planes <= 1);
  if (axes && axes.planes > 1) {
    const z = input!.z ?? 0;
    planes.replaceChildren(
      ...Array.from({ length: axes.planes }, (_, k) => new Option(`plane ${k + 1} of ${axes.planes}`, String(k), false, z === k)),
      new Option('max projection', 'max', false, z === 'max'),
      new Option('mean projection', 'mean', false, z === 'mean'),
    );
  }
}

function showUnit(unit: 'px' | 'um'): void {
  $('area-unit').textContent = unit === 'um' ? 'µm²' : 'px';
  document.querySelector('.filter-unit')!.textContent = unit === 'um' ? 'µm²' : 'px';
}

function setDirty(dirty: boolean): void {
  $('dirty').classList.toggle('hidden', !dirty);
  document.body.dataset.dirty = String(dirty);
}

const tools = new EditTools(
  {
    imagePoint: (event) => {
      if (!payload || !labels) return undefined;
      const [cx, cy] = canvasPoint(event);
      return [(cx - offsetX) / scale, (cy - offsetY) / scale];
    },
    labelAt,
    nextLabel: () => session?.editor.nextLabel() ?? 1,
    selection: () => selection,
    select: (l) => select(l, false),
    edit: (op: EditOp, selectAfter?: number[]) => {
      const change = session?.apply(op);
      if (change) applyChange(change, selectAfter);
      return !!change;
    },
    undo: () => {
      const change = session?.undo();
      if (change) applyChange(change);
    },
    redo: () => {
      const change = session?.redo();
      if (change) applyChange(change);
    },
    canUndo: () => !!session?.editor.canUndo,
    canRedo: () => !!session?.editor.canRedo,
    saveCorrections: () => {
      if (session) post({ type: 'saveCorrections' });
    },
    redraw: () => draw(),
    changed: () => remember(),
  },
  saved?.edit,
);
// For tests and debugging: the label image as edited so far.
(window as unknown as { __nucleiLabels: () => Int32Array | undefined }).__nucleiLabels = () => labels;

function showHover(event: MouseEvent): void {
  const hover = $('hover');
  const at = pixelUnder(event);
  table.hover(at?.id);
  if (!at || !payload) {
    hover.textContent = '\u00a0';
    return;
  }
  const row = at.id > 0 ? table.row(at.id) : undefined;
  const where = payload.unit === 'um' && row ? ` (x ${at.x}, y ${at.y} px)` : ` (x ${at.x}, y ${at.y})`;
  hover.textContent =
    at.id > 0
      ? `Nucleus #${at.id}: ${row ? +row.area.toFixed(2) : '?'} ${payload.unit === 'um' ? 'µm²' : 'px'}${where}`
      : at.filtered
        ? `Filtered out (x ${at.x}, y ${at.y})`
        : `Background (x ${at.x}, y ${at.y})`;
  hover.dataset.id = String(at.id);
}

/** While the rows are measured (the image is shown first) the table says so. */
function showMeasuring(on: boolean): void {
  $('measuring').classList.toggle('hidden', !on);
  document.body.dataset.rows = on ? 'measuring' : 'shown';
}

/** The host's rows, measured after the image was sent: the table, the channel picker and the totals fill in. */
function receiveRows(rows: NucleusRow[]): void {
  if (!payload || !session) return;
  allRows.clear();
  for (const r of session.measured(rows)) allRows.set(r.label, r);
  payload = { ...payload, measuring: false };
  fillMeasureChannels(payload.input);
  showMeasuring(false);
  if (filtering()) applyFilters();
  else {
    table.show([...allRows.values()], payload.unit, shownChannels());
    table.select(selection);
    showTotals();
  }
  showSelection();
}

/** The image alone (the TIFF viewer before segmenting): no overlay, a Segment button, a page picker. */
function showImage(p: ImagePayload): void {
  $('segment-group').classList.remove('hidden');
  ($('segment-now') as HTMLButtonElement).disabled = false;
  display({ ...p, count: 0, meanArea: 0, nuclei: [], unit: 'px' }, undefined);
  $('saves').classList.add('hidden');
  tools.enable(false);
  document.body.dataset.mode = 'image';
}

function show(p: SegmentationPayload): void {
  const lab = unpackLabels(p.labels);
  if (lab.length !== p.width * p.height) {
    showError(`Label image has ${lab.length} pixels, expected ${p.width}x${p.height}.`);
    return;
  }
  ($('segment-now') as HTMLButtonElement).disabled = false;
  $('saves').classList.remove('hidden');
  display(p, lab);
  document.body.dataset.mode = 'segmented';
  tools.enable(true);
}

function display(p: Omit<SegmentationPayload, 'labels'>, lab: Int32Array | undefined): void {
  // The same image again (segmented after it was shown): keep the zoom and pan.
  const sameImage = sameImageSource(payload?.imageSrc, p.imageSrc) && !!shown;
  payload = p;
  labels = lab;
  session = lab
    ? new EditSession(lab, p.width, p.height, { probability: p.probability, nextLabel: p.nextLabel, send: post, unit: p.unit, rows: p.nuclei })
    : undefined;
  setDirty(!!lab && !!p.dirty);
  allRows.clear();
  for (const r of p.nuclei) allRows.set(r.label, r);
  hidden = new Set<number>();
  showInput(p.input);
  showUnit(p.unit);
  fillMeasureChannels(p.input);
  layers = lab && buildLayers(p.width, p.height, lab);
  shownLabels = lab;
  detail.reset();
  if (layers) document.body.dataset.displayStep = String(layers.step);
  table.show(p.nuclei, p.unit, shownChannels());
  selection = [];
  view.dataset.selected = '0';
  $('selected').textContent = lab ? 'Click a nucleus or a row to select it.' : 'Not segmented yet.';
  $('count').textContent = lab ? String(p.count) : '\u2013';
  // meanArea is in pixels; shown in the unit of the table.
  $('mean-area').textContent = !lab
    ? '\u2013'
    : p.count === 0
      ? '0'
      : p.measuring
        ? p.unit === 'px'
          ? p.meanArea.toFixed(1)
          : '\u2026'
        : (p.nuclei.reduce((a, r) => a + r.area, 0) / Math.max(1, p.nuclei.length)).toFixed(1);
  showMeasuring(!!lab && !!p.measuring);
  document.body.dataset.count = lab ? String(p.count) : '';
  if (lab && filtering()) applyFilters();
  $('file-name').textContent = p.fileName;
  document.title = `Nuclei: ${p.fileName}`;
  if (sameImage) {
    draw();
    return;
  }
  // A rebuilt page (after a tab switch) goes back to where the user was on this image.
  if (viewport?.file === p.fileName) {
    ({ scale, offsetX, offsetY } = viewport);
    fitted = true;
  } else fitted = false;
  pixels = shown = undefined;
  image = undefined;
  const src = p.imageSrc;
  if (typeof src !== 'string') {
    usePixels(pixelsOf(src));
    applyContrast();
  } else {
    const img = new Image();
    image = img;
    img.onload = () => {
      if (image !== img) return; // another image came meanwhile
      readPixels(img);
      applyContrast();
      draw();
    };
    img.onerror = () => {
      if (image !== img) return;
      showError(`Could not display ${p.fileName}; showing the overlay only.`);
      draw();
    };
    img.src = src;
  }
  draw();
}

// Controls.
for (const el of [fillBox, outlineBox])
  el.addEventListener('change', () => {
    remember();
    draw();
  });
opacityRange.addEventListener('input', () => {
  remember();
  draw();
});
$('zoom-in').addEventListener('click', () => zoomAt(1.25, view.width / 2, view.height / 2));
$('zoom-out').addEventListener('click', () => zoomAt(0.8, view.width / 2, view.height / 2));
$('zoom-fit').addEventListener('click', () => {
  fit();
  draw();
});
view.addEventListener(
  'wheel',
  (event) => {
    event.preventDefault();
    const [cx, cy] = canvasPoint(event);
    zoomAt(event.deltaY < 0 ? 1.15 : 1 / 1.15, cx, cy);
  },
  { passive: false },
);

const capture = (event: PointerEvent) => {
  try {
    view.setPointerCapture?.(event.pointerId);
  } catch {
    // A synthetic event (tests, benchmarks) has no pointer to capture.
  }
};
let drag: { x: number; y: number; ox: number; oy: number; moved: boolean } | undefined;
view.addEventListener('pointerdown', (event) => {
  // In Edit mode a drawing tool draws; the middle button, Space + drag and the Select tool pan.
  if (tools.pointerDown(event)) return capture(event);
  const [cx, cy] = canvasPoint(event);
  drag = { x: cx, y: cy, ox: offsetX, oy: offsetY, moved: false };
  stage.classList.add('dragging');
  capture(event);
});
view.addEventListener('pointermove', (event) => {
  if (tools.pointerMove(event, scale)) {
    // The stroke's preview is drawn.
  } else if (drag) {
    const [cx, cy] = canvasPoint(event);
    if (Math.abs(cx - drag.x) + Math.abs(cy - drag.y) > 3) drag.moved = true;
    offsetX = drag.ox + cx - drag.x;
    offsetY = drag.oy + cy - drag.y;
    atFit = false;
    draw();
  } else if (tools.followsPointer) draw();
  showHover(event);
});
const endDrag = () => {
  drag = undefined;
  stage.classList.remove('dragging');
};
view.addEventListener('pointerup', (event) => {
  if (tools.pointerUp()) return endDrag();
  // A click (no drag) selects the nucleus under the pointer (Shift / Ctrl: adds or removes it), or clears the selection on background.
  if (drag && !drag.moved) {
    const id = pixelUnder(event)?.id;
    if (additive(event)) toggle(id);
    else select(id ? [id] : [], false);
  }
  endDrag();
});
view.addEventListener('pointercancel', () => {
  tools.cancel();
  endDrag();
});
view.addEventListener('pointerleave', () => {
  $('hover').textContent = '\u00a0';
  table.hover(undefined);
  tools.leave();
});
// The middle button pans: no autoscroll.
view.addEventListener('mousedown', (event) => {
  if (event.button === 1) event.preventDefault();
});
autoBox.addEventListener('change', () => {
  // Auto off: the image as it is (full range), until the sliders say otherwise.
  if (!autoBox.checked) {
    lowRange.value = '0';
    highRange.value = '255';
  }
  applyContrast();
  remember();
  draw();
});
for (const r of [lowRange, highRange]) {
  r.addEventListener('input', () => {
    autoBox.checked = false;
    applyContrast();
    remember();
    draw();
  });
}
tableBox.addEventListener('change', () => {
  $('side').classList.toggle('hidden', !tableBox.checked);
  remember();
  draw();
});
// The panel resized, or the table shown or hidden: the fit view fits again; other views keep their place.
new ResizeObserver(() => {
  if (atFit) fit();
  draw();
}).observe(stage);

const saveButtons: Array<[string, SaveKind, boolean]> = [
  ['save-mask', 'mask', false],
  ['save-labels', 'labels', false],
  ['save-overlay', 'overlay', false],
  ['save-csv', 'csv', false],
  ['save-measurements', 'measurements', false],
  ['save-rois', 'rois', false],
  ['save-geojson', 'geojson', false],
  ['save-all', 'all', false],
  ['save-pick', 'all', true],
];
// Save all, or one output from the split button's menu (closed by a choice, Escape or a click elsewhere).
const saveMore = $('save-more');
const saveMenu = $('save-menu');
function openSaveMenu(open: boolean): void {
  saveMenu.classList.toggle('hidden', !open);
  saveMore.setAttribute('aria-expanded', String(open));
  if (open) ($('save-mask') as HTMLButtonElement).focus();
}
saveMore.addEventListener('click', () => openSaveMenu(saveMenu.classList.contains('hidden')));
saveMenu.addEventListener('keydown', (event) => {
  const items = Array.from(saveMenu.querySelectorAll('button'));
  const at = items.indexOf(document.activeElement as HTMLButtonElement);
  if (event.key === 'Escape') {
    openSaveMenu(false);
    saveMore.focus();
  } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    items[(at + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length].focus();
  }
});
document.addEventListener('pointerdown', (event) => {
  if (!$('save-group').contains(event.target as Node)) openSaveMenu(false);
});
for (const [id, what, pickLocation] of saveButtons) {
  // The saved overlay is what the viewer shows (fill, outline, opacity; on the image's own contrast).
  $(id).addEventListener('click', () => {
    openSaveMenu(false);
    post({
      type: 'save',
      what,
      pickLocation,
      overlay: { fill: fillBox.checked, outline: outlineBox.checked, alpha: Number(opacityRange.value) / 100 },
      ...(filtering() ? { filters: { ...readFilters(), unit: payload?.unit ?? 'px' } } : {}),
    });
  });
}

/** The viewer's commands (palette and key bindings, sent by the extension). */
function act(action: ViewerAction): void {
  const centre = [view.width / 2, view.height / 2] as const;
  if (action === 'toggleFill' || action === 'toggleOutline' || action === 'toggleTable') {
    const box = { toggleFill: fillBox, toggleOutline: outlineBox, toggleTable: tableBox }[action];
    box.checked = !box.checked;
    box.dispatchEvent(new Event('change'));
  } else if (action === 'zoomIn') zoomAt(1.25, ...centre);
  else if (action === 'zoomOut') zoomAt(0.8, ...centre);
  else {
    fit();
    draw();
  }
}

$('segment-now').addEventListener('click', () => {
  ($('segment-now') as HTMLButtonElement).disabled = true;
  post({ type: 'segment' });
});
$('channel').addEventListener('change', () => {
  const v = ($('channel') as HTMLSelectElement).value;
  post(v === '' ? { type: 'channel' } : { type: 'channel', channel: Number(v) });
});
$('plane').addEventListener('change', () => {
  const v = ($('plane') as HTMLSelectElement).value;
  post({ type: 'plane', z: v === 'max' || v === 'mean' ? v : Number(v) });
});
for (const el of [minArea, maxArea]) el.addEventListener('input', () => (applyFilters(), remember()));
edgesBox.addEventListener('change', () => (applyFilters(), remember()));
measureSelect.addEventListener('change', () => {
  table.showChannels(shownChannels());
  remember();
});

onMessage((message) => {
  switch (message.type) {
    case 'image':
      showImage(message.payload);
      break;
    case 'viewer':
      act(message.action);
      break;
    case 'segmentation':
      show(message.payload);
      break;
    case 'rows':
      receiveRows(message.nuclei);
      break;
    case 'saved':
      $('saved').textContent = `Saved ${message.files.length} file(s): ${message.files.map((f) => f.split(/[\\/]/).pop()).join(', ')}`;
      break;
    case 'editRows': {
      // The host's measured rows replace the provisional ones (unless the label was edited again since).
      if (!session) break;
      const { rows, removed } = session.accept(message.rows, message.removed);
      for (const l of removed) allRows.delete(l);
      for (const r of rows) allRows.set(r.label, r);
      if (filtering()) applyFilters();
      else table.update(rows, removed, false);
      if (rows.some((r) => selection.includes(r.label))) showSelection();
      break;
    }
    case 'editState':
      setDirty(message.dirty);
      if (message.savedTo) $('saved').textContent = `Saved corrections: ${message.savedTo.split(/[\\/]/).pop()}`;
      break;
    case 'region':
      if (payload && shownLabels) {
        const [low, high] = (document.body.dataset.levels ?? '0,255').split(',').map(Number) as [number, number];
        detail.receive(message, shownLabels, payload.width, payload.height, [low, high], () => draw());
      }
      break;
    case 'error':
      ($('segment-now') as HTMLButtonElement).disabled = false;
      showError(message.message);
      break;
    default:
      break;
  }
});

post({ type: 'ready' });
