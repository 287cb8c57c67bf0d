import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type * as tf from '@tensorflow/tfjs';
import { fileSystemHandler, MODEL_JSON, writeFileSynced, type FileHandlerOptions } from './io-handler';
import { makeMetadata, METADATA_FILE, type ModelMetadata, type SaveMetadata } from './metadata';

export interface SaveModelOptions extends FileHandlerOptions {
  /** Also save Adam's state (moments, iteration count) and the training config, to resume training. */
  includeOptimizer?: boolean;
  /** More files of the model folder, made from the metadata being written (e.g. `model.onnx`), saved in the same atomic swap. */
  extraFiles?: (metadata: ModelMetadata) => Record<string, Uint8Array | string>;
}

/**
 * Save `model` to the folder `dir` as `model.json` + `weights.bin` + `nuclei-model.json`, atomically:
 * everything is written and fsynced in a sibling temp folder, then swapped in with renames. A crash
 * or error mid-write leaves the previous model at `dir` untouched. Returns the metadata written.
 */
export async function saveModel(model: tf.LayersModel, dir: string, metadata: SaveMetadata = {}, options: SaveModelOptions = {}): Promise<ModelMetadata> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  const meta = makeMetadata(model, metadata);
  await assertReplaceable(target);
  await fs.promises.mkdir(parent, { recursive: true });

  await removeStaleSaves(parent, base);
  // Sibling of the target so the final rename stays on one file system (renames are atomic there).
  // mkdir (not mkdtemp, which makes 0700 folders) so the model gets the user's umask like any file.
  const tmp = path.join(parent, `.${base}.saving-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.promises.mkdir(tmp);
  try {
    await model.save(fileSystemHandler(tmp, options), { includeOptimizer: options.includeOptimizer ?? false });
    for (const [name, content] of Object.entries(options.extraFiles?.(meta) ?? {})) {
      if (name.includes('/') || name.includes('\\') || name === METADATA_FILE || name === MODEL_JSON)
        throw new Error(`extra file name "${name}" is not allowed`);
      await options.onWrite?.(name);
      await writeFileSynced(path.join(tmp, name), content);
    }
    await options.onWrite?.(METADATA_FILE);
    // Metadata last: a folder with nuclei-model.json is complete.
    await writeFileSynced(path.join(tmp, METADATA_FILE), JSON.stringify(meta, null, 2) + '\n');
    await fsyncDir(tmp);
  } catch (e) {
    await fs.promises.rm(tmp, { recursive: true, force: true });
    throw new Error(`Saving model to ${target} failed: ${(e as Error).message} (any previous model there is untouched)`);
  }

  // Two renames (no atomic directory exchange in Node): the old model moves aside only once the
  // new one is complete, and comes back if the second rename fails.
  let old: string | undefined;
  if (await exists(target)) {
    old = path.join(parent, `.${base}.old-${process.pid}-${Date.now()}`);
    await fs.promises.rename(target, old);
  }
  try {
    await fs.promises.rename(tmp, target);
  } catch (e) {
    if (old) await fs.promises.rename(old, target);
    await fs.promises.rm(tmp, { recursive: true, force: true });
    throw new Error(`Saving model to ${target} failed: ${(e as Error).message} (any previous model there is untouched)`);
  }
  await fsyncDir(parent);
  if (old) await fs.promises.rm(old, { recursive: true, force: true });
  return meta;
}

/**
 * Removes the temp folders of saves that were killed midway (`.NAME.saving-PID-*`, `.NAME.old-PID-*`
 * whose process is gone; older unnamed ones from before pids were recorded once a day old).
 */
async function removeStaleSaves(parent: string, base: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.promises.readdir(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`.${base}.saving-`) && !name.startsWith(`.${base}.old-`)) continue;
    const pid = /^\.[^]*\.(?:saving|old)-(\d+)-/.exec(name)?.[1];
    const full = path.join(parent, name);
    let stale: boolean;
    if (pid) stale = !isAlive(Number(pid));
    else stale = Date.now() - (await fs.promises.stat(full)).mtimeMs > 86_400_000;
    if (stale) await fs.promises.rm(full, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Never replace something that is not a saved model (a typo must not delete a user's folder). */
async function assertReplaceable(target: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(target);
  } catch {
    return;
  }
  if (!stat.isDirectory()) throw new Error(`Cannot save model to ${target}: it exists and is not a folder`);
  const entries = await fs.promises.readdir(target);
  if (entries.length > 0 && !entries.includes(METADATA_FILE) && !entries.includes(MODEL_JSON)) {
    throw new Error(`Cannot save model to ${target}: the folder is not empty and holds no saved model (refusing to replace it)`);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.promises.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** Persist the folder's entries (new names) on POSIX; Windows cannot open folders, and needs no such step. */
async function fsyncDir(dir: string): Promise<void> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(dir, 'r');
    await fh.sync();
  } catch {
    // best effort
  } finally {
    await fh?.close();
  }
}
