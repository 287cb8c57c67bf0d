import { readTiffTags } from './tiff-tags';

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
  const tags = readTiffTags(path);
  if (!tags) return undefined;
  const { description, xResolution: xres, resolutionUnit } = tags;
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
  if (xres && (resolutionUnit === 2 || resolutionUnit === 3)) {
    const microns = (resolutionUnit === 3 ? 1e4 : 25400) / xres;
    if (microns <= MAX_MICRONS_FROM_RESOLUTION) return { microns, source: 'TIFF resolution' };
  }
  return undefined;
}
