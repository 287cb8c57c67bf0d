import { blendWindow, reflectIndex, tilePositions } from './tiling';

describe('tilePositions', () => {
  it('uses one tile when the image fits', () => {
    expect(tilePositions(100, 128, 32)).toEqual([0]);
    expect(tilePositions(128, 128, 32)).toEqual([0]);
  });

  it('covers the length with evenly spread tiles that overlap by at least the request', () => {
    const p = tilePositions(300, 128, 32); // step 96 -> ceil(172/96)+1 = 3 tiles
    expect(p).toEqual([0, 86, 172]);
    expect(p[p.length - 1] + 128).toBe(300);
    for (let i = 1; i < p.length; i++) expect(p[i - 1] + 128 - p[i]).toBeGreaterThanOrEqual(32);
  });

  it('still progresses when overlap >= tile', () => {
    expect(tilePositions(5, 2, 10)).toEqual([0, 1, 2, 3]);
  });
});

describe('blendWindow', () => {
  it('ramps up smoothly, is flat in the middle, and is symmetric and positive', () => {
    const w = blendWindow(16, 4);
    expect(w[0]).toBeGreaterThan(0);
    expect(w[0]).toBeLessThan(w[1]);
    expect(w[1]).toBeLessThan(w[3]);
    expect(Array.from(w.slice(4, 12))).toEqual(Array(8).fill(1));
    for (let i = 0; i < 16; i++) expect(w[i]).toBeCloseTo(w[15 - i]);
  });

  it('is all ones without overlap', () => {
    expect(Array.from(blendWindow(4, 0))).toEqual([1, 1, 1, 1]);
  });
});

describe('reflectIndex', () => {
  it('mirrors around the edges without repeating them', () => {
    expect([-2, -1, 0, 1, 2, 3, 4, 5].map((i) => reflectIndex(i, 3))).toEqual([2, 1, 0, 1, 2, 1, 0, 1]);
    expect(reflectIndex(7, 1)).toBe(0);
  });
});
