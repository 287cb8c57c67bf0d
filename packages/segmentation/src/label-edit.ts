// Correcting a label image by hand: delete, merge, split, paint, erase and draw nuclei, with
// unlimited undo / redo. Shared by the VS Code viewer (a browser bundle: this file and what it
// imports stay free of Node and TF.js) and the extension host, which applies the same edits to its
// own copy so both hold the same labels. Every edit touches only the pixels of its box.
import { polygonMask, strokeMask, type BoxMask } from './label-edit-raster';
import { splitPieces } from './label-split';

/** A point in image pixels (x right, y down; pixel centres at integers + 0.5 are inside the pixel). */
export type Point = [number, number];

/** A half-open pixel box: x0 <= x < x1, y0 <= y < y1. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** One correction, as the viewer sends it (plain JSON: it crosses postMessage and is kept in backups). */
export type EditOp =
  /** Remove these nuclei (their pixels become background). */
  | { kind: 'delete'; labels: number[] }
  /** Join these nuclei into one, keeping the smallest label. */
  | { kind: 'merge'; labels: number[] }
  /**
   * Split one nucleus: by a line drawn across it (the pieces either side become seeds), or by two or
   * more seed points inside it; the pieces are re-made by a seeded watershed on the model's mask
   * probability when the editor has one, else on the distance to the background.
   */
  | { kind: 'split'; label: number; line?: Point[]; seeds?: Point[] }
  /**
   * A brush stroke of `radius` px along `points`, painting `label` (an existing nucleus, or
   * `nextLabel()` for a new one). `onlyBackground`: never paints over another nucleus.
   */
  | { kind: 'paint'; label: number; points: Point[]; radius: number; onlyBackground?: boolean }
  /** An eraser stroke: the pixels under it become background. */
  | { kind: 'erase'; points: Point[]; radius: number }
  /** A freehand outline, filled: a new nucleus (`label`, default `nextLabel()`). `onlyBackground` as for paint. */
  | { kind: 'fill'; polygon: Point[]; label?: number; onlyBackground?: boolean };

/** What an applied (or undone / redone) edit changed, so views update only that box. */
export interface EditChange {
  op: EditOp;
  /** The box the edit touched (clipped to the image). */
  box: Box;
  /** Labels whose pixels changed (present before or after): the rows to re-measure or remove. */
  labels: number[];
}

/** Net counts of the corrections made (undone edits are not counted), for the sidecar. */
export interface EditTally {
  deleted: number;
  drawn: number;
  split: number;
  merged: number;
  painted: number;
  erased: number;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isLabel = (v: unknown): v is number => isNum(v) && Number.isInteger(v) && v > 0;
const isPoints = (v: unknown, min: number): v is Point[] =>
  Array.isArray(v) && v.length >= min && v.every((p) => Array.isArray(p) && p.length === 2 && isNum(p[0]) && isNum(p[1]));

/** Whether a value (e.g. a webview message) is a well-formed EditOp; nothing else is ever applied. */
export function isEditOp(value: unknown): value is EditOp {
  if (!value || typeof value !== 'object') return false;
  const o = value as Record<string, unknown>;
  switch (o.kind) {
    case 'delete':
      return Array.isArray(o.labels) && o.labels.length > 0 && o.labels.every(isLabel);
    case 'merge':
      return Array.isArray(o.labels) && o.labels.length > 1 && o.labels.every(isLabel);
    case 'split':
      return (
        isLabel(o.label) &&
        (o.line === undefined || isPoints(o.line, 2)) &&
        (o.seeds === undefined || isPoints(o.seeds, 2)) &&
        (o.line !== undefined || o.seeds !== undefined)
      );
    case 'paint':
      return (
        isLabel(o.label) &&
        isPoints(o.points, 1) &&
        isNum(o.radius) &&
        o.radius > 0 &&
        o.radius <= 256 &&
        (o.onlyBackground === undefined || typeof o.onlyBackground === 'boolean')
      );
    case 'erase':
      return isPoints(o.points, 1) && isNum(o.radius) && o.radius > 0 && o.radius <= 256;
    case 'fill':
      return isPoints(o.polygon, 3) && (o.label === undefined || isLabel(o.label)) && (o.onlyBackground === undefined || typeof o.onlyBackground === 'boolean');
    default:
      return false;
  }
}

/** Area and tight box of one label, kept up to date edit by edit. */
interface LabelStat {
  area: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** One recorded edit: the box's pixels before and after, so undo / redo cost the box only. */
interface Entry {
  change: EditChange;
  before: Int32Array;
  after: Int32Array;
  tally: Partial<EditTally>;
}

export interface LabelEditorOptions {
  /** Mask probability 0..255, height*width: the split tool's watershed runs on it (else on the distance to the background). */
  probability?: Uint8Array;
  /**
   * The id the next new nucleus gets, when it must match another editor's (a page rebuilt from the
   * host's current labels, after ids above the highest present were used and deleted). At least
   * one above every id present.
   */
  nextLabel?: number;
}

/** Labels are Int32Array values. */
const MAX_LABEL = 0x7fffffff;

const emptyTally = (): EditTally => ({ deleted: 0, drawn: 0, split: 0, merged: 0, painted: 0, erased: 0 });

/**
 * Edits a label image in place with unlimited undo / redo. After one pass over the image in the
 * constructor, every edit, undo and redo costs time proportional to its box (plus re-scanning the
 * old box of a nucleus that lost pixels), never to the image.
 */
export class LabelEditor {
  private readonly stats = new Map<number, LabelStat>();
  private readonly probability?: Uint8Array;
  private readonly done: Entry[] = [];
  private readonly undone: Entry[] = [];
  private readonly counts = emptyTally();
  /** The highest id ever present in this session: new nuclei get ids above it, so none is reused. */
  private maxEver = 0;

  /** Takes ownership of `labels` (height*width, 0 = background, 1..n nuclei; gaps in the ids allowed) and edits it in place. */
  constructor(
    readonly labels: Int32Array,
    readonly width: number,
    readonly height: number,
    options: LabelEditorOptions = {},
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`LabelEditor: bad size ${width}x${height}`);
    if (labels.length !== width * height) throw new RangeError(`LabelEditor: labels have ${labels.length} pixels, expected ${width}x${height}`);
    if (options.probability && options.probability.length !== width * height) {
      throw new RangeError(`LabelEditor: probability has ${options.probability.length} pixels, expected ${width}x${height}`);
    }
    this.probability = options.probability;
    let maxEver = 0;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width;) {
        const v = labels[row + x];
        if (v === 0) {
          x++;
          continue;
        }
        if (v < 0) throw new RangeError(`LabelEditor: negative label ${v} at (${x}, ${y})`);
        // Nuclei come in runs along a row: one look-up and one box update per run.
        let end = x + 1;
        while (end < width && labels[row + end] === v) end++;
        const st = this.stats.get(v);
        if (!st) this.stats.set(v, { area: end - x, x0: x, y0: y, x1: end, y1: y + 1 });
        else {
          st.area += end - x;
          if (x < st.x0) st.x0 = x;
          if (end > st.x1) st.x1 = end;
          st.y1 = y + 1;
        }
        if (v > maxEver) maxEver = v;
        x = end;
      }
    }
    if (options.nextLabel !== undefined) {
      if (!Number.isInteger(options.nextLabel) || options.nextLabel <= maxEver || options.nextLabel > MAX_LABEL)
        throw new RangeError(`LabelEditor: nextLabel ${options.nextLabel} must be above every label present (${maxEver})`);
      maxEver = options.nextLabel - 1;
    }
    this.maxEver = maxEver;
  }

  /** Nuclei present now (labels with at least one pixel). */
  get count(): number {
    return this.stats.size;
  }

  /** Each nucleus present now with its area in pixels (what the constructor counted: no pass over the image). */
  *areas(): IterableIterator<[label: number, area: number]> {
    for (const [label, st] of this.stats) yield [label, st.area];
  }

  /** The id a new nucleus gets: one above every id ever present in this session (ids are never reused, so undo/redo and the host's copy stay in step). */
  nextLabel(): number {
    return this.maxEver + 1;
  }

  /** Pixels of `label` now; 0 when absent. */
  areaOf(label: number): number {
    return this.stats.get(label)?.area ?? 0;
  }

  /** The tight half-open box of `label`'s pixels, or undefined when absent. */
  boxOf(label: number): Box | undefined {
    const st = this.stats.get(label);
    return st && { x0: st.x0, y0: st.y0, x1: st.x1, y1: st.y1 };
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  /** Net counts of the edits in effect (undone ones not counted). */
  tally(): EditTally {
    return { ...this.counts };
  }

  /**
   * Applies an edit; undefined (and nothing recorded) when it changes no pixel or is not applicable
   * (unknown label, a split that yields one piece). Clears the redo stack. Throws on a malformed op.
   */
  apply(op: EditOp): EditChange | undefined {
    if (!isEditOp(op)) throw new TypeError(`LabelEditor.apply: not an edit: ${JSON.stringify(op)}`);
    const planned = this.plan(op);
    if (!planned) return undefined;
    const { box, after, tally } = planned;
    // Record only the tight box of the pixels that really change.
    const bw = box.x1 - box.x0;
    let x0 = box.x1;
    let y0 = box.y1;
    let x1 = box.x0;
    let y1 = box.y0;
    for (let y = box.y0; y < box.y1; y++) {
      for (let x = box.x0, i = y * this.width + x, j = (y - box.y0) * bw; x < box.x1; x++, i++, j++) {
        if (this.labels[i] === after[j]) continue;
        if (x < x0) x0 = x;
        if (x >= x1) x1 = x + 1;
        if (y < y0) y0 = y;
        y1 = y + 1;
      }
    }
    if (x0 >= x1) return undefined;
    const tight = { x0, y0, x1, y1 };
    const entry: Entry = { change: { op, box: tight, labels: [] }, before: this.read(tight), after: crop(after, box, tight), tally };
    entry.change.labels = this.write(tight, entry.after);
    this.done.push(entry);
    this.undone.length = 0;
    this.addTally(tally, 1);
    return entry.change;
  }

  /** Undoes the last edit in effect; undefined when there is none. */
  undo(): EditChange | undefined {
    const entry = this.done.pop();
    if (!entry) return undefined;
    this.write(entry.change.box, entry.before);
    this.undone.push(entry);
    this.addTally(entry.tally, -1);
    return entry.change;
  }

  /** Re-applies the last undone edit; undefined when there is none. */
  redo(): EditChange | undefined {
    const entry = this.undone.pop();
    if (!entry) return undefined;
    this.write(entry.change.box, entry.after);
    this.done.push(entry);
    this.addTally(entry.tally, 1);
    return entry.change;
  }

  private addTally(tally: Partial<EditTally>, sign: 1 | -1): void {
    for (const k of Object.keys(tally) as (keyof EditTally)[]) this.counts[k] += sign * (tally[k] ?? 0);
  }

  /** The labels an op would leave in a box holding all it may change, and what it counts as. */
  private plan(op: EditOp): { box: Box; after: Int32Array; tally: Partial<EditTally> } | undefined {
    switch (op.kind) {
      case 'delete':
      case 'merge': {
        const present = [...new Set(op.labels)].filter((l) => this.stats.has(l)).sort((a, b) => a - b);
        if (present.length < (op.kind === 'merge' ? 2 : 1)) return undefined;
        const box = present.map((l) => this.boxOf(l) as Box).reduce(union);
        const to = op.kind === 'merge' ? present[0] : 0;
        const set = new Set(present);
        const after = this.read(box);
        for (let j = 0; j < after.length; j++) if (set.has(after[j])) after[j] = to;
        return { box, after, tally: op.kind === 'merge' ? { merged: 1 } : { deleted: present.length } };
      }
      case 'split': {
        const box = this.boxOf(op.label);
        if (!box) return undefined;
        const split = splitPieces(
          { labels: this.labels, width: this.width, height: this.height, probability: this.probability },
          op.label,
          box,
          op.line,
          op.seeds,
        );
        if (!split || this.maxEver + split.count - 1 > MAX_LABEL) return undefined;
        const after = this.read(box);
        const first = this.nextLabel() - 2;
        for (let j = 0; j < after.length; j++) {
          const p = split.pieces[j];
          if (p > 1) after[j] = first + p;
        }
        return { box, after, tally: { split: 1 } };
      }
      case 'paint':
      case 'erase':
      case 'fill': {
        const to = op.kind === 'erase' ? 0 : op.kind === 'fill' ? (op.label ?? this.nextLabel()) : op.label;
        if (to > MAX_LABEL) return undefined;
        const shape: BoxMask | undefined =
          op.kind === 'fill' ? polygonMask(op.polygon, this.width, this.height) : strokeMask(op.points, op.radius, this.width, this.height);
        if (!shape) return undefined;
        const onlyBackground = op.kind !== 'erase' && op.onlyBackground === true;
        const after = this.read(shape.box);
        for (let j = 0; j < after.length; j++) if (shape.mask[j] && (!onlyBackground || after[j] === 0)) after[j] = to;
        // Painting or filling onto an existing nucleus corrects it; onto a new id draws one.
        const tally: Partial<EditTally> = op.kind === 'erase' ? { erased: 1 } : this.stats.has(to) ? { painted: 1 } : { drawn: 1 };
        return { box: shape.box, after, tally };
      }
    }
  }

  /** A copy of the labels in `box`. */
  private read(box: Box): Int32Array {
    const bw = box.x1 - box.x0;
    const out = new Int32Array(bw * (box.y1 - box.y0));
    for (let y = box.y0; y < box.y1; y++) out.set(this.labels.subarray(y * this.width + box.x0, y * this.width + box.x1), (y - box.y0) * bw);
    return out;
  }

  /**
   * Writes `data` into `box`, keeping areas and boxes up to date: a label that only gained pixels
   * grows its box; one that lost some is re-scanned over its old box joined with the edit box.
   * Returns the labels whose pixels changed, ascending.
   */
  private write(box: Box, data: Int32Array): number[] {
    const gained = new Map<number, Box>();
    const lost = new Set<number>();
    const bw = box.x1 - box.x0;
    for (let y = box.y0; y < box.y1; y++) {
      for (let x = box.x0, i = y * this.width + x, j = (y - box.y0) * bw; x < box.x1; x++, i++, j++) {
        const was = this.labels[i];
        const now = data[j];
        if (was === now) continue;
        this.labels[i] = now;
        if (was !== 0) {
          lost.add(was);
          (this.stats.get(was) as LabelStat).area--;
        }
        if (now !== 0) {
          const g = gained.get(now);
          if (!g) gained.set(now, { x0: x, y0: y, x1: x + 1, y1: y + 1 });
          else {
            if (x < g.x0) g.x0 = x;
            if (x >= g.x1) g.x1 = x + 1;
            g.y1 = y + 1;
          }
          let st = this.stats.get(now);
          if (!st) this.stats.set(now, (st = { area: 0, x0: x, y0: y, x1: x + 1, y1: y + 1 }));
          st.area++;
          if (now > this.maxEver) this.maxEver = now;
        }
      }
    }
    const touched = [...new Set([...lost, ...gained.keys()])].sort((a, b) => a - b);
    for (const l of touched) {
      const st = this.stats.get(l) as LabelStat;
      const g = gained.get(l);
      if (st.area === 0) this.stats.delete(l);
      else if (lost.has(l)) Object.assign(st, this.scan(l, g ? union(st, g) : st));
      else if (g) Object.assign(st, union(st, g));
    }
    return touched;
  }

  /** The tight box of `label` within `box` (which must hold all its pixels). */
  private scan(label: number, box: Box): Box {
    let x0 = box.x1;
    let y0 = box.y1;
    let x1 = box.x0;
    let y1 = box.y0;
    for (let y = box.y0; y < box.y1; y++) {
      const row = y * this.width;
      for (let x = box.x0; x < box.x1; x++) {
        if (this.labels[row + x] !== label) continue;
        if (x < x0) x0 = x;
        if (x >= x1) x1 = x + 1;
        if (y < y0) y0 = y;
        y1 = y + 1;
      }
    }
    return { x0, y0, x1, y1 };
  }
}

const union = (a: Box, b: Box): Box => ({ x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) });

/** The part `inner` of a `box`-shaped array. */
function crop(data: Int32Array, box: Box, inner: Box): Int32Array {
  const bw = box.x1 - box.x0;
  const iw = inner.x1 - inner.x0;
  const out = new Int32Array(iw * (inner.y1 - inner.y0));
  for (let y = inner.y0; y < inner.y1; y++) {
    const from = (y - box.y0) * bw + inner.x0 - box.x0;
    out.set(data.subarray(from, from + iw), (y - inner.y0) * iw);
  }
  return out;
}
