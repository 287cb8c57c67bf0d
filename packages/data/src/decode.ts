import { readFileSync } from 'fs';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { NucleiInputError } from './errors';
import { axesOf, channelLabel, locate, type ImageAxes } from './axes';
import { describeDecodeError } from './decode-error';
import { decodeGray8Png, inflateGray8Png, type Gray8Png } from './png-gray8';
import type { BinaryMask, RgbImage } from './types';

export interface ReadImageOptions {
  /**
   * The channel to read, 0-based, as describeImageAxes lists them (OME-TIFF and ImageJ channels,
   * interleaved samples, the colours of an RGB image). It is read as gray. Default: an RGB image
   * as it is; channel 0 of an image with several (with a warning).
   */
  channel?: number;
  /** The Z plane (0-based) or a projection of all planes. Default plane 0 (with a warning when there are more). */
  z?: number | 'max' | 'mean';
  /** The time frame (0-based). Default 0 (with a warning when there are more). */
  t?: number;
}

/** Checks channel, z and t against the image's axes; an error names the file and the range. */
export function checkPlaneOptions(path: string, axes: ImageAxes, options: ReadImageOptions): void {
  const { channel, z, t } = options;
  const n = axes.channels.length;
  if (channel !== undefined && (!Number.isInteger(channel) || channel < 0 || channel >= n))
    throw new NucleiInputError(path, `channel ${channel} is out of range: the image has ${n} ${n === 1 ? 'channel' : 'channels'} (0..${n - 1})`);
  if (z !== undefined && z !== 'max' && z !== 'mean' && (!Number.isInteger(z) || z < 0 || z >= axes.planes))
    throw new NucleiInputError(
      path,
      `plane ${z} is out of range: the image has ${axes.planes} Z ${axes.planes === 1 ? 'plane' : 'planes'} (0..${axes.planes - 1})`,
    );
  if (t !== undefined && (!Number.isInteger(t) || t < 0 || t >= axes.frames))
    throw new NucleiInputError(
      path,
      `frame ${t} is out of range: the image has ${axes.frames} time ${axes.frames === 1 ? 'frame' : 'frames'} (0..${axes.frames - 1})`,
    );
}

async function metadataOf(path: string): Promise<Metadata> {
  try {
    return await sharp(path, { failOn: 'truncated' }).metadata();
  } catch (err) {
    throw new NucleiInputError(path, describeDecodeError(err, 'image'));
  }
}

/**
 * Reads any image sharp understands as 8-bit RGB: alpha is dropped (DSB images are RGBA with
 * an opaque alpha), grayscale is replicated to 3 channels, 16-bit is scaled to 8-bit, palettes
 * are expanded; 16-bit and float data are scaled by their own range (see fromSamples).
 * `channel` picks one channel (read as gray), `z` and `t` one plane or a Z projection (see
 * describeImageAxes for what the channels and planes of a file are). Damaged or non-image files
 * raise NucleiInputError naming the file.
 */
export async function readImageRgb(path: string, options: ReadImageOptions = {}): Promise<RgbImage> {
  const meta = await metadataOf(path);
  const axes = axesOf(path, meta);
  checkPlaneOptions(path, axes, options);
  const { z, t = 0 } = options;
  let channel = options.channel;
  // Never silently wrong: say when the file holds more than is read.
  if (channel === undefined && axes.channels.length > 1 && !axes.rgb) {
    console.warn(`warning: ${path}: ${axes.channels.length} channels; using channel 0 (${channelLabel(axes.channels[0])}) only (--channel N picks another)`);
    channel = 0;
  }
  if (z === undefined && axes.planes > 1) console.warn(`warning: ${path}: ${axes.planes} Z planes; using plane 0 only (--z N|max|mean picks another)`);
  if (options.t === undefined && axes.frames > 1) console.warn(`warning: ${path}: ${axes.frames} time frames; using frame 0 only`);
  const depth = meta.depth ?? 'uchar';
  const planes = z === 'max' || z === 'mean' ? Array.from({ length: axes.planes }, (_, k) => k) : [z ?? 0];
  // One plane as a whole (gray or RGB): read as always.
  if (planes.length === 1 && (channel === undefined || (axes.channels.length === 1 && !axes.rgb))) {
    const { page } = locate(axes, 0, planes[0], t);
    return depth !== 'uchar' && depth !== 'char' ? readStretched(path, meta, page) : read8(path, page);
  }
  const bands = channel === undefined ? [0, 1, 2] : [channel];
  const read = await Promise.all(bands.map((c) => readPlaneValues(path, axes, depth, c, planes, z === 'mean', t)));
  const { width, height } = read[0];
  const values = read.length === 1 ? read[0].values : interleave(read.map((r) => r.values));
  return fromSamples(path, values, bands.length, depth, width, height);
}

/** One channel's values of one plane, or the max or mean of several planes. */
async function readPlaneValues(
  path: string,
  axes: ImageAxes,
  depth: string,
  channel: number,
  planes: number[],
  mean: boolean,
  t: number,
): Promise<{ width: number; height: number; values: ArrayLike<number> }> {
  let acc: Float64Array | undefined;
  let size = { width: 0, height: 0 };
  for (const z of planes) {
    const { page, sample } = locate(axes, channel, z, t);
    const one = await readSample(path, page, sample, axes.rgb, depth);
    if (planes.length === 1) return one;
    size = one;
    const v = one.values;
    if (!acc) acc = Float64Array.from(v);
    else if (mean) for (let i = 0; i < v.length; i++) acc[i] += v[i];
    else for (let i = 0; i < v.length; i++) if (v[i] > acc[i]) acc[i] = v[i];
  }
  if (mean) for (let i = 0; i < acc!.length; i++) acc![i] /= planes.length;
  return { ...size, values: acc! };
}

/** One sample (channel) of one page, as the file stores it (sharp would otherwise convert it to sRGB). */
async function readSample(
  path: string,
  page: number,
  sample: number,
  rgb: boolean,
  depth: string,
): Promise<{ width: number; height: number; values: ArrayLike<number> }> {
  try {
    let pipeline = sharp(path, { failOn: 'truncated', page });
    // sharp converts the colourspace before it extracts a channel: RGB stays RGB, anything else
    // stays one gray band per sample (alpha included: the axes say which samples are data).
    pipeline = rgb
      ? pipeline
          .removeAlpha()
          .toColourspace(depth === 'ushort' ? 'rgb16' : 'srgb')
          .extractChannel(sample as 0)
      : pipeline.extractChannel(sample as 0).toColourspace(depth === 'ushort' ? 'grey16' : 'b-w');
    const { data, info } = await pipeline.raw({ depth: depth as 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) throw new Error(`unexpected channel count ${info.channels}`);
    const values =
      depth === 'uchar'
        ? new Uint8Array(data.buffer, data.byteOffset, data.length)
        : depth === 'char'
          ? new Int8Array(data.buffer, data.byteOffset, data.length)
          : typedView(data, depth);
    return { width: info.width, height: info.height, values };
  } catch (err) {
    throw new NucleiInputError(path, describeDecodeError(err, 'image'));
  }
}

function interleave(arrays: ArrayLike<number>[]): Float64Array {
  const n = arrays[0].length;
  const out = new Float64Array(n * arrays.length);
  arrays.forEach((a, k) => {
    for (let i = 0; i < n; i++) out[i * arrays.length + k] = a[i];
  });
  return out;
}

/** One channel of every channel of a plane (or projection), for intensity measurements. */
export interface IntensityChannel {
  /** The channel's name, or `ch<index>` (see channelLabel). */
  name: string;
  /** `height*width` original values (16-bit and float files keep theirs). */
  values: ArrayLike<number>;
}

/**
 * Every channel of one plane (or of a Z projection) with its name: what measurements report per
 * nucleus. An RGB image whose colours are equal everywhere (gray saved as RGB, as DSB's images)
 * is one channel.
 */
export async function readAllChannels(path: string, options: Omit<ReadImageOptions, 'channel'> = {}): Promise<IntensityChannel[]> {
  const meta = await metadataOf(path);
  const axes = axesOf(path, meta);
  checkPlaneOptions(path, axes, options);
  const { z, t = 0 } = options;
  const planes = z === 'max' || z === 'mean' ? Array.from({ length: axes.planes }, (_, k) => k) : [z ?? 0];
  const depth = meta.depth ?? 'uchar';
  const out: IntensityChannel[] = [];
  for (const c of axes.channels)
    out.push({ name: channelLabel(c), values: (await readPlaneValues(path, axes, depth, c.index, planes, z === 'mean', t)).values });
  return axes.rgb ? oneIfGray(out) : out;
}

/** Three equal colour channels are one gray channel. */
function oneIfGray(rgb: IntensityChannel[]): IntensityChannel[] {
  return rgb.length === 3 && sameValues(rgb[0].values, rgb[1].values) && sameValues(rgb[0].values, rgb[2].values)
    ? [{ name: 'ch0', values: rgb[0].values }]
    : rgb;
}

/**
 * The intensity channels of an image already read (its original values when it has them, else
 * the 8-bit view): one gray channel, or red, green and blue (one when they are equal everywhere).
 * readAllChannels gives every channel of a file, named; this is for an image in memory.
 */
export function intensityChannelsOf(image: RgbImage): IntensityChannel[] {
  const n = image.width * image.height;
  const { data, channels } = image.source ?? { data: image.data, channels: 3 };
  if (channels === 1) return [{ name: 'ch0', values: data }];
  // Gray (equal colours everywhere, as most fluorescence) is told from the interleaved samples,
  // so one band is made, not three compared.
  if (channels === 3 && isGray(data, n)) return [{ name: 'ch0', values: bandOf(data, 3, 0, n) }];
  return oneIfGray(['red', 'green', 'blue'].map((name, k) => ({ name, values: bandOf(data, channels, k, n) })));
}

/** Channel `k` of `n` interleaved pixels (a plain loop: Float32Array.from with a mapping function takes seconds on a mosaic). */
function bandOf(data: ArrayLike<number>, channels: number, k: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0, j = k; i < n; i++, j += channels) out[i] = data[j];
  return out;
}

/** Whether every pixel of interleaved RGB has equal colours. */
function isGray(data: ArrayLike<number>, n: number): boolean {
  for (let j = 0; j < 3 * n; j += 3) if (data[j] !== data[j + 1] || data[j] !== data[j + 2]) return false;
  return true;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
    throw new NucleiInputError(path, describeDecodeError(err, 'image'));
  }
}

/** A 16-bit, 32-bit or float page, gray or RGB, through fromSamples. */
async function readStretched(path: string, meta: Metadata, page: number): Promise<RgbImage> {
  const depth = meta.depth!;
  let read: { data: Buffer; info: OutputInfo };
  try {
    let pipeline = sharp(path, { failOn: 'truncated', page }).removeAlpha();
    // Keep 16-bit values as they are (sharp's default sRGB step would rescale them).
    if (depth === 'ushort') pipeline = pipeline.toColourspace((meta.channels ?? 1) - (meta.hasAlpha ? 1 : 0) >= 3 ? 'rgb16' : 'grey16');
    read = await pipeline.raw({ depth: depth as 'ushort' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new NucleiInputError(path, describeDecodeError(err, 'image'));
  }
  const { data, info } = read;
  return fromSamples(path, typedView(data, depth), info.channels, depth, info.width, info.height);
}

/**
 * An image from its samples (`c` per pixel; the first three, or the one, are used), as the 8-bit
 * view and, for anything but whole 8-bit values, the original values beside it. 8-bit values are
 * the view as they are. Integer data that fills its type is divided by the type's maximum
 * (65535 -> 255, as sharp would); integer data that uses fewer bits (12-bit cameras write 0..4095
 * into 16-bit files) is scaled by its own bit depth instead of reading nearly black; float data in
 * 0..1 is multiplied by 255, other float ranges are stretched from their min..max. Whatever is not
 * the plain type range is said in a warning.
 */
function fromSamples(path: string, values: ArrayLike<number>, c: number, depth: string, width: number, height: number): RgbImage {
  const n = width * height;
  const sc = c >= 3 ? 3 : 1;
  const eight = depth === 'uchar' || depth === 'char';
  let lo = Infinity;
  let hi = -Infinity;
  let whole = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (whole && v !== Math.round(v)) whole = false;
    }
  }
  if (!Number.isFinite(lo)) lo = hi = 0;
  let offset = 0;
  let range: number;
  const typeBits = { ushort: 16, short: 15, uint: 32, int: 31 }[depth as 'ushort'];
  if (eight) range = 255;
  else if (typeBits !== undefined) {
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
  // 8-bit values are their own view; anything else travels with it (normalisation and measurements use it).
  if (eight && whole) return { width, height, data: out };
  const source = new Float32Array(n * sc);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < sc; k++) {
      const v = values[i * c + k];
      source[i * sc + k] = Number.isFinite(v) ? v : 0;
    }
  return { width, height, data: out, source: { channels: sc, data: source, depth } };
}

/** The samples of a raw buffer of sharp's sample format `depth` ('ushort', 'float', ...). */
export function typedView(buf: Buffer, depth: string): ArrayLike<number> {
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
    throw new NucleiInputError(path, describeDecodeError(err, 'mask'));
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
    throw new NucleiInputError(path, describeDecodeError(err, 'label image'));
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
    throw new NucleiInputError(path, describeDecodeError(err, 'label image'));
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
