import { closeSync, openSync, readSync } from 'fs';
import { NucleiInputError } from './errors';

/** The physical size of a pixel found in an image file. */
export interface PixelSize {
  /** Microns per pixel (horizontal; microscopy pixels are square in practice). */
  microns: number;
  /** Where it came from, for the message that says it is used. */
  source: 'OME-XML' | 'ImageJ' | 'TIFF resolution';
}

const MICRONS_PER_UNIT: Record<string, number> = {
  nm: 1e-3,
  nanometer: 1e-3,
  um: 1,
  µm: 1,
  '\u03bcm': 1,
  micron: 1,
  microns: 1,
  micrometer: 1,
  mm: 1e3,
  millimeter: 1e3,
  cm: 1e4,
  m: 1e6,
};

/** TIFF resolution tags larger than this are screen or print defaults (72-300 dpi), not microscopy. */
const MAX_MICRONS_FROM_RESOLUTION = 50;

/**
 * The pixel size a TIFF records, or undefined (other formats, or none recorded). Read from the
 * first image's tags, in this order: OME-XML `PhysicalSizeX` (with its unit, microns by default);
 * ImageJ's description (`unit=micron` etc.) with XResolution as pixels per unit; plain
 * XResolution in pixels per cm or inch when that gives at most 50 um per pixel. Only the header
 * and the tags are read, never the pixels. A damaged TIFF header raises NucleiInputError.
 */
export function readPixelSize(path: string): PixelSize | undefined {
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
    const bytesOf = (tag: number, width: number): Buffer | undefined => {
      const t = tags.get(tag);
      if (!t) return undefined;
      const length = t.count * width;
      return length <= t.inline.length ? t.inline.subarray(0, length) : read(t.at, length);
    };
    const text = (tag: number) => bytesOf(tag, 1)?.toString('utf8').replace(/\0+$/, '');
    const rational = (tag: number) => {
      const b = tags.get(tag)?.type === 5 ? bytesOf(tag, 8) : undefined;
      return b && u32(b, 4) ? u32(b, 0) / u32(b, 4) : undefined;
    };
    const description = text(270) ?? '';
    const xres = rational(282);

    const ome = /<Pixels\b[^>]*>/.exec(description)?.[0];
    if (ome) {
      const value = Number(/PhysicalSizeX="([^"]+)"/.exec(ome)?.[1]);
      const unit = /PhysicalSizeXUnit="([^"]+)"/.exec(ome)?.[1] ?? 'µm';
      if (value > 0 && MICRONS_PER_UNIT[unit]) return { microns: value * MICRONS_PER_UNIT[unit], source: 'OME-XML' };
    }
    if (description.startsWith('ImageJ=')) {
      const unit = /^unit=(.+)$/m
        .exec(description)?.[1]
        .trim()
        .replace(/\\u00B5/i, 'µ');
      if (unit && MICRONS_PER_UNIT[unit] && xres) return { microns: MICRONS_PER_UNIT[unit] / xres, source: 'ImageJ' };
      return undefined;
    }
    const unitTag = bytesOf(296, 2);
    const resolutionUnit = unitTag ? u16(unitTag, 0) : 2;
    if (xres && (resolutionUnit === 2 || resolutionUnit === 3)) {
      const microns = (resolutionUnit === 3 ? 1e4 : 25400) / xres;
      if (microns <= MAX_MICRONS_FROM_RESOLUTION) return { microns, source: 'TIFF resolution' };
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}
