import { createRng } from './random';
import { resampleFloat, resampleSpan, resampleWindow, resizeImage, resizeLabels, resizeMask } from './resize';

describe('resizeImage', () => {
  it('averages each 2x2 block when halving', () => {
    const rng = createRng(1);
    const w = 6;
    const h = 4;
    const data = Uint8Array.from({ length: w * h * 3 }, () => Math.floor(rng() * 256));
    const out = resizeImage({ width: w, height: h, data }, h / 2, w / 2);
    expect([out.width, out.height]).toEqual([3, 2]);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 3; x++)
        for (let c = 0; c < 3; c++) {
          const at = (yy: number, xx: number) => data[(yy * w + xx) * 3 + c];
          const mean = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
          expect(Math.abs(out.data[(y * 3 + x) * 3 + c] - mean)).toBeLessThanOrEqual(0.5);
        }
  });

  it('keeps a constant image constant at any size, and keeps the mean when shrinking by a fraction', () => {
    const data = new Uint8Array(10 * 7 * 3).fill(77);
    for (const [h, w] of [
      [3, 4],
      [13, 21],
      [7, 10],
    ]) {
      const out = resizeImage({ width: 10, height: 7, data }, h, w);
      expect(out.data.length).toBe(h * w * 3);
      expect(out.data.every((v) => v === 77)).toBe(true);
    }
    const rng = createRng(2);
    const noisy = Uint8Array.from({ length: 30 * 30 * 3 }, () => Math.floor(rng() * 256));
    const mean = (d: Uint8Array) => d.reduce((s, v) => s + v, 0) / d.length;
    expect(Math.abs(mean(resizeImage({ width: 30, height: 30, data: noisy }, 7, 7).data) - mean(noisy))).toBeLessThan(1);
  });

  it('interpolates between pixel centres when enlarging', () => {
    const data = Uint8Array.from([0, 0, 0, 100, 100, 100]); // 2x1: black, gray
    const out = resizeImage({ width: 2, height: 1, data }, 1, 4);
    const red = [0, 3, 6, 9].map((i) => out.data[i]);
    expect(red).toEqual([0, 25, 75, 100]);
  });
});

describe('resizeMask', () => {
  it('cuts the area average at half', () => {
    // 4x2 -> 2x1: blocks with 1, 2 and 3 of 4 pixels set.
    const m1 = Uint8Array.from([1, 0, 1, 1, 0, 0, 0, 0]); // block0 = 1/4, block1 = 2/4
    expect(Array.from(resizeMask(m1, 4, 2, 2, 1))).toEqual([0, 1]);
    const m2 = Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 0]); // block0 = 3/4, block1 = 0
    expect(Array.from(resizeMask(m2, 4, 2, 2, 1))).toEqual([1, 0]);
  });

  it('stays binary and keeps the foreground fraction close (no fattening)', () => {
    const w = 96;
    const mask = new Uint8Array(w * w);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) if ((x - 40) ** 2 + (y - 50) ** 2 < 15 ** 2) mask[y * w + x] = 1;
    const small = resizeMask(mask, w, w, 32, 32);
    expect(small.every((v) => v === 0 || v === 1)).toBe(true);
    const frac = (m: Uint8Array) => m.reduce((s, v) => s + v, 0) / m.length;
    expect(Math.abs(frac(small) - frac(mask)) / frac(mask)).toBeLessThan(0.08);
    // "anything above zero" would be visibly fatter: make sure we are not doing that.
    let anyAbove = 0;
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        let hit = 0;
        for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) hit |= mask[(3 * y + dy) * w + 3 * x + dx];
        anyAbove += hit;
      }
    expect(small.reduce((s, v) => s + v, 0)).toBeLessThan(anyAbove);
  });
});

describe('resizeLabels', () => {
  it('uses nearest neighbour so only existing labels appear', () => {
    const w = 5;
    const labels = Int32Array.from({ length: w * w }, (_, i) => (i % 3 === 0 ? 0 : 1 + (i % 7)));
    const big = resizeLabels(labels, w, w, 13, 11);
    const small = resizeLabels(labels, w, w, 2, 3);
    const allowed = new Set(labels);
    for (const v of [...big, ...small]) expect(allowed.has(v)).toBe(true);
    // Integer upscale: each source pixel becomes a block.
    const doubled = resizeLabels(labels, w, w, 10, 10);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) expect(doubled[y * 10 + x]).toBe(labels[(y >> 1) * w + (x >> 1)]);
  });
});

describe('resampleWindow', () => {
  it('a window of a resample equals the same window of the whole, exactly (enlarging and shrinking)', () => {
    const w = 37;
    const h = 29;
    const src = Float32Array.from({ length: w * h * 2 }, (_, i) => Math.sin(i * 0.7) * 100);
    for (const [dw, dh] of [
      [56, 44],
      [20, 15],
    ]) {
      const whole = resampleFloat(src, w, h, dw, dh, 2);
      const out = { x: 5, y: 3, width: 9, height: 7 };
      const [x0, x1] = resampleSpan(w, dw, out.x, out.x + out.width);
      const [y0, y1] = resampleSpan(h, dh, out.y, out.y + out.height);
      const win = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
      const part = new Float32Array(win.width * win.height * 2);
      for (let y = 0; y < win.height; y++) part.set(src.subarray(((y0 + y) * w + x0) * 2, ((y0 + y) * w + x1) * 2), y * win.width * 2);
      const got = resampleWindow(part, win, { srcW: w, srcH: h, dstW: dw, dstH: dh }, out, 2);
      for (let y = 0; y < out.height; y++)
        for (let x = 0; x < out.width * 2; x++) expect(got[y * out.width * 2 + x]).toBe(whole[((out.y + y) * dw + out.x) * 2 + x]);
      // A window that misses pixels the output reads is refused.
      expect(() => resampleWindow(part, { ...win, x: win.x + 1 }, { srcW: w, srcH: h, dstW: dw, dstH: dh }, out, 2)).toThrow(/misses pixel/);
    }
  });
});
