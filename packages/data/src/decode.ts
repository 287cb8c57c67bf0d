import { readFileSync } from 'fs';
import sharp from 'sharp';
import { NucleiInputError } from './errors';
import { decodeGray8Png, inflateGray8Png, type Gray8Png } from './png-gray8';
import type { BinaryMask, RgbImage } from './types';

/** Turns a sharp/libvips error into a short statement of what is wrong with the file. */
function describe(err: unknown, what: 'image' | 'mask'): string {
  const msg = err instanceof Error ? err.message : String(err);
  const detail = msg.split('\n')[0].replace(/[:\s]+$/, '');
  if (/ENOENT|Input file is missing/.test(msg)) return 'file not found';
  if (/unsupported image format|Input file contains unsupported/i.test(msg)) return what === 'mask' ? 'not a PNG mask (unrecognised format)' : 'not an image (unsupported or unrecognised format)';
  if (/truncat|premature|end of (file|stream)|read error|unexpected end|corrupt/i.test(msg)) return `corrupt or truncated ${what} file (${detail})`;
  return `cannot decode ${what} (${detail})`;
}

/**
 * Reads any image sharp understands as 8-bit RGB: alpha is dropped (DSB images are RGBA with
 * an opaque alpha), grayscale is replicated to 3 channels, 16-bit is scaled to 8-bit, palettes
 * are expanded. Damaged or non-image files raise NucleiInputError naming the file.
 */
export async function readImageRgb(path: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(path, { failOn: 'truncated' })
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
