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

/** Whether the median of a pixel's normalised channel mean (`meanOf(i)`, from a 256-bin histogram) is above half: a light background. */
function lightBackground(n: number, meanOf: (i: number) => number): boolean {
  const mh = new Float64Array(256);
  for (let i = 0; i < n; i++) mh[Math.max(0, Math.min(255, Math.round(meanOf(i) * 255)))]++;
  return percentileOfHistogram(mh, n, 50) / 255 > 0.5;
}

/**
 * How an image is normalised, as numbers: per model channel the values mapped to 0 and 1, and
 * whether the result is inverted. Computed from the whole image (or, for a slide read block by
 * block, from a sample of it) and then applied to any part, so every block of an image shares it.
 */
export interface NormalisationRanges {
  /** 'rgb8': ranges of the 8-bit view (gray: of the channel mean); 'source': of the original samples. */
  on: 'rgb8' | 'source';
  ranges: [number, number][];
  inverted: boolean;
}

function lutsOf(r: NormalisationRanges): Float32Array[] {
  // Gray is the channel mean: its LUT runs over sums 0..765, values are sum / 3.
  const unit = r.ranges.length === 1 ? 3 : 1;
  return r.ranges.map(([lo, hi]) => {
    const lut = new Float32Array(unit === 3 ? 766 : 256);
    for (let v = 0; v < lut.length; v++) lut[v] = (v / unit - lo) / (hi - lo);
    if (r.inverted) for (let v = 0; v < lut.length; v++) lut[v] = 1 - lut[v];
    return lut;
  });
}

function rgb8Ranges(data: Uint8Array, p: Preprocessing): NormalisationRanges {
  if (!(p.low >= 0 && p.low < p.high && p.high <= 100))
    throw new Error(`preprocessing: percentiles must satisfy 0 <= low < high <= 100, got ${p.low} and ${p.high}`);
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
  const unit = channels === 1 ? 3 : 1;
  const ranges = hists.map((h): [number, number] => {
    const lo = percentileOfHistogram(h, n, p.low) / unit;
    const hi = percentileOfHistogram(h, n, p.high) / unit;
    return [lo, hi <= lo ? lo + 1 : hi]; // a flat image: avoid dividing by zero, keep it flat
  });
  const r: NormalisationRanges = { on: 'rgb8', ranges, inverted: false };
  if (p.invert === 'auto') {
    const luts = lutsOf(r);
    r.inverted = lightBackground(n, (i) => {
      let s = 0;
      for (let c = 0; c < channels; c++) s += channels === 1 ? luts[0][data[3 * i] + data[3 * i + 1] + data[3 * i + 2]] : luts[c][data[3 * i + c]];
      return s / channels;
    });
  }
  return r;
}

/** The normalisation of one 8-bit RGB image (`data` is `w*h*3`), as lookup tables. */
export function imageNormalisation(data: Uint8Array, p: Preprocessing): ImageNormalisation {
  const r = rgb8Ranges(data, p);
  return { channels: r.ranges.length, luts: lutsOf(r), inverted: r.inverted };
}

/** Model input value of pixel `i`, channel `c` (an index into `data` of the image `norm` was made from). */
export function normalisedValue(norm: ImageNormalisation, data: Uint8Array, i: number, c: number): number {
  return norm.channels === 1 ? norm.luts[0][data[3 * i] + data[3 * i + 1] + data[3 * i + 2]] : norm.luts[c][data[3 * i + c]];
}

/** Original sample values of an image (16-bit, float files), `n*channels` interleaved; see `SourceValues` in @nuclei/data. */
export interface SourceSamples {
  channels: number;
  data: Float32Array;
}

/** The ranges `preprocessImage` would use for this image (see NormalisationRanges). */
export function normalisationRanges(data: Uint8Array, p: Preprocessing, source?: SourceSamples): NormalisationRanges {
  return source ? sourceNormalised(source, p).ranges : rgb8Ranges(data, p);
}

/**
 * The whole image as model input, `w*h*channels` float32. Without preprocessing (legacy models)
 * the 8-bit RGB values themselves (the model scales them). With `source` (16-bit and float files)
 * the percentiles are taken on the original values, not on the 8-bit view, so nothing is lost
 * to 8-bit quantisation (a few hot pixels no longer squeeze the nuclei into a few grey levels).
 * `ranges` (from `normalisationRanges` of the whole image) normalises a part of an image as the whole.
 */
export function preprocessImage(data: Uint8Array, p: Preprocessing | undefined, source?: SourceSamples, ranges?: NormalisationRanges): Float32Array {
  if (!p) return Float32Array.from(data);
  if (ranges && ranges.on !== (source ? 'source' : 'rgb8'))
    throw new Error(`preprocessing: ranges of ${ranges.on} values given for ${source ? 'source' : 'rgb8'} values`);
  if (source) return sourceNormalised(source, p, ranges).out;
  const luts = lutsOf(ranges ?? rgb8Ranges(data, p));
  const channels = luts.length;
  const n = data.length / 3;
  const out = new Float32Array(n * channels);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < channels; c++)
      out[i * channels + c] = channels === 1 ? luts[0][data[3 * i] + data[3 * i + 1] + data[3 * i + 2]] : luts[c][data[3 * i + c]];
  return out;
}

/** Percentile of a channel's values from a 65536-bin histogram over its range (exact for 16-bit integers). */
function channelPercentiles(values: Float32Array, stride: number, offset: number, qs: number[]): number[] {
  const n = values.length / stride;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i * stride + offset];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return qs.map(() => lo);
  const integer = Number.isInteger(lo) && Number.isInteger(hi);
  const bins = 65536;
  const step = integer ? Math.max(1, Math.ceil((hi - lo + 1) / bins)) : (hi - lo) / (bins - 1);
  const hist = new Float64Array(bins);
  for (let i = 0; i < n; i++) hist[Math.min(bins - 1, Math.round((values[i * stride + offset] - lo) / step))]++;
  return qs.map((q) => lo + percentileOfHistogram(hist, n, q) * step);
}

function sourceNormalised(source: SourceSamples, p: Preprocessing, given?: NormalisationRanges): { out: Float32Array; ranges: NormalisationRanges } {
  const { channels: sc, data } = source;
  const n = data.length / sc;
  const channels = preprocessedChannels(p);
  // The values each model channel is made of: gray = the mean of the source channels; RGB from one source channel repeats it.
  let planes: Float32Array;
  let stride: number;
  if (channels === 1 && sc > 1) {
    planes = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let c = 0; c < sc; c++) sum += data[i * sc + c];
      planes[i] = sum / sc;
    }
    stride = 1;
  } else {
    planes = data;
    stride = sc;
  }
  const scale: [number, number][] = given?.ranges ?? [];
  if (!given) {
    for (let c = 0; c < Math.min(channels, stride); c++) {
      const [lo, hiRaw] = channelPercentiles(planes, stride, c, [p.low, p.high]);
      scale.push([lo, hiRaw > lo ? hiRaw : lo + 1]);
    }
  }
  const out = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) {
      const k = Math.min(c, stride - 1, scale.length - 1);
      const [lo, hi] = scale[k];
      out[i * channels + c] = (planes[i * stride + k] - lo) / (hi - lo);
    }
  }
  const light = given
    ? given.inverted
    : p.invert === 'auto' &&
      lightBackground(n, (i) => {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += out[i * channels + c];
        return sum / channels;
      });
  if (light) for (let i = 0; i < out.length; i++) out[i] = 1 - out[i];
  return { out, ranges: { on: 'source', ranges: scale, inverted: light } };
}

export function validatePreprocessing(p: unknown, where: string): Preprocessing {
  const q = p as Partial<Preprocessing> | null;
  const fail = (m: string): never => {
    throw new Error(`${where}: preprocessing ${m}`);
  };
  if (typeof q !== 'object' || q === null) fail('is not an object');
  if (q!.kind !== 'percentile') fail(`kind ${JSON.stringify(q!.kind)} is not supported (expected "percentile")`);
  if (!(typeof q!.low === 'number' && typeof q!.high === 'number' && q!.low >= 0 && q!.low < q!.high && q!.high <= 100))
    fail(`percentiles ${q!.low}, ${q!.high} are not 0 <= low < high <= 100`);
  if (q!.channels !== 'rgb' && q!.channels !== 'gray') fail(`channels ${JSON.stringify(q!.channels)} must be "rgb" or "gray"`);
  if (q!.invert !== 'auto' && q!.invert !== 'never') fail(`invert ${JSON.stringify(q!.invert)} must be "auto" or "never"`);
  return q as Preprocessing;
}
