import { CliError } from '../cli-error';

export const MEASURE_FLAGS = {
  'min-area': { type: 'string' },
  'max-area': { type: 'string' },
  'exclude-edges': { type: 'boolean' },
  ring: { type: 'string' },
} as const;

export const MEASURE_HELP = `  --min-area N[um2]    drop nuclei smaller than N pixels, or N square microns with um2 (default: the
                       model's, else 0 = keep all)
  --max-area N[um2]    drop nuclei larger than N pixels (or um2): with --min-area, Analyze Particles' size range
  --exclude-edges      drop nuclei touching the image edge (Analyze Particles' "exclude on edges")
  --ring N[um]         also measure a band N pixels (or microns) wide around each nucleus: the background
                       pixels within N of it and nearer to it than to any other nucleus, so it never enters
                       another (CellProfiler's cytoplasm ring): columns ring_area, NAME_ring_mean, ...
  The filters and the ring are recorded in NAME.json.`;

/** A size given in pixels, or in microns (um2 for areas, um for lengths). */
export interface Size {
  value: number;
  microns: boolean;
}

/** Parses `20`, `20um2` (areas) or `3`, `3um` (lengths); `µm` and `µm²` too. */
export function sizeOption(name: string, value: unknown, kind: 'area' | 'length'): Size | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim().replace(/µ|μ/g, 'u').replace(/²/g, '2');
  const unit = kind === 'area' ? 'um2' : 'um';
  const m = new RegExp(`^(\\d+(?:\\.\\d+)?|\\.\\d+)\\s*(px|${unit})?$`).exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!m || !(n >= 0) || n > 1e9)
    throw new CliError(`--${name} must be a number of pixels or ${unit}, e.g. ${kind === 'area' ? '50 or 20um2' : '3 or 1.5um'}, got "${value}"`);
  return { value: n, microns: m[2] === unit };
}

/** A size in pixels for an image of `pixelSize` microns per pixel (pixels count as they are). */
export function inPixels(size: Size, kind: 'area' | 'length', pixelSize: number | undefined): number {
  if (!size.microns) return size.value;
  if (!pixelSize) throw new Error('no pixel size'); // callers check first (requireMicrons)
  return size.value / (kind === 'area' ? pixelSize * pixelSize : pixelSize);
}

/** Sizes given in microns need every image's pixel size: named images without one are bad usage. */
export function requireMicrons(flags: [string, Size | undefined][], missing: string[]): void {
  const inMicrons = flags.filter(([, s]) => s?.microns).map(([name]) => `--${name}`);
  if (inMicrons.length && missing.length)
    throw new CliError(
      `${inMicrons.join(' and ')} in microns need a pixel size, and ${missing.join(', ')} records none: give --pixel-size UM, or sizes in pixels`,
    );
}
