import sharp from 'sharp';
import { NucleiInputError, readImageRgb, type ReadImageOptions, type RgbImage } from '@nuclei/data';
import { DEFAULT_MAX_PIXELS, tooLargeError } from './segment';

/**
 * Reads an image to segment. The size is checked from the header first, so a huge image is
 * refused before its pixels are decoded (a 50,000 x 50,000 scan would otherwise take 7.5 GB).
 * Unreadable, non-image and empty files raise NucleiInputError naming the file.
 */
export async function readImageForSegmentation(path: string, maxPixels = DEFAULT_MAX_PIXELS, options: ReadImageOptions = {}): Promise<RgbImage> {
  let meta: { width?: number; height?: number } | undefined;
  try {
    // No pixel limit here: this call only reads the header, and we apply our own limit below.
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    meta = undefined; // let readImageRgb describe what is wrong with the file
  }
  if (meta?.width && meta.height && meta.width * meta.height > maxPixels) throw tooLargeError(path, meta.width, meta.height, maxPixels);
  const image = await readImageRgb(path, options);
  if (image.width === 0 || image.height === 0) throw new NucleiInputError(path, `image is empty (${image.width}x${image.height} pixels)`);
  return image;
}
