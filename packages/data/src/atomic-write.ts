import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Temp files of writeFileAtomic: `.NAME.<pid>.<random>.tmp` beside the target. */
const TEMP = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Writes `data` to `file` so that the file is either its old self or complete: the bytes go to a
 * temp file in the same folder, are fsynced, then renamed over the target (atomic on one file
 * system). On failure the temp file is removed, the old file kept, and the error names `file`.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await fs.promises.open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    const err = e as NodeJS.ErrnoException;
    throw Object.assign(new Error(`${file}: could not write it (${err.code ?? err.message}); any earlier file there is unchanged`), {
      code: err.code,
      path: file,
    });
  }
}

/** Removes temp files that writeFileAtomic left in `dir` when a process was killed (not a live process's). */
export async function cleanStaleTempFiles(dir: string): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m || isAlive(Number(m[2]))) continue;
    await fs.promises.rm(path.join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

/** Whether a process with this pid runs on this machine (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Fails early, with a one-line error naming the folder, when `dir` cannot be created or written
 * (before minutes of work whose results would then be lost).
 */
export async function assertWritableDir(dir: string): Promise<void> {
  try {
    await fs.promises.mkdir(dir, { recursive: true });
    const probe = path.join(dir, `.nuclei-write-test.${process.pid}.${randomBytes(4).toString('hex')}`);
    await fs.promises.writeFile(probe, '');
    await fs.promises.rm(probe, { force: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw Object.assign(new Error(`${dir}: output folder is not writable (${err.code ?? err.message})`), { name: 'NucleiInputError', path: dir });
  }
}
