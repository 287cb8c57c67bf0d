// The slide viewer page: a whole slide's result shown by the tiles in view, as QuPath, napari and
// OpenSeadragon show slides. The zoom picks a level (level k: the slide shrunk by 2^k, at most one
// level pixel per screen pixel); the page asks the host for that level's tiles in view and, until
// they come, draws the coarser ones it has, so panning and zooming always show something and
// sharpen as tiles arrive. Each tile brings its pixels and its labels: fill and outline are drawn
// from them, hover and click read them. The table lists every nucleus of the slide (virtualised).
import type { NucleusRow, SlidePayload, SlideTileMessage, ViewerAction } from '../webview/messages';
import { $, onMessage, post, showError } from './api';
import { buildRegionLayers } from './layers';
import { describeRow, NucleiTable } from './nuclei-table';
import { centredOn, fitPlacement, sizeToStage, strokeSelection } from './view-geometry';

interface Tile {
  level: number;
  width: number;
  height: number;
  image: HTMLCanvasElement;
  fill: HTMLCanvasElement;
  outline: HTMLCanvasElement;
  labels: Uint32Array;
  used: number;
}

/** Tiles kept (each about 3 MB of canvases); the least recently drawn go first. */
const KEEP_TILES = 160;
/** Tile requests in flight at once (the nearest to the view's centre first). */
const IN_FLIGHT = 4;

const stage = $('stage');
const view = $('view') as HTMLCanvasElement;
const ctx = view.getContext('2d')!;
const fillBox = $('fill') as HTMLInputElement;
const outlineBox = $('outline') as HTMLInputElement;
const opacityRange = $('opacity') as HTMLInputElement;
const tableBox = $('show-table') as HTMLInputElement;
const segmentButton = $('segment-now') as HTMLButtonElement;

let slide: SlidePayload | undefined;
let unit: 'px' | 'um' = 'px';
let scale = 1;
let offsetX = 0;
let offsetY = 0;
let atFit = true;
let selection: number | undefined;
let frame = 0;
let stamp = 0;
const tiles = new Map<string, Tile>();
const inFlight = new Set<string>();
let queue: string[] = [];

const key = (level: number, tx: number, ty: number) => `${level}/${tx}/${ty}`;

const table = new NucleiTable(
  $('nuclei-table') as HTMLTableElement,
  (label) => select(label, true),
  () => undefined,
);

/** The level the zoom needs: the coarsest with at least one level pixel per screen pixel. */
export function levelFor(s: number, levels: number): number {
  return Math.max(0, Math.min(levels - 1, Math.floor(Math.log2(1 / s) + 1e-9)));
}

/** The tiles of `level` that the view shows, nearest to its centre first. */
function tilesInView(level: number): [number, number][] {
  if (!slide) return [];
  const side = slide.tile * 2 ** level;
  const x0 = Math.max(0, -offsetX / scale);
  const y0 = Math.max(0, -offsetY / scale);
  const x1 = Math.min(slide.width, (view.width - offsetX) / scale);
  const y1 = Math.min(slide.height, (view.height - offsetY) / scale);
  if (x1 <= x0 || y1 <= y0) return [];
  const out: [number, number][] = [];
  for (let ty = Math.floor(y0 / side); ty * side < y1; ty++) for (let tx = Math.floor(x0 / side); tx * side < x1; tx++) out.push([tx, ty]);
  const cx = (x0 + x1) / 2 / side - 0.5;
  const cy = (y0 + y1) / 2 / side - 0.5;
  return out.sort((a, b) => (a[0] - cx) ** 2 + (a[1] - cy) ** 2 - ((b[0] - cx) ** 2 + (b[1] - cy) ** 2));
}

function ask(): void {
  while (inFlight.size < IN_FLIGHT && queue.length) {
    const k = queue.shift()!;
    if (tiles.has(k) || inFlight.has(k)) continue;
    inFlight.add(k);
    const [level, tx, ty] = k.split('/').map(Number);
    post({ type: 'tile', level, tx, ty });
  }
}

function receive(t: SlideTileMessage): void {
  const k = key(t.level, t.tx, t.ty);
  inFlight.delete(k);
  if (!slide) return;
  const image = document.createElement('canvas');
  image.width = t.width;
  image.height = t.height;
  const rgba = new ImageData(t.width, t.height);
  for (let i = 0, n = t.width * t.height; i < n; i++) {
    rgba.data[4 * i] = t.image[3 * i];
    rgba.data[4 * i + 1] = t.image[3 * i + 1];
    rgba.data[4 * i + 2] = t.image[3 * i + 2];
    rgba.data[4 * i + 3] = 255;
  }
  image.getContext('2d')!.putImageData(rgba, 0, 0);
  const labels = Int32Array.from(t.labels);
  const { fill, outline } = buildRegionLayers(t.width, t.height, labels, { x0: 0, y0: 0, x1: t.width, y1: t.height });
  tiles.set(k, { level: t.level, width: t.width, height: t.height, image, fill, outline, labels: t.labels, used: ++stamp });
  if (tiles.size > KEEP_TILES) {
    const oldest = [...tiles.entries()].sort((a, b) => a[1].used - b[1].used).slice(0, tiles.size - KEEP_TILES);
    for (const [old] of oldest) tiles.delete(old);
  }
  later();
  ask();
}

function later(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    draw();
  });
}

function fit(): void {
  if (!slide) return;
  sizeToStage(view, stage);
  ({ scale, offsetX, offsetY } = fitPlacement(view, slide.width, slide.height));
  atFit = true;
}

function draw(): void {
  sizeToStage(view, stage);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, view.width, view.height);
  if (!slide) return;
  const level = levelFor(scale, slide.levels);
  // Coarse to fine: what a level lacks, the one above it shows.
  const missing: string[] = [];
  ctx.setTransform(scale, 0, 0, scale, offsetX, offsetY);
  ctx.imageSmoothingEnabled = scale < 1;
  const alpha = Number(opacityRange.value) / 100;
  for (let l = slide.levels - 1; l >= level; l--) {
    const side = slide.tile * 2 ** l;
    for (const [tx, ty] of tilesInView(l)) {
      const k = key(l, tx, ty);
      const t = tiles.get(k);
      if (!t) {
        if (l === level || l === slide.levels - 1) missing.push(k);
        continue;
      }
      t.used = ++stamp;
      const [x, y, w, h] = [tx * side, ty * side, t.width * 2 ** l, t.height * 2 ** l];
      ctx.globalAlpha = 1;
      ctx.drawImage(t.image, x, y, w, h);
      if (fillBox.checked) {
        ctx.globalAlpha = alpha;
        ctx.drawImage(t.fill, x, y, w, h);
      }
      ctx.globalAlpha = 1; // outlines opaque, as in the saved overlay
      if (outlineBox.checked) ctx.drawImage(t.outline, x, y, w, h);
    }
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  const row = selection !== undefined ? table.row(selection) : undefined;
  if (row) strokeSelection(ctx, row.box, { scale, offsetX, offsetY });
  // The top tile first (the whole slide at once), then the view's own, nearest the centre first.
  queue = missing.sort((a, b) => Number(b.split('/')[0]) - Number(a.split('/')[0]));
  ask();
  $('zoom-value').textContent = `${+(scale * 100).toPrecision(3)}%`;
  $('opacity-value').textContent = `${opacityRange.value}%`;
  $('level').textContent = level === 0 ? 'full resolution' : `1:${2 ** level}`;
  view.dataset.scale = String(scale);
  view.dataset.offsetX = String(offsetX);
  view.dataset.offsetY = String(offsetY);
  document.body.dataset.level = String(level);
  const complete = !missing.some((k) => k.startsWith(`${level}/`));
  document.body.dataset.state = complete ? 'drawn' : 'loading';
  $('loading').classList.toggle('hidden', complete);
}

/** The label at slide pixel (x, y) in the finest tile the page has there (0: background or nothing yet). */
function labelAt(x: number, y: number): number {
  if (!slide || x < 0 || y < 0 || x >= slide.width || y >= slide.height) return 0;
  for (let l = levelFor(scale, slide.levels); l < slide.levels; l++) {
    const lx = Math.floor(x / 2 ** l);
    const ly = Math.floor(y / 2 ** l);
    const t = tiles.get(key(l, Math.floor(lx / slide.tile), Math.floor(ly / slide.tile)));
    if (t) return t.labels[(ly % slide.tile) * t.width + (lx % slide.tile)];
  }
  return 0;
}

function slidePoint(event: MouseEvent): [number, number] {
  const rect = view.getBoundingClientRect();
  const dpr = view.width / Math.max(1, rect.width);
  return [((event.clientX - rect.left) * dpr - offsetX) / scale, ((event.clientY - rect.top) * dpr - offsetY) / scale];
}

function select(label: number | undefined, centre: boolean): void {
  selection = label && table.row(label) ? label : undefined;
  table.select(selection === undefined ? [] : [selection]);
  const row = selection === undefined ? undefined : table.row(selection);
  $('selected').textContent = row ? describeRow(row, unit) : 'Click a nucleus or a row to select it.';
  if (row && centre) {
    ({ scale, offsetX, offsetY } = centredOn(view, scale, row.box, row.centroidX, row.centroidY));
    atFit = false;
  }
  view.dataset.selected = String(selection ?? 0);
  draw();
}

function zoomAt(factor: number, cx: number, cy: number): void {
  if (!slide) return;
  const smallest = Math.min(view.width / slide.width, view.height / slide.height) / 2;
  const next = Math.min(64, Math.max(smallest, scale * factor));
  offsetX = cx - ((cx - offsetX) * next) / scale;
  offsetY = cy - ((cy - offsetY) * next) / scale;
  scale = next;
  atFit = false;
  draw();
}

function act(action: ViewerAction): void {
  if (action === 'toggleFill') fillBox.checked = !fillBox.checked;
  else if (action === 'toggleOutline') outlineBox.checked = !outlineBox.checked;
  else if (action === 'toggleTable') {
    tableBox.checked = !tableBox.checked;
    $('side').classList.toggle('hidden', !tableBox.checked);
  } else if (action === 'fit') fit();
  else zoomAt(action === 'zoomIn' ? 1.25 : 0.8, view.width / 2, view.height / 2);
  draw();
}

onMessage((message) => {
  if (message.type === 'slide') {
    slide = message.payload;
    unit = slide.unit;
    tiles.clear();
    inFlight.clear();
    $('file-name').textContent = slide.fileName;
    $('count').textContent = slide.segmented ? slide.count.toLocaleString('en-US') : 'not segmented yet';
    segmentButton.classList.toggle('hidden', slide.segmented);
    segmentButton.disabled = false;
    segmentButton.textContent = 'Segment nuclei';
    if (!slide.segmented) table.show([], unit);
    $('size').textContent = `${slide.width.toLocaleString('en-US')} x ${slide.height.toLocaleString('en-US')} px`;
    const notes = [slide.imageProblem, slide.uncertain ? `${slide.uncertain} nuclei in clusters wider than the blocks' halo` : ''].filter(Boolean);
    $('note').textContent = notes.join('; ');
    $('note').classList.toggle('hidden', notes.length === 0);
    fit();
    draw();
  } else if (message.type === 'tile') receive(message);
  else if (message.type === 'slideRows') {
    unit = message.unit;
    const rows: NucleusRow[] = message.nuclei;
    table.show(rows, unit, rows[0]?.intensity?.map((c) => c.channel) ?? []);
    document.body.dataset.rows = String(rows.length);
    // A very large slide: the table holds the first rows; the CSV every nucleus (the page says so).
    const cut =
      message.total > rows.length
        ? `The table lists the first ${rows.length.toLocaleString('en-US')} of ${message.total.toLocaleString('en-US')} nuclei (by label); the measurements CSV holds every one.`
        : '';
    if (cut) {
      $('note').textContent = [$('note').textContent, cut].filter(Boolean).join(' ');
      $('note').classList.remove('hidden');
    }
  } else if (message.type === 'viewer') act(message.action);
  else if (message.type === 'error') {
    showError(message.message);
    segmentButton.disabled = false;
    segmentButton.textContent = 'Segment nuclei';
  }
});

view.addEventListener(
  'wheel',
  (event) => {
    event.preventDefault();
    const rect = view.getBoundingClientRect();
    const dpr = view.width / Math.max(1, rect.width);
    zoomAt(Math.exp(-event.deltaY / 400), (event.clientX - rect.left) * dpr, (event.clientY - rect.top) * dpr);
  },
  { passive: false },
);

let drag: { x: number; y: number; moved: boolean } | undefined;
view.addEventListener('pointerdown', (event) => {
  drag = { x: event.clientX, y: event.clientY, moved: false };
  view.setPointerCapture(event.pointerId);
});
view.addEventListener('pointermove', (event) => {
  if (drag) {
    const dpr = window.devicePixelRatio || 1;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    if (drag.moved) {
      offsetX += dx * dpr;
      offsetY += dy * dpr;
      drag.x = event.clientX;
      drag.y = event.clientY;
      atFit = false;
      stage.classList.add('dragging');
      later();
    }
    return;
  }
  const [x, y] = slidePoint(event);
  const id = labelAt(Math.floor(x), Math.floor(y));
  table.hover(id || undefined);
  $('hover').textContent =
    slide && x >= 0 && y >= 0 && x < slide.width && y < slide.height ? `x ${Math.floor(x)}, y ${Math.floor(y)}${id ? ` · nucleus #${id}` : ''}` : '\u00a0';
});
view.addEventListener('pointerup', (event) => {
  stage.classList.remove('dragging');
  const moved = drag?.moved;
  drag = undefined;
  if (moved) return;
  const [x, y] = slidePoint(event);
  select(labelAt(Math.floor(x), Math.floor(y)) || undefined, false);
});

segmentButton.addEventListener('click', () => {
  segmentButton.disabled = true;
  segmentButton.textContent = 'Segmenting\u2026';
  $('error').classList.add('hidden');
  post({ type: 'segment' });
});
$('zoom-in').addEventListener('click', () => act('zoomIn'));
$('zoom-out').addEventListener('click', () => act('zoomOut'));
$('zoom-fit').addEventListener('click', () => act('fit'));
for (const el of [fillBox, outlineBox, opacityRange]) el.addEventListener('input', () => draw());
tableBox.addEventListener('change', () => {
  $('side').classList.toggle('hidden', !tableBox.checked);
});
new ResizeObserver(() => {
  if (atFit) fit();
  draw();
}).observe(stage);

post({ type: 'ready' });
