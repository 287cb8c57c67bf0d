import * as fs from 'fs';
import * as zlib from 'zlib';
import { writeFileAtomic, type Rect } from '@nuclei/data';
import type { BlockNucleus, BlockResult } from './block';

const MAGIC = 'NUCBLK01';

/** A run of one owned nucleus's pixels outside its block's core: row y, columns [x, x + length), local label. */
export type SpillRun = [y: number, x: number, length: number, label: number];

/** What merge needs of a block without its nuclei: where it is, its count, and its nuclei's pixels outside its core. */
export interface BlockMeta {
  planId: string;
  index: number;
  zone: Rect;
  core: Rect;
  count: number;
  uncertain: number;
  tiles: number;
  spill: SpillRun[];
  preview: Rect;
}

/** A block result as one file: meta JSON, nuclei JSON, the core's labels and the preview (both deflated). */
export async function writeBlockFile(file: string, result: BlockResult, core: Rect): Promise<void> {
  const { zone, labels } = result;
  const spill: SpillRun[] = [];
  const coreLabels = new Int32Array(core.width * core.height);
  for (let y = 0; y < zone.height; y++) {
    const gy = zone.y + y;
    const inCoreRow = gy >= core.y && gy < core.y + core.height;
    for (let x = 0; x < zone.width;) {
      const l = labels[y * zone.width + x];
      const gx = zone.x + x;
      if (inCoreRow && gx >= core.x && gx < core.x + core.width) {
        coreLabels[(gy - core.y) * core.width + (gx - core.x)] = l;
        x++;
        continue;
      }
      if (!l) {
        x++;
        continue;
      }
      let e = x + 1;
      while (e < zone.width && labels[y * zone.width + e] === l && !(inCoreRow && zone.x + e >= core.x && zone.x + e < core.x + core.width)) e++;
      spill.push([gy, gx, e - x, l]);
      x = e;
    }
  }
  const { data: previewData, ...previewRect } = result.preview;
  const meta: BlockMeta = {
    planId: result.planId,
    index: result.index,
    zone,
    core,
    count: result.count,
    uncertain: result.uncertain,
    tiles: result.tiles,
    spill,
    preview: previewRect,
  };
  const sections = [
    Buffer.from(JSON.stringify(meta)),
    Buffer.from(JSON.stringify(result.nuclei)),
    zlib.deflateSync(Buffer.from(coreLabels.buffer), { level: 1 }),
    zlib.deflateSync(Buffer.from(previewData.buffer, previewData.byteOffset, previewData.byteLength), { level: 1 }),
  ];
  const head = Buffer.alloc(8 + 4 * sections.length);
  head.write(MAGIC, 0, 'latin1');
  sections.forEach((s, i) => head.writeUInt32LE(s.length, 8 + 4 * i));
  await writeFileAtomic(file, Buffer.concat([head, ...sections]));
}

/** A block file's sections, undecoded; undefined when the file is not a whole block file (then the block is run again). */
function sectionsOf(buf: Buffer): Buffer[] | undefined {
  if (buf.length < 24 || buf.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const out: Buffer[] = [];
  let at = 24;
  for (let i = 0; i < 4; i++) {
    const len = buf.readUInt32LE(8 + 4 * i);
    if (at + len > buf.length) return undefined;
    out.push(buf.subarray(at, at + len));
    at += len;
  }
  return at === buf.length ? out : undefined;
}

/**
 * A finished block of this plan, or undefined (missing, another plan's, or not whole). Reads only
 * the header and the meta section: shards and merge ask this of every block.
 */
export function readBlockMeta(file: string, planId: string): BlockMeta | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(24);
    if (fs.readSync(fd, head, 0, 24, 0) < 24 || head.toString('latin1', 0, 8) !== MAGIC) return undefined;
    const lengths = [0, 1, 2, 3].map((i) => head.readUInt32LE(8 + 4 * i));
    if (24 + lengths.reduce((a, b) => a + b, 0) !== size) return undefined; // not whole
    const metaBytes = Buffer.alloc(lengths[0]);
    fs.readSync(fd, metaBytes, 0, lengths[0], 24);
    const meta = JSON.parse(metaBytes.toString()) as BlockMeta;
    return meta.planId === planId ? meta : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** A block's nuclei, its core labels and its preview pixels (the file is known whole: readBlockMeta said so). */
export function readBlockData(file: string): { nuclei: BlockNucleus[]; coreLabels: Int32Array; preview: Uint8Array } {
  const s = sectionsOf(fs.readFileSync(file))!;
  const labels = zlib.inflateSync(s[2]);
  const preview = zlib.inflateSync(s[3]);
  return {
    nuclei: JSON.parse(s[1].toString()) as BlockNucleus[],
    coreLabels: new Int32Array(labels.buffer.slice(labels.byteOffset, labels.byteOffset + labels.length)),
    preview: new Uint8Array(preview.buffer, preview.byteOffset, preview.length),
  };
}
