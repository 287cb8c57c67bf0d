import { createHash } from 'crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'fs/promises';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import type { Sample, SkippedSample } from './types';

/** Bump when the decoded arrays would change for the same files (resize rules, format...). */
export const CACHE_FORMAT_VERSION = 1;

export function defaultCacheDir(): string {
  return process.env.NUCLEI_CACHE_DIR || join(tmpdir(), 'nuclei-cache');
}

interface CacheHeader {
  version: number;
  key: string;
  size: number;
  ids: string[];
  originalWidths: number[];
  originalHeights: number[];
  skipped: SkippedSample[];
}

/**
 * One file per dataset folder + size. Its name carries a hash of (folder, size) so an outdated
 * cache of the same dataset can be found and removed; the full key (every file's size and mtime)
 * is stored inside and must match exactly.
 */
export function cacheFilePath(cacheDir: string, absDir: string, size: number): string {
  const where = createHash('sha256').update(`${absDir}\0${size}`).digest('hex').slice(0, 16);
  const name =
    basename(absDir)
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 40) || 'dataset';
  return join(cacheDir, `${name}-${size}-${where}.nucache`);
}

/** Layout: uint32 header length, JSON header, all images (n*s*s*3), then all masks (n*s*s). */
export async function readCache(file: string, key: string, size: number): Promise<{ samples: Sample[]; skipped: SkippedSample[] } | null> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    return null;
  }
  try {
    const headerLen = buf.readUInt32LE(0);
    const header = JSON.parse(buf.toString('utf8', 4, 4 + headerLen)) as CacheHeader;
    if (header.version !== CACHE_FORMAT_VERSION || header.key !== key || header.size !== size) return null;
    const n = header.ids.length;
    const imgLen = size * size * 3;
    const maskLen = size * size;
    const imagesAt = 4 + headerLen;
    const masksAt = imagesAt + n * imgLen;
    if (buf.length !== masksAt + n * maskLen) return null; // truncated or foreign file: rebuild
    const samples = header.ids.map((id, i) => ({
      id,
      image: new Uint8Array(buf.buffer, buf.byteOffset + imagesAt + i * imgLen, imgLen),
      mask: new Uint8Array(buf.buffer, buf.byteOffset + masksAt + i * maskLen, maskLen),
      originalWidth: header.originalWidths[i],
      originalHeight: header.originalHeights[i],
    }));
    return { samples, skipped: header.skipped };
  } catch {
    return null;
  }
}

let tempCounter = 0;

/** Written to a temp file and renamed, so a reader never sees a half-written cache. */
export async function writeCache(file: string, key: string, size: number, samples: Sample[], skipped: SkippedSample[]): Promise<void> {
  const header: CacheHeader = {
    version: CACHE_FORMAT_VERSION,
    key,
    size,
    ids: samples.map((s) => s.id),
    originalWidths: samples.map((s) => s.originalWidth),
    originalHeights: samples.map((s) => s.originalHeight),
    skipped,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  const dir = join(file, '..');
  await mkdir(dir, { recursive: true });
  // Unique per writer, so concurrent loads of the same dataset never share a temp file.
  const tmp = `${file}.${Date.now()}-${process.pid}-${tempCounter++}.tmp`;
  try {
    await writeFile(tmp, Buffer.concat([len, json, ...samples.map((s) => s.image), ...samples.map((s) => s.mask)]));
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Removes stale temp files of this cache left by a killed process (best effort). */
export async function cleanStaleTemps(file: string): Promise<void> {
  const dir = join(file, '..');
  const prefix = `${basename(file)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  const hourAgo = Date.now() - 3600_000;
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix) && n.endsWith('.tmp') && Number(n.slice(prefix.length).split('-')[0]) < hourAgo)
      .map((n) => unlink(join(dir, n)).catch(() => undefined)),
  );
}
