import * as fs from 'fs';
import sharp, { type Metadata } from 'sharp';
import { NucleiInputError, typedView, type Rect, type RgbImage } from '@nuclei/data';
import { openZarrImage } from './zarr-source';

/**
 * A slide read by region, never whole: tiled (pyramidal, BigTIFF, OME-) TIFF through libvips,
 * which decodes only the tiles a region touches; OME-Zarr chunk by chunk; PNG / JPEG as well
 * (decoded per region, fine for the sizes those formats hold).
 */
export interface SlideSource {
  path: string;
  width: number;
  height: number;
  /** 'uchar' for 8-bit files; otherwise the original samples travel as `RgbImage.source`. */
  depth: string;
  /** One channel (gray, or one channel picked), else RGB. */
  gray: boolean;
  /** A region as the model and the measurements take it: 8-bit RGB view, original samples for deeper files. */
  readRegion(r: Rect): Promise<RgbImage>;
  /**
   * A region shrunk by `step` (box means), where the format can do it faster than reading it whole
   * (libvips shrinks while it decodes); otherwise shrink.ts's readShrunk reads it in strips.
   */
  readShrunk?(r: Rect, step: number): Promise<RgbImage>;
}

export interface SourceOptions {
  /** The nuclear channel: a page of a multi-page TIFF, a channel of an OME-Zarr image, or a colour of an RGB image (read as gray). */
  channel?: number;
}

/** Opens a slide: an OME-Zarr folder, or any image file sharp reads. Errors name the file. */
export async function openSlideSource(path: string, options: SourceOptions = {}): Promise<SlideSource> {
  if (fs.existsSync(path) && fs.statSync(path).isDirectory()) return openZarrImage(path, options);
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new NucleiInputError(path, `cannot read as an image (${(e as Error).message})`);
  }
  const { width, height } = meta;
  if (!width || !height) throw new NucleiInputError(path, 'image is empty');
  const pages = meta.pages ?? 1;
  const colours = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0);
  const { channel } = options;
  const available = pages > 1 ? pages : colours;
  if (channel !== undefined && !(Number.isInteger(channel) && channel >= 0 && channel < available))
    throw new NucleiInputError(
      path,
      `channel ${channel} is out of range: the image has ${available} ${pages > 1 ? 'pages (channels)' : 'channels'} (0..${available - 1})`,
    );
  if (channel === undefined && pages > 1) console.warn(`warning: ${path}: ${pages} pages; using page 0 only (--channel N picks another)`);
  const page = pages > 1 ? (channel ?? 0) : 0;
  const pick = pages > 1 ? undefined : channel;
  const depth = meta.depth ?? 'uchar';
  const deep = depth !== 'uchar' && depth !== 'char';
  // Deep samples: the 8-bit view divides by the type's range (display only: the model and the
  // measurements use the original samples, normalised by the whole slide's percentiles).
  const range = { ushort: 65535, short: 32767, uint: 4294967295, int: 2147483647 }[depth as 'ushort'] ?? 1;
  const open = () => sharp(path, { limitInputPixels: false, failOn: 'truncated', page, sequentialRead: false });
  const read = async (r: Rect, step = 1): Promise<RgbImage> => {
    try {
      let pipeline = open().extract({ left: r.x, top: r.y, width: r.width, height: r.height }).removeAlpha();
      // Shrinking: libvips's box shrink (exact for whole steps) as it decodes.
      if (step > 1) pipeline = pipeline.resize(Math.ceil(r.width / step), Math.ceil(r.height / step), { fit: 'fill', kernel: 'linear' });
      if (!deep) {
        const { data, info } = await pipeline.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
        return pickChannel({ width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) }, pick);
      }
      if (depth === 'ushort') pipeline = pipeline.toColourspace(colours >= 3 ? 'rgb16' : 'grey16');
      const { data, info } = await pipeline.raw({ depth: depth as 'ushort' }).toBuffer({ resolveWithObject: true });
      return pickChannel(deepImage(typedView(data, depth), info.width, info.height, info.channels, range, depth), pick);
    } catch (e) {
      throw new NucleiInputError(
        path,
        `cannot read region ${r.x},${r.y} ${r.width}x${r.height}${step > 1 ? ` shrunk by ${step}` : ''} (${(e as Error).message})`,
      );
    }
  };
  return { path, width, height, depth: deep ? depth : 'uchar', gray: colours === 1 || pick !== undefined, readRegion: (r) => read(r), readShrunk: read };
}

/** An image from deep samples (`c` per pixel): 8-bit view values / range * 255, original values as `source` (1 or 3 channels). */
export function deepImage(values: ArrayLike<number>, width: number, height: number, c: number, range: number, depth: string): RgbImage {
  const n = width * height;
  const data = new Uint8Array(n * 3);
  const sc = c >= 3 ? 3 : 1;
  const source = new Float32Array(n * sc);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const v = values[i * c + Math.min(k, c - 1)];
      data[i * 3 + k] = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round((v / range) * 255))) : 0;
    }
    for (let k = 0; k < sc; k++) {
      const v = values[i * c + k];
      source[i * sc + k] = Number.isFinite(v) ? v : 0;
    }
  }
  return { width, height, data, source: { channels: sc, data: source, depth } };
}

/** One colour of an RGB image as gray (replicated), as `readImageRgb`'s `channel` does. */
function pickChannel(image: RgbImage, c: number | undefined): RgbImage {
  if (c === undefined) return image;
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

/** A crop of an image (and of its original samples). */
export function cropImage(image: RgbImage, at: { x: number; y: number }, r: Rect): RgbImage {
  const data = new Uint8Array(r.width * r.height * 3);
  const src = image.source;
  const sc = src?.channels ?? 0;
  const values = src ? new Float32Array(r.width * r.height * sc) : undefined;
  for (let y = 0; y < r.height; y++) {
    const from = (r.y - at.y + y) * image.width + (r.x - at.x);
    data.set(image.data.subarray(from * 3, (from + r.width) * 3), y * r.width * 3);
    if (values) values.set(src!.data.subarray(from * sc, (from + r.width) * sc), y * r.width * sc);
  }
  return { width: r.width, height: r.height, data, ...(src ? { source: { channels: sc, data: values!, depth: src.depth } } : {}) };
}
