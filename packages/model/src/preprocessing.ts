/**
 * Input normalisation, a property of the model (recorded in `nuclei-model.json`). Models saved
 * before it existed have none: they take 8-bit RGB in 0..255 and scale by 1/255 themselves.
 * Percentiles are computed on the whole image before tiling, so tiles of one image share them
 * (StarDist / Cellpose / bioimage.io `scale_range`).
 */
export interface Preprocessing {
  kind: 'percentile';
  /** Lower and upper percentiles mapped to 0 and 1 (default 1 and 99.8). */
  low: number;
  high: number;
  /** 'rgb': three channels, each with its own percentiles; 'gray': their mean as one channel. */
  channels: 'rgb' | 'gray';
  /** 'auto': invert when the normalised background (the median) is light, so nuclei are bright on dark. */
  invert: 'auto' | 'never';
}

export const DEFAULT_PREPROCESSING: Preprocessing = { kind: 'percentile', low: 1, high: 99.8, channels: 'rgb', invert: 'auto' };

/** Channels the model sees under `p` (legacy models: 3). */
export function preprocessedChannels(p: Preprocessing | undefined): number {
  return p && p.channels === 'gray' ? 1 : 3;
}

/** Per-image lookup tables: `lut[c][v]` is the model input for 8-bit value v of channel c. */
export interface ImageNormalisation {
  channels: number;
  luts: Float32Array[];
  inverted: boolean;
}

function percentileOfHistogram(hist: Float64Array, total: number, q: number): number {
  const rank = (q / 100) * (total - 1);
  let seen = 0;
  for (let v = 0; v < hist.length; v++) {
    seen += hist[v];
    if (seen > rank) return v;
  }
  return hist.length - 1;
}

/** The normalisation of one 8-bit RGB image (`data` is `w*h*3`). */
export function imageNormalisation(data: Uint8Array, p: Preprocessing): ImageNormalisation {
  if (!(p.low >= 0 && p.low < p.high && p.high <= 100)) throw new Error(`preprocessing: percentiles must satisfy 0 <= low < high <= 100, got ${p.low} and ${p.high}`);
  const n = data.length / 3;
  const channels = preprocessedChannels(p);
  const hists = Array.from({ length: channels }, () => new Float64Array(channels === 1 ? 766 : 256));
  for (let i = 0; i < n; i++) {
    const r = data[3 * i];
    const g = data[3 * i + 1];
    const b = data[3 * i + 2];
    if (channels === 1) hists[0][r + g + b]++;
    else {
      hists[0][r]++;
      hists[1][g]++;
      hists[2][b]++;
    }
  }
  // Gray is the channel mean: its histogram runs over sums 0..765, values are sum / 3.
  const unit = channels === 1 ? 3 : 1;
  const luts = hists.map((h) => {
    const lo = percentileOfHistogram(h, n, p.low) / unit;
    let hi = percentileOfHistogram(h, n, p.high) / unit;
    if (hi <= lo) hi = lo + 1; // a flat image: avoid dividing by zero, keep it flat
    const lut = new Float32Array(h.length);
    for (let v = 0; v < h.length; v++) lut[v] = (v / unit - lo) / (hi - lo);
    return lut;
  });
  let inverted = false;
  if (p.invert === 'auto') {
    // Median of the normalised channel mean, from a 256-bin histogram of it.
    const mh = new Float64Array(256);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += channels === 1 ? luts[0][data[3 * i] + data[3 * i + 1] + data[3 * i + 2]] : luts[c][data[3 * i + c]];
      mh[Math.max(0, Math.min(255, Math.round((s / channels) * 255)))]++;
    }
    inverted = percentileOfHistogram(mh, n, 50) / 255 > 0.5;
    if (inverted) for (const lut of luts) for (let v = 0; v < lut.length; v++) lut[v] = 1 - lut[v];
  }
  return { channels, luts, inverted };
}

/** Model input value of pixel `i`, channel `c` (an index into `data` of the image `norm` was made from). */
export function normalisedValue(norm: ImageNormalisation, data: Uint8Array, i: number, c: number): number {
  return norm.channels === 1 ? norm.luts[0][data[3 * i] + data[3 * i + 1] + data[3 * i + 2]] : norm.luts[c][data[3 * i + c]];
}

/**
 * The whole image as model input, `w*h*channels` float32. Without preprocessing (legacy models)
 * the 8-bit RGB values themselves (the model scales them).
 */
export function preprocessImage(data: Uint8Array, p: Preprocessing | undefined): Float32Array {
  if (!p) return Float32Array.from(data);
  const norm = imageNormalisation(data, p);
  const n = data.length / 3;
  const out = new Float32Array(n * norm.channels);
  for (let i = 0; i < n; i++) for (let c = 0; c < norm.channels; c++) out[i * norm.channels + c] = normalisedValue(norm, data, i, c);
  return out;
}

export function validatePreprocessing(p: unknown, where: string): Preprocessing {
  const q = p as Partial<Preprocessing> | null;
  const fail = (m: string): never => {
    throw new Error(`${where}: preprocessing ${m}`);
  };
  if (typeof q !== 'object' || q === null) fail('is not an object');
  if (q!.kind !== 'percentile') fail(`kind ${JSON.stringify(q!.kind)} is not supported (expected "percentile")`);
  if (!(typeof q!.low === 'number' && typeof q!.high === 'number' && q!.low >= 0 && q!.low < q!.high && q!.high <= 100)) fail(`percentiles ${q!.low}, ${q!.high} are not 0 <= low < high <= 100`);
  if (q!.channels !== 'rgb' && q!.channels !== 'gray') fail(`channels ${JSON.stringify(q!.channels)} must be "rgb" or "gray"`);
  if (q!.invert !== 'auto' && q!.invert !== 'never') fail(`invert ${JSON.stringify(q!.invert)} must be "auto" or "never"`);
  return q as Preprocessing;
}
