// The viewer's Edit mode: the tool bar (buttons and keys, as in napari's label layer and the Cellpose
// GUI), strokes collected in image coordinates at any zoom and turned into EditOps on release, and
// their preview drawn over the view while the pointer moves. The viewer applies the ops.
import type { EditOp, Point } from '@nuclei/segmentation/label-edit';
import { labelColour } from '@nuclei/segmentation/label-colours';
import { $ } from './api';

export type Tool = 'select' | 'split' | 'draw' | 'brush' | 'erase';
const TOOLS: readonly Tool[] = ['select', 'split', 'draw', 'brush', 'erase'];
const TOOL_KEYS: Record<string, Tool> = { v: 'select', s: 'split', d: 'draw', b: 'brush', x: 'erase' };
/** Brush diameters in image pixels (`[` and `]` step through them). */
const BRUSH_SIZES = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200];

export interface EditToolsState {
  on: boolean;
  tool: Tool;
  brush: number;
  onlyBackground: boolean;
}

/** What the tools need from the viewer. */
export interface EditHost {
  /** The image point under the pointer, continuous (pixel x covers [x, x + 1)); undefined before a segmentation. */
  imagePoint(event: MouseEvent): Point | undefined;
  /** The label at an image point (0: background or outside). */
  labelAt(p: Point): number;
  /** The id a new nucleus gets. */
  nextLabel(): number;
  selection(): readonly number[];
  select(labels: number[]): void;
  /** Applies an op (here and, posted, in the host), then selects `selectAfter` (default: what is left of the selection); false when it changed nothing. */
  edit(op: EditOp, selectAfter?: number[]): boolean;
  undo(): void;
  redo(): void;
  canUndo(): boolean;
  canRedo(): boolean;
  saveCorrections(): void;
  /** Redraws the view (which calls drawOverlay). */
  redraw(): void;
  /** The tools' state changed (kept with the view state). */
  changed(): void;
}

interface Stroke {
  tool: Exclude<Tool, 'select'>;
  points: Point[];
  /** The label a brush stroke paints. */
  label: number;
}

const round = (v: number) => Math.round(v * 100) / 100;

export class EditTools {
  on = false;
  tool: Tool = 'select';
  brush = 6;
  private stroke: Stroke | undefined;
  /** Split seeds (Alt+click) and the nucleus they are in. */
  private seeds: Point[] = [];
  private seedLabel = 0;
  /** The pointer, for the brush outline. */
  private pointer: Point | undefined;
  private space = false;
  private readonly onlyBackgroundBox = $('only-background') as HTMLInputElement;

  constructor(
    private readonly host: EditHost,
    saved?: Partial<EditToolsState>,
  ) {
    if (saved?.tool && TOOLS.includes(saved.tool)) this.tool = saved.tool;
    if (saved?.brush && BRUSH_SIZES.includes(saved.brush)) this.brush = saved.brush;
    if (saved?.onlyBackground !== undefined) this.onlyBackgroundBox.checked = saved.onlyBackground;
    this.on = saved?.on ?? false;
    $('edit-toggle').addEventListener('click', () => this.setOn(!this.on));
    for (const t of TOOLS) $(`tool-${t}`).addEventListener('click', () => this.setTool(t));
    $('edit-delete').addEventListener('click', () => this.deleteSelected());
    $('edit-merge').addEventListener('click', () => this.mergeSelected());
    $('brush-smaller').addEventListener('click', () => this.resize(-1));
    $('brush-larger').addEventListener('click', () => this.resize(1));
    $('edit-undo').addEventListener('click', () => this.host.undo());
    $('edit-redo').addEventListener('click', () => this.host.redo());
    $('save-corrections').addEventListener('click', () => this.host.saveCorrections());
    this.onlyBackgroundBox.addEventListener('change', () => this.host.changed());
    window.addEventListener('keydown', (e) => this.keydown(e));
    window.addEventListener('keyup', (e) => {
      if (e.key === ' ') this.space = false;
    });
    window.addEventListener('blur', () => (this.space = false));
  }

  get state(): EditToolsState {
    return { on: this.on, tool: this.tool, brush: this.brush, onlyBackground: this.onlyBackgroundBox.checked };
  }

  /** Edit mode can be entered (a segmentation is shown) or not (the image alone). */
  enable(available: boolean): void {
    $('edit-group').classList.toggle('hidden', !available);
    if (!available) this.show(false);
    else this.show(this.on);
  }

  setOn(on: boolean): void {
    this.on = on;
    this.show(on);
    this.host.changed();
  }

  private show(on: boolean): void {
    this.cancel();
    $('edit-bar').classList.toggle('hidden', !on);
    $('edit-toggle').setAttribute('aria-pressed', String(on));
    $('edit-toggle').classList.toggle('secondary', !on);
    document.body.dataset.mode = on ? 'edit' : document.body.dataset.mode === 'image' ? 'image' : 'segmented';
    this.refresh();
  }

  setTool(tool: Tool): void {
    this.cancel();
    this.tool = tool;
    this.refresh();
    this.host.changed();
  }

  private resize(step: number): void {
    const i = BRUSH_SIZES.indexOf(this.brush);
    this.brush = BRUSH_SIZES[Math.min(BRUSH_SIZES.length - 1, Math.max(0, (i < 0 ? 5 : i) + step))];
    this.refresh();
    this.host.changed();
    this.host.redraw();
  }

  /** Brings the tool bar up to date: pressed tool, brush size, what Delete / Merge / Undo / Redo can do. */
  refresh(): void {
    for (const t of TOOLS) {
      const b = $(`tool-${t}`);
      b.setAttribute('aria-pressed', String(t === this.tool));
      b.classList.toggle('secondary', t !== this.tool);
    }
    $('brush-size').textContent = `Brush ${this.brush} px`;
    const n = this.host.selection().length;
    ($('edit-delete') as HTMLButtonElement).disabled = n === 0;
    ($('edit-merge') as HTMLButtonElement).disabled = n < 2;
    ($('edit-undo') as HTMLButtonElement).disabled = !this.host.canUndo();
    ($('edit-redo') as HTMLButtonElement).disabled = !this.host.canRedo();
    document.body.dataset.tool = this.on ? this.tool : '';
  }

  private hint(text: string): void {
    $('edit-hint').textContent = text;
  }

  /** Drops the stroke in progress and the split seeds. */
  cancel(): void {
    const had = this.stroke || this.seeds.length;
    this.stroke = undefined;
    this.seeds = [];
    this.seedLabel = 0;
    if (had) this.host.redraw();
  }

  private edit(op: EditOp, selectAfter?: number[]): boolean {
    const done = this.host.edit(op, selectAfter);
    if (done) this.hint('');
    return done;
  }

  private deleteSelected(): void {
    const labels = [...this.host.selection()];
    if (!labels.length) return this.hint('Select the nuclei to delete first.');
    this.edit({ kind: 'delete', labels }, []);
  }

  private mergeSelected(): void {
    const labels = [...this.host.selection()];
    if (labels.length < 2) return this.hint('Select two or more nuclei to merge (Shift+click adds to the selection).');
    this.edit({ kind: 'merge', labels }, [Math.min(...labels)]);
  }

  /** A pointer press: starts a stroke (or places a split seed) and returns true, or leaves it to panning and selecting. */
  pointerDown(event: PointerEvent): boolean {
    if (!this.on || this.tool === 'select' || event.button !== 0 || this.space) return false;
    const p = this.host.imagePoint(event);
    if (!p) return false;
    if (this.tool === 'split' && event.altKey) {
      this.addSeed(p);
      return true;
    }
    const sel = this.host.selection();
    const label = this.tool === 'brush' && sel.length ? sel[sel.length - 1] : this.host.nextLabel();
    this.stroke = { tool: this.tool, points: [[round(p[0]), round(p[1])]], label };
    this.host.redraw();
    return true;
  }

  /** The brush outline follows the pointer (the view should be redrawn as it moves). */
  get followsPointer(): boolean {
    return this.on && (this.tool === 'brush' || this.tool === 'erase');
  }

  /** Extends the stroke in progress and redraws (true); false when there is none. */
  pointerMove(event: PointerEvent, scale: number): boolean {
    const p = this.host.imagePoint(event);
    this.pointer = this.followsPointer ? p : undefined;
    if (!this.stroke) return false;
    if (!p) return true;
    const pts = this.stroke.points;
    const q: Point = [round(p[0]), round(p[1])];
    const last = pts[pts.length - 1];
    // About one screen pixel apart: enough for the outline, few points for the message.
    if (Math.hypot(q[0] - last[0], q[1] - last[1]) >= Math.max(0.25, 1 / scale)) {
      if (this.stroke.tool === 'split' && pts.length > 1) pts[1] = q;
      else pts.push(q);
    }
    this.host.redraw();
    return true;
  }

  /** The pointer left the view: no brush outline. */
  leave(): void {
    if (!this.pointer) return;
    this.pointer = undefined;
    this.host.redraw();
  }

  /** Ends the stroke in progress and applies it (true), or false when there was none. */
  pointerUp(): boolean {
    const s = this.stroke;
    if (!s) return false;
    this.stroke = undefined;
    const onlyBackground = this.onlyBackgroundBox.checked;
    const radius = this.brush / 2;
    let done = false;
    if (s.tool === 'brush') {
      // The painted nucleus stays selected, so the next stroke goes on painting it.
      done = this.edit({ kind: 'paint', label: s.label, points: s.points, radius, onlyBackground }, [s.label]);
      if (!done) this.hint(onlyBackground ? 'Nothing painted: Paint only on background is on.' : 'Nothing painted.');
    } else if (s.tool === 'erase') {
      done = this.edit({ kind: 'erase', points: s.points, radius });
    } else if (s.tool === 'draw') {
      if (s.points.length < 3) this.hint('Draw an outline round the new nucleus (hold the button down).');
      else done = this.edit({ kind: 'fill', polygon: s.points, label: s.label, onlyBackground }, [s.label]);
    } else done = this.splitByLine(s.points);
    // An applied edit has redrawn the view; otherwise the preview must go.
    if (!done) this.host.redraw();
    return true;
  }

  /** Splits the nucleus the line crosses most (the selected one when it crosses it). */
  private splitByLine(points: Point[]): boolean {
    if (points.length < 2) {
      this.hint('Drag a line across the nucleus to split it.');
      return false;
    }
    const [a, b] = [points[0], points[points.length - 1]];
    const crossed = new Map<number, number>();
    const n = Math.max(2, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) * 4));
    for (let i = 0; i <= n; i++) {
      const l = this.host.labelAt([a[0] + ((b[0] - a[0]) * i) / n, a[1] + ((b[1] - a[1]) * i) / n]);
      if (l) crossed.set(l, (crossed.get(l) ?? 0) + 1);
    }
    const sel = this.host.selection().filter((l) => crossed.has(l));
    const label = sel.length ? sel[sel.length - 1] : [...crossed].sort((x, y) => y[1] - x[1] || x[0] - y[0])[0]?.[0];
    if (!label) {
      this.hint('The line crosses no nucleus.');
      return false;
    }
    const done = this.edit({ kind: 'split', label, line: [a, b] }, []);
    if (!done) this.hint('Not split: draw the line right across the nucleus.');
    return done;
  }

  private addSeed(p: Point): void {
    const label = this.host.labelAt(p);
    if (!label) return this.hint('Alt+click seeds inside one nucleus, then press Enter.');
    if (label !== this.seedLabel) this.seeds = [];
    this.seedLabel = label;
    this.seeds.push([round(p[0]), round(p[1])]);
    this.hint(`${this.seeds.length} seed(s) in nucleus #${label}${this.seeds.length > 1 ? ': Enter splits' : ''}.`);
    this.host.redraw();
  }

  private splitBySeeds(): void {
    if (this.seeds.length < 2) return this.hint('Alt+click two or more seeds in one nucleus first.');
    const op: EditOp = { kind: 'split', label: this.seedLabel, seeds: this.seeds };
    this.seeds = [];
    if (!this.edit(op, [])) {
      this.hint('Not split: the seeds gave one piece.');
      this.host.redraw();
    }
  }

  private keydown(e: KeyboardEvent): void {
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && !['checkbox', 'range'].includes((t as HTMLInputElement).type))))
      return;
    if ($('edit-group').classList.contains('hidden')) return;
    const key = e.key.toLowerCase();
    const mod = e.ctrlKey || e.metaKey;
    // VS Code's webview frame calls preventDefault on undo, redo and save keys before we see them: act on them anyway.
    if (mod && !e.altKey) {
      if (key === 'z' || key === 'y') {
        e.preventDefault();
        if (key === 'y' || e.shiftKey) this.host.redo();
        else this.host.undo();
      } else if (key === 's') {
        e.preventDefault();
        this.host.saveCorrections();
      }
      return;
    }
    if (e.altKey) return;
    if (key === 'e' && !e.shiftKey) return this.setOn(!this.on);
    if (!this.on) return;
    if (key === ' ') {
      this.space = true;
      if (t === document.body || t?.tagName === 'CANVAS') e.preventDefault();
    } else if (TOOL_KEYS[key] && !e.shiftKey) this.setTool(TOOL_KEYS[key]);
    else if (key === 'm') this.mergeSelected();
    else if (key === 'delete' || key === 'backspace') {
      e.preventDefault();
      this.deleteSelected();
    } else if (key === '[' || key === ']') this.resize(key === '[' ? -1 : 1);
    else if (key === 'enter' && !e.defaultPrevented && this.seeds.length) this.splitBySeeds();
    else if (key === 'escape') this.cancel();
  }

  /** The stroke in progress, split seeds and the brush outline, over the view (canvas pixels). */
  drawOverlay(ctx: CanvasRenderingContext2D, scale: number, ox: number, oy: number, dpr: number): void {
    const at = (p: Point): [number, number] => [ox + p[0] * scale, oy + p[1] * scale];
    ctx.save();
    ctx.lineCap = ctx.lineJoin = 'round';
    const s = this.stroke;
    if (s && s.points.length) {
      ctx.beginPath();
      ctx.moveTo(...at(s.points[0]));
      for (const p of s.points.slice(1)) ctx.lineTo(...at(p));
      if (s.tool === 'brush' || s.tool === 'erase') {
        if (s.points.length === 1) ctx.lineTo(...at(s.points[0]));
        ctx.lineWidth = Math.max(1, this.brush * scale);
        const [r, g, b] = s.tool === 'brush' ? labelColour(s.label) : [0, 0, 0];
        ctx.strokeStyle = `rgba(${r}, ${g}, ${b}, 0.6)`;
        ctx.stroke();
      } else {
        if (s.tool === 'draw') ctx.closePath();
        ctx.lineWidth = 3 * dpr;
        ctx.strokeStyle = '#000';
        ctx.stroke();
        ctx.lineWidth = 1.5 * dpr;
        ctx.strokeStyle = s.tool === 'split' ? '#ff4040' : '#00e5ff';
        ctx.stroke();
      }
    }
    for (const p of this.seeds) {
      const [x, y] = at(p);
      ctx.beginPath();
      ctx.arc(x, y, 4 * dpr, 0, 2 * Math.PI);
      ctx.fillStyle = '#ff4040';
      ctx.fill();
      ctx.lineWidth = 1.5 * dpr;
      ctx.strokeStyle = '#fff';
      ctx.stroke();
    }
    if (this.pointer && this.on && (this.tool === 'brush' || this.tool === 'erase')) {
      const [x, y] = at(this.pointer);
      ctx.beginPath();
      ctx.arc(x, y, Math.max(2, (this.brush / 2) * scale), 0, 2 * Math.PI);
      ctx.lineWidth = 1 * dpr;
      ctx.strokeStyle = '#fff';
      ctx.setLineDash([3 * dpr, 3 * dpr]);
      ctx.stroke();
    }
    ctx.restore();
  }
}
