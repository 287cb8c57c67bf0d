// The viewer's side of hand corrections: its own LabelEditor over the shown label image (so an edit
// shows at once), each edit, undo and redo posted for the host to apply to its copy, and the table
// rows in between: provisional (area and box from the editor) until the host's measured rows come.
import { LabelEditor, type EditChange, type EditOp } from '@nuclei/segmentation/label-edit';
import type { FromWebview, NucleusRow } from '../webview/messages';

export class EditSession {
  readonly editor: LabelEditor;
  private readonly send: (message: FromWebview) => void;
  /** Pixels per label, to keep the mean area without a pass over the image (the editor keeps areas, not their sum). */
  private readonly areas = new Map<number, number>();
  private foreground = 0;
  /** Edits (and undos / redos) posted, and the host's answers (editRows) received so far. */
  private posted = 0;
  private answered = 0;
  /** The post after which each label last changed: the host's rows for it count only once that post is answered. */
  private readonly changedAt = new Map<number, number>();

  /** Table area units per pixel: 1, or the pixel area in µm² (found from a row of the host's table). */
  private areaScale = 1;
  private readonly unit: 'px' | 'um';

  /** Takes ownership of `labels` (edited in place). `rows`: the host's table, for the unit of area; `nextLabel`: the host editor's. */
  constructor(
    labels: Int32Array,
    width: number,
    height: number,
    options: { probability?: Uint8Array; nextLabel?: number; send: (message: FromWebview) => void; unit: 'px' | 'um'; rows: readonly NucleusRow[] },
  ) {
    // The host's nextLabel: after deletions the current labels alone would number new nuclei lower than the host does.
    this.editor = new LabelEditor(labels, width, height, { probability: options.probability, nextLabel: options.nextLabel });
    this.send = options.send;
    // The editor has counted the areas already: no second pass over the image.
    for (const [label, area] of this.editor.areas()) {
      this.areas.set(label, area);
      this.foreground += area;
    }
    this.unit = options.unit;
    this.learnAreaScale(options.rows);
  }

  private learnAreaScale(rows: readonly NucleusRow[]): void {
    // Only a row of a label not changed here since the host measured it tells the scale.
    const known = this.unit === 'um' ? rows.find((r) => r.area > 0 && !this.changedAt.has(r.label) && this.areas.has(r.label)) : undefined;
    if (known) this.areaScale = known.area / this.areas.get(known.label)!;
  }

  /**
   * The host's rows of every nucleus, measured after the image was shown: those of labels changed
   * here and not answered yet give way to provisional rows (their answer brings the measured ones).
   */
  measured(rows: readonly NucleusRow[]): NucleusRow[] {
    this.learnAreaScale(rows);
    const pending = (l: number) => (this.changedAt.get(l) ?? 0) > this.answered;
    const out = rows.filter((r) => !pending(r.label) && this.editor.areaOf(r.label) > 0);
    for (const l of this.changedAt.keys()) if (pending(l) && this.editor.areaOf(l) > 0) out.push(this.provisionalRow(l));
    return out;
  }

  get count(): number {
    return this.editor.count;
  }

  /** The area of one pixel in the table's unit (1 in pixels, µm² per pixel in microns). */
  get pixelArea(): number {
    return this.areaScale;
  }

  /** Mean nucleus area in pixels. */
  get meanArea(): number {
    return this.editor.count ? this.foreground / this.editor.count : 0;
  }

  apply(op: EditOp): EditChange | undefined {
    return this.record(this.editor.apply(op), { type: 'edit', op });
  }

  undo(): EditChange | undefined {
    return this.record(this.editor.undo(), { type: 'undo' });
  }

  redo(): EditChange | undefined {
    return this.record(this.editor.redo(), { type: 'redo' });
  }

  private record(change: EditChange | undefined, message: FromWebview): EditChange | undefined {
    if (!change) return undefined;
    this.send(message);
    this.posted++;
    for (const l of change.labels) {
      this.changedAt.set(l, this.posted);
      const area = this.editor.areaOf(l);
      this.foreground += area - (this.areas.get(l) ?? 0);
      if (area) this.areas.set(l, area);
      else this.areas.delete(l);
    }
    return change;
  }

  /** The table's update for a change: rows to drop (labels gone) and provisional rows for the rest. */
  rowsOf(change: EditChange): { rows: NucleusRow[]; removed: number[] } {
    const removed = change.labels.filter((l) => this.editor.areaOf(l) === 0);
    const rows = change.labels.filter((l) => this.editor.areaOf(l) > 0).map((l) => this.provisionalRow(l));
    return { rows, removed };
  }

  /** A row from what the editor knows: area, and the box (its centre standing in for the centroid); the rest unknown (NaN). */
  provisionalRow(label: number): NucleusRow {
    const b = this.editor.boxOf(label) ?? { x0: 0, y0: 0, x1: 0, y1: 0 };
    return {
      label,
      area: this.editor.areaOf(label) * this.areaScale,
      perimeter: NaN,
      equivalentDiameter: NaN,
      majorAxisLength: NaN,
      minorAxisLength: NaN,
      eccentricity: NaN,
      solidity: NaN,
      meanIntensity: NaN,
      centroidX: (b.x0 + b.x1) / 2,
      centroidY: (b.y0 + b.y1) / 2,
      box: [b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0],
    };
  }

  /**
   * The host's answer to the oldest unanswered post: its measured rows, less those of labels changed
   * again since (a later answer brings them) or gone here, and its removed labels still gone here.
   */
  accept(rows: readonly NucleusRow[], removed: readonly number[]): { rows: NucleusRow[]; removed: number[] } {
    this.answered = Math.min(this.posted, this.answered + 1);
    const current = (l: number) => (this.changedAt.get(l) ?? 0) <= this.answered;
    return {
      rows: rows.filter((r) => current(r.label) && this.editor.areaOf(r.label) > 0),
      removed: removed.filter((l) => current(l) && this.editor.areaOf(l) === 0),
    };
  }
}
