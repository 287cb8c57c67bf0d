import { closeSync, openSync, readSync } from 'fs';
import { NucleiInputError } from './errors';

/** The first image's tags that say what a TIFF holds (channels, planes, pixel size). */
export interface TiffTags {
  /** ImageDescription (270): OME-XML or ImageJ's `ImageJ=...` block. */
  description: string;
  /** SamplesPerPixel (277), default 1. */
  samplesPerPixel: number;
  /** ExtraSamples (338): 0 unspecified data, 1 associated alpha, 2 unassociated alpha. */
  extraSamples: number[];
  /** PhotometricInterpretation (262): 0/1 gray, 2 RGB, 3 palette, ... */
  photometric?: number;
  /** XResolution (282), pixels per ResolutionUnit. */
  xResolution?: number;
  /** ResolutionUnit (296), default 2 (inch). */
  resolutionUnit: number;
  /** ImageJ's slice labels (IJMetadata 'labl'), one per page, or none. */
  sliceLabels: string[];
}

/**
 * Reads the first IFD's tags of a TIFF (classic or BigTIFF), or undefined when the file is not a
 * TIFF. Only the header and the tags are read, never the pixels. A damaged header raises
 * NucleiInputError naming the file.
 */
export function readTiffTags(path: string): TiffTags | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new NucleiInputError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read (${(e as Error).message})`);
  }
  try {
    const read = (offset: number, length: number): Buffer => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      if (n < length) throw new NucleiInputError(path, `truncated TIFF header (wanted ${length} bytes at ${offset})`);
      return buf;
    };
    const head = Buffer.alloc(16);
    if (readSync(fd, head, 0, 16, 0) < 8) return undefined;
    const order = head.toString('latin1', 0, 2);
    if (order !== 'II' && order !== 'MM') return undefined;
    const le = order === 'II';
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u64 = (b: Buffer, o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    const magic = u16(head, 2);
    if (magic !== 42 && magic !== 43) return undefined;
    const big = magic === 43;
    const ifd = big ? u64(head, 8) : u32(head, 4);
    const entries = big ? u64(read(ifd, 8), 0) : u16(read(ifd, 2), 0);
    const size = big ? 20 : 12;
    const table = read(ifd + (big ? 8 : 2), entries * size);
    const tags = new Map<number, { type: number; count: number; at: number; inline: Buffer }>();
    for (let i = 0; i < entries; i++) {
      const o = i * size;
      const count = big ? u64(table, o + 4) : u32(table, o + 4);
      const inline = table.subarray(o + (big ? 12 : 8), o + size);
      tags.set(u16(table, o), { type: u16(table, o + 2), count, at: big ? u64(inline, 0) : u32(inline, 0), inline });
    }
    const WIDTH: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 16: 8 };
    const bytesOf = (tag: number): Buffer | undefined => {
      const t = tags.get(tag);
      if (!t) return undefined;
      const length = t.count * (WIDTH[t.type] ?? 1);
      return length <= t.inline.length ? t.inline.subarray(0, length) : read(t.at, length);
    };
    /** SHORT or LONG values. */
    const ints = (tag: number): number[] => {
      const b = bytesOf(tag);
      const t = tags.get(tag);
      if (!b || !t) return [];
      const w = WIDTH[t.type] ?? 1;
      return Array.from({ length: t.count }, (_, k) => (w === 2 ? u16(b, 2 * k) : w === 4 ? u32(b, 4 * k) : w === 8 ? u64(b, 8 * k) : b[k]));
    };
    const rational = (tag: number) => {
      const b = tags.get(tag)?.type === 5 ? bytesOf(tag) : undefined;
      return b && u32(b, 4) ? u32(b, 0) / u32(b, 4) : undefined;
    };
    return {
      description: bytesOf(270)?.toString('utf8').replace(/\0+$/, '') ?? '',
      samplesPerPixel: ints(277)[0] ?? 1,
      extraSamples: ints(338),
      photometric: ints(262)[0],
      xResolution: rational(282),
      resolutionUnit: ints(296)[0] ?? 2,
      sliceLabels: imagejLabels(ints(50838), bytesOf(50839)),
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * ImageJ's slice labels from its IJMetadata tags: a header (magic, then a type and a count per
 * kind of entry) and the entries, whose byte counts IJMetadataByteCounts lists. ImageJ writes it
 * big-endian ('IJIJ', 'labl'); tifffile's little-endian files reverse them ('JIJI', 'lbal'). Labels
 * are UTF-16 in that byte order.
 */
function imagejLabels(counts: number[], data: Buffer | undefined): string[] {
  const magic = data?.toString('latin1', 0, 4);
  if (!data || counts.length < 2 || (magic !== 'IJIJ' && magic !== 'JIJI')) return [];
  const big = magic === 'IJIJ';
  const kinds: { type: string; count: number }[] = [];
  for (let o = 4; o + 8 <= counts[0]; o += 8)
    kinds.push({ type: data.toString('latin1', o, o + 4), count: big ? data.readUInt32BE(o + 4) : data.readUInt32LE(o + 4) });
  let at = counts[0];
  let entry = 1;
  const labels: string[] = [];
  for (const kind of kinds) {
    for (let k = 0; k < kind.count && entry < counts.length; k++, entry++) {
      const bytes = Buffer.from(data.subarray(at, at + counts[entry]));
      at += counts[entry];
      if (kind.type === (big ? 'labl' : 'lbal')) labels.push((big ? bytes.swap16() : bytes).toString('utf16le'));
    }
  }
  return labels;
}
