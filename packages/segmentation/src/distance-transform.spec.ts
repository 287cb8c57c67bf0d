import { distanceTransform } from './distance-transform';

/** Brute force: distance to the nearest background pixel. */
function brute(mask: Uint8Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    if (!mask[i]) continue;
    let best = Infinity;
    for (let j = 0; j < w * h; j++) {
      if (mask[j]) continue;
      const dx = (i % w) - (j % w);
      const dy = Math.floor(i / w) - Math.floor(j / w);
      best = Math.min(best, dx * dx + dy * dy);
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}

describe('distanceTransform', () => {
  it('gives hand-checked distances in a 5x5 square with a background border', () => {
    const w = 5;
    const mask = new Uint8Array(25);
    for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) mask[y * w + x] = 1;
    const d = distanceTransform(mask, w, w);
    expect(d[0]).toBe(0);
    expect(d[1 * w + 1]).toBe(1);
    expect(d[2 * w + 2]).toBe(2);
  });

  it('is exact (matches brute force) on a random mask, including diagonal distances', () => {
    const w = 23;
    const h = 17;
    const mask = new Uint8Array(w * h);
    let s = 7;
    for (let i = 0; i < mask.length; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      mask[i] = s / 2147483648 < 0.85 ? 1 : 0;
    }
    const d = distanceTransform(mask, w, h);
    const b = brute(mask, w, h);
    for (let i = 0; i < mask.length; i++) expect(d[i]).toBeCloseTo(b[i], 5);
    expect(Math.max(...d)).toBeGreaterThan(1.5); // deep pixels exist, so the parabola envelope was exercised
  });

  it('does not treat the image border as background', () => {
    const mask = Uint8Array.from([1, 1, 1, 0]);
    expect(Array.from(distanceTransform(mask, 4, 1))).toEqual([3, 2, 1, 0]);
  });

  it('gives a large finite distance when there is no background', () => {
    const d = distanceTransform(new Uint8Array(4).fill(1), 2, 2);
    expect(Number.isFinite(d[0])).toBe(true);
    expect(d[0]).toBeGreaterThan(1e6);
  });
});
