import sharp, { type Metadata } from 'sharp';
import { NucleiInputError } from './errors';
import { describeDecodeError } from './decode-error';
import { readTiffTags, type TiffTags } from './tiff-tags';

/** One channel of an image: its index (0-based, what `--channel` takes) and its name when the file gives one. */
export interface ImageChannel {
  index: number;
  name?: string;
}

/**
 * What an image holds besides x and y: channels (C), planes (Z) and frames (T), and where the file
 * keeps each (C, Z, T) image: a page of a multi-page TIFF and a sample of its pixels.
 */
export interface ImageAxes {
  width: number;
  height: number;
  channels: ImageChannel[];
  /** Z planes (1 = not a stack). */
  planes: number;
  /** Time points (1 = not a series). */
  frames: number;
  /**
   * The channels are the red, green and blue of one colour image (an RGB TIFF, a colour PNG or
   * JPEG): the model takes them together unless one is chosen, as Cellpose and QuPath do.
   */
  rgb: boolean;
  /**
   * What said so: 'OME-XML', 'ImageJ' (its description), 'pages' (a multi-page file that says
   * nothing: gray TIFF pages are channels, RGB TIFF pages Z planes, other formats' pages frames),
   * 'file' (one plane).
   */
  source: 'OME-XML' | 'ImageJ' | 'pages' | 'file';
  /** Samples per pixel of a page that are data, not alpha. */
  samples: number;
  /** Page index = c' * stride.c + z * stride.z + t * stride.t, with c' = floor(channel / samples). */
  stride: { c: number; z: number; t: number };
  /** Pages in the file. */
  pages: number;
}

/** Where one (channel, plane, frame) image is: its page and, for interleaved samples, the sample. */
export function locate(axes: ImageAxes, channel: number, z: number, t: number): { page: number; sample: number } {
  const c = Math.floor(channel / axes.samples);
  return { page: c * axes.stride.c + z * axes.stride.z + t * axes.stride.t, sample: channel % axes.samples };
}

/** The channel's name, or `ch<index>` when the file names none (the index `--channel` takes). */
export function channelLabel(c: ImageChannel): string {
  return c.name ?? `ch${c.index}`;
}

/**
 * Describes an image's channels, Z planes and time frames, with channel names, from (in order)
 * OME-XML in a TIFF's description, ImageJ's hyperstack description (`channels=`, `slices=`,
 * `frames=`; pages in CZT order, slice labels as names), the samples of each pixel (alpha only
 * when ExtraSamples says so) and plain RGB. A multi-page TIFF that says nothing about its pages
 * has them as channels (as the viewer and `--channel` always read them). Only the header is read.
 */
export async function describeImageAxes(path: string): Promise<ImageAxes> {
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new NucleiInputError(path, describeDecodeError(err, 'image'));
  }
  return axesOf(path, meta);
}

/** describeImageAxes for a file whose sharp metadata is already read. */
export function axesOf(path: string, meta: Metadata): ImageAxes {
  const tags = meta.format === 'tiff' ? readTiffTags(path) : undefined;
  const pages = meta.pages ?? 1;
  const { samples, rgb } = samplesOf(meta, tags);
  const base = { width: meta.width ?? 0, height: meta.height ?? 0, rgb, samples, pages };
  const colourNames = rgb ? ['red', 'green', 'blue'] : [];
  const plain = (pageChannels: number, planes: number, frames: number, source: ImageAxes['source'], names: (string | undefined)[] = []): ImageAxes => ({
    ...base,
    channels: Array.from({ length: pageChannels * samples }, (_, index) => {
      const name = names[index] || colourNames[index];
      return name ? { index, name } : { index };
    }),
    planes,
    frames,
    source,
    stride: { c: 1, z: pageChannels, t: pageChannels * planes },
  });
  const description = tags?.description ?? '';
  const ome = omeAxes(description, samples, pages);
  if (ome) {
    const names = ome.names.length === ome.sizeC ? ome.names : [];
    const axes = plain(ome.sizeC / samples, ome.sizeZ, ome.sizeT, 'OME-XML', names);
    return { ...axes, stride: ome.stride };
  }
  if (description.startsWith('ImageJ=')) {
    const key = (k: string) => Number(new RegExp(`^${k}=(\\d+)`, 'm').exec(description)?.[1] ?? NaN);
    const c = key('channels') || 1;
    const t = key('frames') || 1;
    // A stack without channels= or frames= is ImageJ's plain stack of slices (Z).
    const z = key('slices') || Math.max(1, Math.floor(pages / (c * t)));
    if (c * z * t === pages) {
      const labels = tags?.sliceLabels ?? [];
      const names = samples === 1 ? Array.from({ length: c }, (_, i) => labels[i]?.split('\n')[0].trim() || undefined) : [];
      return plain(c, z, t, 'ImageJ', names);
    }
  }
  // A TIFF of several gray pages that says nothing about them: pages are channels (as `--channel`
  // always read them); RGB pages are Z planes (as ImageJ opens them). Other formats' pages (GIF,
  // WebP animations) are frames.
  if (pages > 1) return meta.format !== 'tiff' ? plain(1, 1, pages, 'pages') : rgb ? plain(1, pages, 1, 'pages') : plain(pages, 1, 1, 'pages');
  return plain(1, 1, 1, 'file');
}

/** Data samples per pixel (alpha left out) and whether they are RGB. */
function samplesOf(meta: Metadata, tags: TiffTags | undefined): { samples: number; rgb: boolean } {
  if (tags) {
    // Associated (1) and unassociated (2) alpha are transparency; unspecified (0) extra samples are data.
    const alpha = tags.extraSamples.filter((v) => v === 1 || v === 2).length;
    const data = Math.max(1, tags.samplesPerPixel - alpha);
    // sharp reads palette and YCbCr images as RGB: those are colour images too.
    if (tags.photometric === 2 || tags.photometric === 3 || tags.photometric === 6) return { samples: 3, rgb: true };
    return { samples: data, rgb: false };
  }
  const colours = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0);
  return colours >= 3 ? { samples: 3, rgb: true } : { samples: 1, rgb: false };
}

/** SizeC, SizeZ, SizeT, channel names and page strides from OME-XML, when its plane count matches the pages. */
function omeAxes(
  description: string,
  samples: number,
  pages: number,
): { sizeC: number; sizeZ: number; sizeT: number; names: string[]; stride: ImageAxes['stride'] } | undefined {
  const pixels = /<(?:\w+:)?Pixels\b[^>]*>/.exec(description)?.[0];
  if (!pixels) return undefined;
  const attr = (tag: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
  const sizeC = Number(attr(pixels, 'SizeC') ?? 1);
  const sizeZ = Number(attr(pixels, 'SizeZ') ?? 1);
  const sizeT = Number(attr(pixels, 'SizeT') ?? 1);
  const order = attr(pixels, 'DimensionOrder') ?? 'XYCZT';
  if (!(sizeC >= 1 && sizeZ >= 1 && sizeT >= 1) || sizeC % samples !== 0 || !/^XY[CZT]{3}$/.test(order)) return undefined;
  const pageC = sizeC / samples;
  // Files that keep planes in other files (multi-file OME datasets) or in sub-IFDs: not described here.
  if (pageC * sizeZ * sizeT !== pages) return undefined;
  const size: Record<string, number> = { C: pageC, Z: sizeZ, T: sizeT };
  const stride: Record<string, number> = {};
  let step = 1;
  for (const d of order.slice(2)) {
    stride[d] = step;
    step *= size[d];
  }
  // Channel elements in order; one with SamplesPerPixel > 1 stands for that many channels.
  const names: string[] = [];
  for (const m of description.matchAll(/<(?:\w+:)?Channel\b[^>]*>/g)) {
    const name = attr(m[0], 'Name');
    const n = Number(attr(m[0], 'SamplesPerPixel') ?? 1) || 1;
    for (let k = 0; k < n; k++) names.push(name !== undefined && n > 1 ? `${name}_${k}` : (name ?? ''));
  }
  return { sizeC, sizeZ, sizeT, names: names.map((n) => xmlText(n)), stride: { c: stride.C, z: stride.Z, t: stride.T } };
}

function xmlText(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
