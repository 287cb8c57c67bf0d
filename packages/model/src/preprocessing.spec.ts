import { DEFAULT_PREPROCESSING, imageNormalisation, preprocessImage, validatePreprocessing, type Preprocessing } from './preprocessing';

/** A gray RGB image from per-pixel values. */
const gray = (values: number[]) => Uint8Array.from(values.flatMap((v) => [v, v, v]));

describe('percentile preprocessing', () => {
  const values = Array.from({ length: 1000 }, (_, i) => (i % 256 === 255 ? 255 : (i * 7) % 200));

  it('maps the low and high percentiles to 0 and 1 per channel', () => {
    const p: Preprocessing = { ...DEFAULT_PREPROCESSING, low: 1, high: 99, invert: 'never' };
    const out = preprocessImage(gray(values), p);
    const sorted = [...values].sort((a, b) => a - b);
    const lo = sorted[Math.floor(0.01 * 999) + 1 - 1];
    const hi = sorted[Math.floor(0.99 * 999)];
    // The pixel holding the low percentile value maps to 0, the high one to 1.
    const iLo = values.indexOf(lo);
    const iHi = values.indexOf(hi);
    expect(out[iLo * 3]).toBeCloseTo(0, 5);
    expect(out[iHi * 3]).toBeCloseTo(1, 5);
    // Monotone and linear in between.
    const mid = values.findIndex((v) => v > lo && v < hi);
    expect(out[mid * 3]).toBeCloseTo((values[mid] - lo) / (hi - lo), 5);
  });

  it('normalises each RGB channel with its own percentiles', () => {
    const n = 500;
    const data = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      data[3 * i] = i % 100; // 0..99
      data[3 * i + 1] = 100 + (i % 50) * 2; // 100..198
      data[3 * i + 2] = 7; // flat
    }
    const out = preprocessImage(data, { ...DEFAULT_PREPROCESSING, low: 0, high: 100, invert: 'never' });
    let maxR = -1,
      minG = 9,
      maxG = -1;
    for (let i = 0; i < n; i++) {
      maxR = Math.max(maxR, out[3 * i]);
      minG = Math.min(minG, out[3 * i + 1]);
      maxG = Math.max(maxG, out[3 * i + 1]);
      expect(Number.isFinite(out[3 * i + 2])).toBe(true); // a flat channel does not divide by zero
    }
    expect(maxR).toBeCloseTo(1, 5);
    expect(minG).toBeCloseTo(0, 5);
    expect(maxG).toBeCloseTo(1, 5);
  });

  it('gives one channel, the mean, in gray mode', () => {
    const data = Uint8Array.from([0, 0, 0, 30, 60, 90, 255, 255, 255]);
    const out = preprocessImage(data, { ...DEFAULT_PREPROCESSING, channels: 'gray', low: 0, high: 100, invert: 'never' });
    expect(out.length).toBe(3);
    expect(Array.from(out).map((v) => +v.toFixed(4))).toEqual([0, +(60 / 255).toFixed(4), 1]);
  });

  it('inverts light backgrounds (bright-field, stains) so nuclei are bright on dark, and leaves dark ones', () => {
    // Light background (200) with a few dark nuclei (40): after inversion the nuclei are high.
    const light = Array.from({ length: 400 }, (_, i) => (i % 10 === 0 ? 40 : 200));
    const ln = imageNormalisation(gray(light), DEFAULT_PREPROCESSING);
    expect(ln.inverted).toBe(true);
    const lo = preprocessImage(gray(light), DEFAULT_PREPROCESSING);
    expect(lo[0]).toBeGreaterThan(0.9); // a nucleus pixel
    expect(lo[3]).toBeLessThan(0.1); // background
    const dark = light.map((v) => 255 - v);
    expect(imageNormalisation(gray(dark), DEFAULT_PREPROCESSING).inverted).toBe(false);
    const never = imageNormalisation(gray(light), { ...DEFAULT_PREPROCESSING, invert: 'never' });
    expect(never.inverted).toBe(false);
  });

  it('leaves 8-bit values as they are without preprocessing (models saved before it existed)', () => {
    const data = Uint8Array.from([0, 17, 255, 3, 4, 5]);
    expect(Array.from(preprocessImage(data, undefined))).toEqual([0, 17, 255, 3, 4, 5]);
  });

  it('refuses bad settings with the file named', () => {
    expect(() => validatePreprocessing({ ...DEFAULT_PREPROCESSING, low: 50, high: 10 }, 'm/nuclei-model.json')).toThrow(
      /m\/nuclei-model.json: preprocessing percentiles/,
    );
    expect(() => validatePreprocessing({ ...DEFAULT_PREPROCESSING, channels: 'cmyk' }, 'x')).toThrow(/channels/);
    expect(validatePreprocessing(DEFAULT_PREPROCESSING, 'x')).toEqual(DEFAULT_PREPROCESSING);
  });
});

describe('preprocessImage on original (16-bit) values', () => {
  it('takes the percentiles on the source values, not on the 8-bit view', () => {
    // 100 pixels: background 100, nuclei 1000..1099 (one per value), one hot pixel at 65535.
    const n = 200;
    const values = new Float32Array(n).fill(100);
    for (let i = 0; i < 99; i++) values[100 + i] = 1000 + i;
    values[199] = 65535;
    const view = new Uint8Array(n * 3); // the 8-bit view is not used for the numbers
    const p = { ...DEFAULT_PREPROCESSING, channels: 'gray' as const, low: 1, high: 99 };
    const out = preprocessImage(view, p, { channels: 1, data: values });
    // Percentile 1 = 100 (background), 99 = the value at rank 0.99 * 199 = 197.01 -> sorted[197] = 1097.
    expect(out[0]).toBeCloseTo(0, 6);
    expect(out[100]).toBeCloseTo((1000 - 100) / (1097 - 100), 6);
    expect(out[101] - out[100]).toBeCloseTo(1 / 997, 6); // every 16-bit level stays distinct
    // The 8-bit view of the same data would have put all nuclei into one or two grey levels.
  });

  it('RGB models get each source channel normalised; a one-channel source fills all three', () => {
    const values = Float32Array.from({ length: 300 }, (_, i) => i);
    const out = preprocessImage(new Uint8Array(300 * 3), { ...DEFAULT_PREPROCESSING, invert: 'never' }, { channels: 1, data: values });
    expect(out.length).toBe(900);
    expect(out[3 * 150]).toBe(out[3 * 150 + 2]);
    expect(out[3 * 150]).toBeGreaterThan(0.4);
    expect(out[3 * 150]).toBeLessThan(0.6);
  });

  it('inverts a light background on source values too', () => {
    const values = new Float32Array(100).fill(50000);
    for (let i = 0; i < 10; i++) values[i] = 1000; // dark nuclei on a light background
    const out = preprocessImage(new Uint8Array(300), { ...DEFAULT_PREPROCESSING, channels: 'gray', low: 0, high: 100 }, { channels: 1, data: values });
    expect(out[0]).toBeCloseTo(1, 5); // nuclei become bright
    expect(out[50]).toBeCloseTo(0, 5);
  });
});
