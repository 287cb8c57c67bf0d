import { readFileSync } from 'fs';
import sharp, { type Metadata } from 'sharp';
import { NucleiInputError } from './errors';
import { decodeGray8Png, inflateGray8Png, type Gray8Png } from './png-gray8';
import type { BinaryMask, RgbImage } from './types';

/** Turns a sharp/libvips error into a short statement of what is wrong with the file. */
function describe(err: unknown, what: 'image' | 'mask' | 'label image'): string {
  const msg = err instanceof Error ? err.message : String(err);
  const detail = msg.split('\n')[0].replace(/[:\s]+$/, '');
  if (/ENOENT|Input file is missing/.test(msg)) return 'file not found';
  if (/unsupported image format|Input file contains unsupported/i.test(msg))
    return what === 'mask' ? 'not a PNG mask (unrecognised format)' : 'not an image (unsupported or unrecognised format)';
  if (/truncat|premature|end of (file|stream)|read error|unexpected end|corrupt/i.test(msg)) return `corrupt or truncated ${what} file (${detail})`;
  return `cannot decode ${what} (${detail})`;
}

export interface ReadImageOptions {
  /**
   * The nuclear channel, 0-based: the page of a multi-page file (ImageJ hyperstacks and OME-TIFF
   * store channels as pages), else the colour channel of an RGB image. It is read as gray.
   * Default: an RGB image as it is, page 0 of a multi-page file (with a warning).
   */
  channel?: number;
}

/**
 * Reads any image sharp understands as 8-bit RGB: alpha is dropped (DSB images are RGBA with
 * an opaque alpha), grayscale is replicated to 3 channels, 16-bit is scaled to 8-bit, palettes
 * are expanded; 16-bit and float data are scaled by their own range (see readStretched), and
 * `channel` picks one channel or page. Damaged or non-image files raise NucleiInputError naming the file.
 */
export async function readImageRgb(path: string, options: ReadImageOptions = {}): Promise<RgbImage> {
  let meta: Metadata;
  try {
    meta = await sharp(path, { failOn: 'truncated' }).metadata();
  } catch (err) {
    throw new NucleiInputError(path, describe(err, 'image'));
  }
  const pages = meta.pages ?? 1;
  const colours = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0);
  const { channel } = options;
  if (channel !== undefined) {
    const available = pages > 1 ? pages : colours;
    if (!Number.isInteger(channel) || channel < 0 || channel >= available) {
      throw new NucleiInputError(
        path,
        `channel ${channel} is out of range: the image has ${available} ${pages > 1 ? 'pages (channels)' : 'channels'} (0..${available - 1})`,
      );
    }
  } else if (pages > 1) {
    // Never silently wrong: say when the file holds more than the view uses.
    console.warn(`warning: ${path}: ${pages} pages; using page 0 only (--channel N picks another)`);
  }
  const page = pages > 1 ? (channel ?? 0) : 0;
  const pick = pages > 1 ? undefined : channel;
  const image = meta.depth && meta.depth !== 'uchar' && meta.depth !== 'char' ? await readStretched(path, meta, page) : await read8(path, page);
  return pick === undefined ? image : grayFrom(image, pick);
}

/** One channel of an RGB image as gray (replicated to three channels). */
function grayFrom(image: RgbImage, c: number): RgbImage {
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) out.fill(image.data[3 * i + c], 3 * i, 3 * i + 3);
  const src = image.source;
  if (!src) return { width: image.width, height: image.height, data: out };
  const values = new Float32Array(n);
  const k = Math.min(c, src.channels - 1);
  for (let i = 0; i < n; i++) values[i] = src.data[i * src.channels + k];
  return { width: image.width, height: image.height, data: out, source: { channels: 1, data: values, depth: src.depth } };
}

async function read8(path: string, page: number): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(path, { failOn: 'truncated', page })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new NucleiInputError(path, describe(err, 'image'));
  }
}

/**
 * 16-bit, 32-bit and float images, scaled to 8 bits without losing them: integer data that fills
 * its type is divided by the type's maximum (65535 -> 255, as sharp would); integer data that
 * uses fewer bits (12-bit cameras write 0..4095 into 16-bit files) is scaled by its own bit depth
 * instead of reading nearly black; float data in 0..1 is multiplied by 255, other float ranges are
 * stretched from their min..max. Whatever is not the plain type range is said in a warning.
 */
async function readStretched(path: string, meta: Metadata, page: number): Promise<RgbImage> {
  const depth = meta.depth!;
  try {
    let pipeline = sharp(path, { failOn: 'truncated', page }).removeAlpha();
    // Keep 16-bit values as they are (sharp's default sRGB step would rescale them).
    if (depth === 'ushort') pipeline = pipeline.toColourspace((meta.channels ?? 1) - (meta.hasAlpha ? 1 : 0) >= 3 ? 'rgb16' : 'grey16');
    const { data, info } = await pipeline.raw({ depth: depth as 'ushort' }).toBuffer({ resolveWithObject: true });
    const n = info.width * info.height;
    const c = info.channels;
    const values = typedView(data, depth);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (!Number.isFinite(lo)) lo = hi = 0;
    let offset = 0;
    let range: number;
    const typeBits = { ushort: 16, short: 15, uint: 32, int: 31 }[depth as 'ushort'];
    if (typeBits !== undefined) {
      const bits = Math.max(8, Math.ceil(Math.log2(Math.max(hi, 0) + 1)));
      range = bits < typeBits - 2 ? 2 ** bits - 1 : 2 ** typeBits - 1;
      if (bits < typeBits - 2) console.warn(`warning: ${path}: ${bits}-bit data in a ${depth} file (max ${hi}); scaled from 0..${range}`);
    } else if (lo >= 0 && hi <= 1) range = 1;
    else {
      offset = lo;
      range = hi > lo ? hi - lo : 1;
      console.warn(`warning: ${path}: ${depth} samples (range ${+lo.toPrecision(6)}..${+hi.toPrecision(6)}) stretched to 8 bits`);
    }
    const out = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) {
        const v = values[i * c + Math.min(k, c - 1)];
        out[i * 3 + k] = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round(((v - offset) / range) * 255))) : 0;
      }
    }
    // The original values travel with the 8-bit view (normalisation and measurements use them).
    const sc = c >= 3 ? 3 : 1;
    const source = new Float32Array(n * sc);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < sc; k++) {
        const v = values[i * c + k];
        source[i * sc + k] = Number.isFinite(v) ? v : 0;
      }
    return { width: info.width, height: info.height, data: out, source: { channels: sc, data: source, depth } };
  } catch (err) {
    throw new NucleiInputError(path, describe(err, 'image'));
  }
}

function typedView(buf: Buffer, depth: string): ArrayLike<number> {
  const b = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  switch (depth) {
    case 'ushort':
      return new Uint16Array(b);
    case 'short':
      return new Int16Array(b);
    case 'uint':
      return new Uint32Array(b);
    case 'int':
      return new Int32Array(b);
    case 'float':
      return new Float32Array(b);
    case 'double':
      return new Float64Array(b);
    default:
      throw new Error(`unsupported sample format ${depth}`);
  }
}

function binarize(values: Uint8Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] > 0 ? 1 : 0;
  return out;
}

/**
 * Synchronous fast path used by the dataset loader for the 8-bit gray PNGs DSB ships: returns the
 * raw gray values (not binarized, so callers can fuse the union/labelling into one pass), or
 * `null` when the file needs sharp (other formats, or damage that sharp should describe).
 */
export function readGray8PngSync(path: string): { width: number; height: number; data: Uint8Array } | null {
  try {
    return decodeGray8Png(readFileSync(path));
  } catch {
    return null;
  }
}

/** Inflated 8-bit gray PNG for row-wise decoding, or `null` when sharp must handle the file. */
export function inflateGray8PngSync(path: string): Gray8Png | null {
  try {
    return inflateGray8Png(readFileSync(path));
  } catch {
    return null;
  }
}

/** Any-format mask read through sharp, as gray values (first channel after alpha removal). */
export async function readGrayWithSharp(path: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  try {
    const { data, info } = await sharp(path, { failOn: 'truncated' })
      .removeAlpha()
      .extractChannel(0)
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new NucleiInputError(path, describe(err, 'mask'));
  }
}

/** Reads one nucleus mask PNG as 0|1 (any non-zero pixel is inside: DSB masks are 0/255). */
export async function readMaskPng(path: string): Promise<BinaryMask> {
  const gray = readGray8PngSync(path) ?? (await readGrayWithSharp(path));
  return { width: gray.width, height: gray.height, data: binarize(gray.data) };
}

/**
 * A label image (one integer id per nucleus, 0 = background: Cellpose's `_masks`, napari's and
 * this tool's `_labels`), 8-, 16- or 32-bit, one channel, relabelled 1..n in order of first
 * appearance (row-major) so ids are consecutive whatever the file used.
 */
export async function readLabelImage(path: string): Promise<{ width: number; height: number; labels: Int32Array; count: number }> {
  let meta: Metadata;
  try {
    meta = await sharp(path, { failOn: 'truncated' }).metadata();
  } catch (err) {
    throw new NucleiInputError(path, describe(err, 'label image'));
  }
  const colours = (meta.channels ?? 1) - (meta.hasAlpha ? 1 : 0);
  if (colours !== 1) throw new NucleiInputError(path, `a label image must have one channel (an id per pixel), this one has ${colours}`);
  if ((meta.pages ?? 1) > 1) throw new NucleiInputError(path, `a label image must be 2D, this one has ${meta.pages} pages`);
  const depth = meta.depth ?? 'uchar';
  let values: ArrayLike<number>;
  let width: number;
  let height: number;
  try {
    let pipeline = sharp(path, { failOn: 'truncated' }).removeAlpha();
    if (depth === 'ushort') pipeline = pipeline.toColourspace('grey16');
    const { data, info } = await pipeline
      .extractChannel(0)
      .raw({ depth: depth as 'uchar' })
      .toBuffer({ resolveWithObject: true });
    values = depth === 'uchar' || depth === 'char' ? new Uint8Array(data.buffer, data.byteOffset, data.length) : typedView(data, depth);
    ({ width, height } = info);
  } catch (err) {
    throw new NucleiInputError(path, describe(err, 'label image'));
  }
  const ids = new Map<number, number>();
  const labels = new Int32Array(width * height);
  for (let i = 0; i < labels.length; i++) {
    const v = values[i];
    if (v === 0) continue;
    if (!Number.isInteger(v) || v < 0) throw new NucleiInputError(path, `a label image holds non-negative integer ids, found ${v}`);
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = ids.size + 1));
    labels[i] = id;
  }
  return { width, height, labels, count: ids.size };
}
