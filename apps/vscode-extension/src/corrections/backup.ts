// Crash and reload safety for unsaved corrections: per image, a folder under the extension's
// storage with the starting labels (raw Int32) and probability (raw Uint8), written once when
// editing starts, and a JSON-lines log of every edit, undo and redo appended as they happen.
// Replaying the log on the starting labels gives back the corrected labels exactly.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { isEditOp, type EditOp } from '@nuclei/segmentation/label-edit';
import type { Logger } from '../log';

/** One line of the log. */
export type LogEntry = { t: 'edit'; op: EditOp } | { t: 'undo' } | { t: 'redo' };

export interface BackupMeta {
  version: 1;
  imagePath: string;
  /** The page of a multi-page image that was segmented. */
  channel?: number;
  /** The image file when editing started: corrections are not restored onto a changed file. */
  imageSize: number;
  imageMtimeMs: number;
  width: number;
  height: number;
  /** The model that made the starting labels. */
  modelDir: string;
  /** How the starting labels were made, for the outputs saved after a restore. */
  segmentation: { mode: string; tiles: number; threshold: number; split: string };
  created: string;
}

export interface BackupContents {
  dir: string;
  meta: BackupMeta;
  labels: Int32Array;
  probability?: Uint8Array;
  log: LogEntry[];
}

const META = 'meta.json';
const LABELS = 'labels.i32';
const PROBABILITY = 'probability.u8';
const LOG = 'ops.jsonl';

/** Where backups live: the workspace's storage, else the global one. */
export function backupRoot(context: vscode.ExtensionContext): string {
  return path.join((context.storageUri ?? context.globalStorageUri).fsPath, 'corrections-backup');
}

/** The backup folder of one image (and page): a hash of its path, so any path fits. */
export function backupDirFor(root: string, imagePath: string, channel?: number): string {
  const key = `${path.resolve(imagePath)}${channel === undefined ? '' : `#${channel}`}`;
  return path.join(root, createHash('sha1').update(key).digest('hex').slice(0, 20));
}

/** Edits in effect after replaying `log` (undone ones do not count): the N of "Restore (N edits)". */
export function editsInEffect(log: readonly LogEntry[]): number {
  let done = 0;
  let undone = 0;
  for (const e of log) {
    if (e.t === 'edit') {
      done++;
      undone = 0;
    } else if (e.t === 'undo' && done > 0) {
      done--;
      undone++;
    } else if (e.t === 'redo' && undone > 0) {
      undone--;
      done++;
    }
  }
  return done;
}

/** The raw bytes of a typed array (the backup is read back on the same machine, so native byte order). */
const bytesOf = (a: Int32Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** A backup being written; writes are queued so they land in order, and never throw at the caller. */
export class CorrectionBackup {
  private queue: Promise<void> = Promise.resolve();
  private warned = false;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {}

  /**
   * (Re)starts the backup: meta.json is removed first and written last, so a half-written
   * backup is never read as a whole one. `entries`: the log so far.
   */
  begin(meta: BackupMeta, labels: Int32Array, probability: Uint8Array | undefined, entries: readonly LogEntry[]): void {
    const lines = entries.map((e) => JSON.stringify(e) + '\n').join('');
    this.enqueue(async () => {
      const { writeFileAtomic } = await import('../nuclei-api');
      await fs.promises.mkdir(this.dir, { recursive: true });
      await fs.promises.rm(path.join(this.dir, META), { force: true });
      await writeFileAtomic(path.join(this.dir, LABELS), bytesOf(labels));
      if (probability) await writeFileAtomic(path.join(this.dir, PROBABILITY), bytesOf(probability));
      else await fs.promises.rm(path.join(this.dir, PROBABILITY), { force: true });
      await writeFileAtomic(path.join(this.dir, LOG), lines);
      await writeFileAtomic(path.join(this.dir, META), JSON.stringify(meta, null, 2) + '\n');
    });
  }

  /** Appends one entry. An append is not atomic: a torn last line (a crash mid-write) is dropped when read. */
  append(entry: LogEntry): void {
    this.enqueue(() => fs.promises.appendFile(path.join(this.dir, LOG), JSON.stringify(entry) + '\n'));
  }

  /** Deletes the backup (after a save or a discard). */
  remove(): Promise<void> {
    return this.enqueue(() => fs.promises.rm(this.dir, { recursive: true, force: true }));
  }

  /** Waits for the writes queued so far. */
  flush(): Promise<void> {
    return this.queue;
  }

  /**
   * A copy of the backup as it is now, for VS Code's own backup of a custom document: the
   * starting labels and probability are hard links (they are replaced, never rewritten in place),
   * the log a copy (it is appended to).
   */
  async copyTo(dest: string): Promise<void> {
    await this.flush();
    await fs.promises.rm(dest, { recursive: true, force: true });
    await fs.promises.mkdir(dest, { recursive: true });
    for (const name of [LABELS, PROBABILITY, LOG, META]) {
      const from = path.join(this.dir, name);
      if (!fs.existsSync(from)) continue;
      if (name === LABELS || name === PROBABILITY) {
        try {
          await fs.promises.link(from, path.join(dest, name));
          continue;
        } catch {
          // another file system: copy
        }
      }
      await fs.promises.copyFile(from, path.join(dest, name));
    }
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task).catch((err) => {
      this.log.error(`corrections: backup in ${this.dir} failed`, err);
      if (!this.warned) {
        this.warned = true;
        void vscode.window.showWarningMessage(`Nuclei: unsaved corrections cannot be backed up (${(err as Error).message}); save them to keep them.`);
      }
    });
    return this.queue;
  }
}

/** A backup folder's contents, or undefined when there is none or it is incomplete. */
export async function readBackup(dir: string): Promise<BackupContents | undefined> {
  let meta: BackupMeta;
  try {
    meta = JSON.parse(await fs.promises.readFile(path.join(dir, META), 'utf8')) as BackupMeta;
  } catch {
    return undefined;
  }
  if (meta.version !== 1 || !(meta.width > 0) || !(meta.height > 0)) return undefined;
  const pixels = meta.width * meta.height;
  try {
    const raw = await fs.promises.readFile(path.join(dir, LABELS));
    if (raw.length !== pixels * 4) return undefined;
    const labels = new Int32Array(pixels);
    bytesOf(labels).set(raw);
    let probability: Uint8Array | undefined;
    if (fs.existsSync(path.join(dir, PROBABILITY))) {
      probability = new Uint8Array(await fs.promises.readFile(path.join(dir, PROBABILITY)));
      if (probability.length !== pixels) return undefined;
    }
    const log: LogEntry[] = [];
    for (const line of (await fs.promises.readFile(path.join(dir, LOG), 'utf8')).split('\n')) {
      if (!line.trim()) continue;
      let e: LogEntry;
      try {
        e = JSON.parse(line) as LogEntry;
      } catch {
        break; // a torn last line
      }
      if (e.t === 'undo' || e.t === 'redo' || (e.t === 'edit' && isEditOp(e.op))) log.push(e);
    }
    return { dir, meta, labels, probability, log };
  } catch {
    return undefined;
  }
}

/** Whether a backup was made on this image file as it is now (same size and modification time). */
export function backupFitsImage(meta: BackupMeta, imagePath: string): boolean {
  try {
    const s = fs.statSync(imagePath);
    return s.size === meta.imageSize && s.mtimeMs === meta.imageMtimeMs;
  } catch {
    return false;
  }
}
