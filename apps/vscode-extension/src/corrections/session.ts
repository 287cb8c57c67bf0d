// The host's copy of a viewer's corrections. The page applies each edit to its labels and posts
// it; the host applies the same edit (same LabelEditor, same labels, same quantised probability,
// so both sides end up with the same pixels) to the session's labels, so everything saved later
// describes the corrected nuclei. Only the nuclei an edit changed are measured again.
import * as fs from 'fs';
import type * as vscode from 'vscode';
import { LabelEditor, type EditChange, type EditTally } from '@nuclei/segmentation/label-edit';
import type { SegmentationSession } from '../segmentation-session';
import type { Logger } from '../log';
import { packLabels, type FromWebview, type NucleusRow, type SegmentationPayload, type ToWebview } from '../webview/messages';
import { nucleusRows } from '../webview/nucleus-rows';
import { backupDirFor, backupRoot, CorrectionBackup, type BackupContents, type BackupMeta, type LogEntry } from './backup';
import { measureNucleiIn } from './rows';

type NucleiApi = typeof import('../nuclei-api');
export type EditMessage = Extract<FromWebview, { type: 'edit' | 'undo' | 'redo' }>;
export type EditRowsMessage = Extract<ToWebview, { type: 'editRows' }>;
export type RowsMessage = Extract<ToWebview, { type: 'rows' }>;

export function isEditMessage(m: FromWebview): m is EditMessage {
  return m.type === 'edit' || m.type === 'undo' || m.type === 'redo';
}

/** The probability the page and the host both split on: quantised once, so both see the same values. */
export function quantiseProbability(p: Float32Array): Uint8Array {
  const out = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, p[i])) * 255);
  return out;
}

/** A copy of the labels at one moment, for saving while edits may go on. */
export interface CorrectionSnapshot {
  labels: Int32Array;
  width: number;
  height: number;
  count: number;
  tally: EditTally;
  state: number;
  entries: number;
}

export class CorrectionSession {
  private editor: LabelEditor;
  private readonly rows = new Map<number, NucleusRow>();
  /** Pixels per label, and their sum: count and mean area without a pass over the image. */
  private readonly areas = new Map<number, number>();
  private foreground = 0;
  /** The labels before the first edit; the log replays on them. */
  private base?: Int32Array;
  private entries: LogEntry[] = [];
  /** Ids of the states reached by the edits in effect (undo stack) and by the undone ones. */
  private done: number[] = [];
  private undone: number[] = [];
  private nextState = 1;
  private savedState = 0;
  private savedEntries = 0;
  private backingUp = false;
  private readonly listeners = new Set<() => void>();
  private readonly backup: CorrectionBackup;
  private meta: BackupMeta;
  private disposed = false;
  /** Every nucleus has its row (false: the payload came `measuring`, and measureRows has not run yet). */
  private measured: boolean;
  /** The labels file last saved, and how many saves there were. */
  savedTo?: string;
  saves = 0;

  private constructor(
    private readonly api: NucleiApi,
    readonly session: SegmentationSession,
    /** What the page shows besides the labels and rows (image, size, unit). */
    private readonly shown: Omit<SegmentationPayload, 'labels' | 'nuclei' | 'measuring'>,
    private probabilityU8: Uint8Array | undefined,
    backupDir: string,
    log: Logger,
    measured: boolean,
  ) {
    this.measured = measured;
    const { result, imagePath } = session;
    this.editor = new LabelEditor(result.labels, result.width, result.height, { probability: probabilityU8 });
    this.backup = new CorrectionBackup(backupDir, log);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(imagePath);
    } catch {
      // a vanished file: its backup will not match anything
    }
    this.meta = {
      version: 1,
      imagePath,
      ...(session.channel === undefined ? {} : { channel: session.channel }),
      imageSize: stat?.size ?? -1,
      imageMtimeMs: stat?.mtimeMs ?? -1,
      width: result.width,
      height: result.height,
      modelDir: session.modelDir,
      segmentation: { mode: String(result.mode), tiles: result.tiles, threshold: result.threshold, split: String(result.split) },
      created: new Date().toISOString(),
    };
    this.countAreas();
  }

  /** Starts the corrections of a shown segmentation (`payload`: what buildPayload made for it). */
  static async create(context: vscode.ExtensionContext, log: Logger, session: SegmentationSession, payload: SegmentationPayload): Promise<CorrectionSession> {
    const api = await import('../nuclei-api');
    const probability = session.result.probability ? quantiseProbability(session.result.probability) : undefined;
    const dir = backupDirFor(backupRoot(context), session.imagePath, session.channel);
    // The first labels are not kept twice: payload() packs the live ones.
    const { labels: _packed, nuclei, measuring, ...shown } = payload;
    const corrections = new CorrectionSession(api, session, shown, probability, dir, log, !measuring);
    for (const row of nuclei) corrections.rows.set(row.label, row);
    return corrections;
  }

  get labels(): Int32Array {
    return this.session.result.labels;
  }
  get probability(): Uint8Array | undefined {
    return this.probabilityU8;
  }
  get backupDir(): string {
    return this.backup.dir;
  }
  /** The model that made the starting labels (the one that segmented, or a restored backup's). */
  get startModelDir(): string {
    return this.meta.modelDir;
  }
  /** Nuclei now. */
  get count(): number {
    return this.areas.size;
  }
  /** Mean area in pixels. */
  get meanArea(): number {
    return this.areas.size ? this.foreground / this.areas.size : 0;
  }
  /** Whether the labels differ from the last saved ones (or, never saved, from the segmentation). */
  get dirty(): boolean {
    return this.state !== this.savedState;
  }
  /** Whether the labels were ever changed (the saved outputs then need counts made again). */
  get edited(): boolean {
    return this.entries.length > 0;
  }
  /** Edits in effect (undone ones not counted). */
  get edits(): number {
    return this.done.length;
  }
  get tally(): EditTally {
    return this.editor.tally();
  }

  /** Called after every change of the labels or of the saved state. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * Applies an edit, undo or redo the page made, and answers with the rows of the nuclei it
   * changed. Synchronous, so edits posted in quick succession are applied in order.
   */
  handle(message: EditMessage): EditRowsMessage {
    const entry: LogEntry = message.type === 'edit' ? { t: 'edit', op: message.op } : { t: message.type };
    // The starting labels are copied before the first edit changes them (in place).
    if (!this.base && entry.t === 'edit') this.base = Int32Array.from(this.labels);
    const change = this.applyEntry(entry);
    if (!change) return this.rowsMessage([], []);
    if (!this.backingUp) {
      this.backup.begin(this.meta, this.base!, this.probabilityU8, this.entries);
      this.backingUp = true;
    }
    this.entries.push(entry);
    this.backup.append(entry);
    const answer = this.measureChange(change);
    this.changed();
    return answer;
  }

  /** The page's segmentation message as things are now (a rebuilt page gets the corrected labels). */
  payload(): SegmentationPayload {
    const nuclei = [...this.rows.values()].sort((a, b) => a.label - b.label);
    const maxLabel = nuclei.length ? nuclei[nuclei.length - 1].label : 0;
    return {
      ...this.shown,
      labels: packLabels(this.labels, maxLabel),
      count: this.count,
      meanArea: this.meanArea,
      nuclei,
      ...(this.measured ? {} : { measuring: true }),
      ...(this.probabilityU8 ? { probability: this.probabilityU8 } : {}),
      dirty: this.dirty,
      nextLabel: this.editor.nextLabel(),
    };
  }

  message(): ToWebview | undefined {
    return this.disposed ? undefined : { type: 'segmentation', payload: this.payload() };
  }

  /**
   * Measures every nucleus of the labels as they are now (edits made meanwhile included) when the
   * payload came without rows; the page's 'rows' message, or undefined when there was nothing to do.
   */
  measureRows(): RowsMessage | undefined {
    if (this.measured || this.disposed) return undefined;
    this.measureAll();
    return { type: 'rows', nuclei: [...this.rows.values()].sort((a, b) => a.label - b.label) };
  }

  /** A copy of the labels now (cheap next to encoding them), so edits during a save do not reach the file. */
  snapshot(): CorrectionSnapshot {
    const { width, height } = this.session.result;
    return { labels: Int32Array.from(this.labels), width, height, count: this.count, tally: this.tally, state: this.state, entries: this.entries.length };
  }

  /** The snapshot is on disk: clean unless edits came since; the backup goes when nothing is left unsaved. */
  async markSaved(snapshot: CorrectionSnapshot, savedTo: string): Promise<void> {
    this.savedState = snapshot.state;
    this.savedEntries = snapshot.entries;
    this.savedTo = savedTo;
    this.saves++;
    if (!this.dirty) await this.dropBackup();
    this.changed();
  }

  /** Forgets the unsaved corrections' backup (the labels stay as they are; the viewer is going away). */
  async discard(): Promise<void> {
    await this.dropBackup();
  }

  /** Back to the last saved labels (or the segmentation): the log up to the save, replayed on the starting labels. */
  async revert(): Promise<void> {
    if (!this.dirty) return;
    this.entries = this.entries.slice(0, this.savedEntries);
    this.rebuild(this.base!, this.entries);
    this.savedState = this.state;
    await this.dropBackup();
    this.changed();
  }

  /** Puts a backup's corrections in place: its starting labels and probability, its log replayed. */
  restore(contents: BackupContents): void {
    const { width, height } = this.session.result;
    if (contents.meta.width !== width || contents.meta.height !== height) throw new RangeError('the backup is of another image size');
    this.meta = { ...contents.meta, imagePath: this.meta.imagePath };
    this.probabilityU8 = contents.probability;
    this.session.modelDir = contents.meta.modelDir;
    this.base = contents.labels;
    this.entries = [...contents.log];
    this.rebuild(this.base, this.entries);
    this.savedState = 0;
    this.savedEntries = 0;
    // Written again from here (same folder), so a second crash loses nothing either.
    this.backup.begin(this.meta, this.base, this.probabilityU8, this.entries);
    this.backingUp = true;
    this.changed();
  }

  /** Waits for the backup writes queued so far. */
  flushBackup(): Promise<void> {
    return this.backup.flush();
  }

  /** A copy of the backup (for VS Code's backup of the TIFF editor). */
  copyBackupTo(dest: string): Promise<void> {
    return this.backup.copyTo(dest);
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }

  private get state(): number {
    return this.done.length ? this.done[this.done.length - 1] : 0;
  }

  private applyEntry(entry: LogEntry): EditChange | undefined {
    if (entry.t === 'edit') {
      const change = this.editor.apply(entry.op);
      if (change) {
        this.done.push(this.nextState++);
        this.undone = [];
      }
      return change;
    }
    if (entry.t === 'undo') {
      const change = this.editor.undo();
      if (change) this.undone.push(this.done.pop()!);
      return change;
    }
    const change = this.editor.redo();
    if (change) this.done.push(this.undone.pop()!);
    return change;
  }

  private measureChange(change: EditChange): EditRowsMessage {
    const removed: number[] = [];
    const targets: Array<{ label: number; box: { x0: number; y0: number; x1: number; y1: number } }> = [];
    for (const label of new Set(change.labels)) {
      const area = this.editor.areaOf(label);
      this.foreground += area - (this.areas.get(label) ?? 0);
      const box = area > 0 ? this.editor.boxOf(label) : undefined;
      if (box) {
        this.areas.set(label, area);
        targets.push({ label, box });
      } else {
        this.areas.delete(label);
        this.rows.delete(label);
        removed.push(label);
      }
    }
    const { image, pixelSize } = this.session;
    const rows = measureNucleiIn(this.api.measure, this.labels, image, targets, pixelSize);
    for (const row of rows) this.rows.set(row.label, row);
    return this.rowsMessage(rows, removed);
  }

  private rowsMessage(rows: NucleusRow[], removed: number[]): EditRowsMessage {
    return { type: 'editRows', rows, removed, count: this.count, meanArea: this.meanArea };
  }

  /** New editor on `base` with `entries` replayed, and every row measured again (restore and revert only). */
  private rebuild(base: Int32Array, entries: readonly LogEntry[]): void {
    const { result } = this.session;
    this.labels.set(base);
    this.editor = new LabelEditor(this.labels, result.width, result.height, { probability: this.probabilityU8 });
    this.done = [];
    this.undone = [];
    for (const e of entries) this.applyEntry(e);
    this.countAreas();
    this.measureAll();
  }

  /** Every row measured again on the labels now (every channel the session has). */
  private measureAll(): void {
    const { result, image, pixelSize, channels } = this.session;
    let max = 0;
    for (const l of this.areas.keys()) if (l > max) max = l;
    this.rows.clear();
    const measured = this.api.measure({ labels: this.labels, width: result.width, height: result.height, count: max }, image, pixelSize, channels);
    for (const row of nucleusRows(measured, pixelSize)) this.rows.set(row.label, row);
    this.measured = true;
  }

  private countAreas(): void {
    const labels = this.labels;
    let max = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
    const counts = new Float64Array(max + 1);
    for (let i = 0; i < labels.length; i++) counts[labels[i] > 0 ? labels[i] : 0]++;
    this.areas.clear();
    this.foreground = 0;
    for (let l = 1; l <= max; l++) {
      if (!counts[l]) continue;
      this.areas.set(l, counts[l]);
      this.foreground += counts[l];
    }
  }

  private async dropBackup(): Promise<void> {
    this.backingUp = false;
    await this.backup.remove();
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}
