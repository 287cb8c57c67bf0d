import { labelColour, outlineOf, renderOverlay } from './overlay';

describe('outlineOf', () => {
  it('marks pixels next to background or another nucleus, not the interior nor the image border', () => {
    // 5x4: nucleus 1 is a 3x3 block at the left edge, nucleus 2 touches it on the right.
    const labels = Int32Array.from([1, 1, 1, 2, 0, 1, 1, 1, 2, 0, 1, 1, 1, 2, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(outlineOf(labels, 5, 4))).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });
});

describe('labelColour', () => {
  it('gives neighbouring labels clearly different colours', () => {
    for (let l = 1; l < 50; l++) {
      const [a, b] = [labelColour(l), labelColour(l + 1)];
      const d = Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]);
      expect(d).toBeGreaterThan(100);
    }
  });
});

describe('renderOverlay', () => {
  it('tints nuclei at alpha, draws outlines opaque, leaves background and the input untouched', () => {
    const image = { width: 3, height: 3, data: new Uint8Array(27).fill(100) };
    const labels = Int32Array.from([1, 1, 1, 1, 1, 1, 0, 0, 0]);
    const out = renderOverlay(image, labels, { alpha: 0.5 });
    const c = labelColour(1);
    // (1,0) has only label-1 neighbours and the image border: interior. (1,1) touches background.
    expect(Array.from(out.data.slice(3, 6))).toEqual(c.map((v) => Math.round(100 * 0.5 + v * 0.5))); // (1,0): interior
    expect(Array.from(out.data.slice(12, 15))).toEqual(c); // (1,1): next to background -> outline
    expect(Array.from(out.data.slice(18, 21))).toEqual([100, 100, 100]);
    expect(image.data.every((v) => v === 100)).toBe(true);
    const plain = renderOverlay(image, labels, { alpha: 0.5, outline: false });
    expect(Array.from(plain.data.slice(12, 15))).toEqual(c.map((v) => Math.round(100 * 0.5 + v * 0.5)));
    // Fill off (the viewer's Fill box): outlines only, the inside of nuclei as the image.
    const outlines = renderOverlay(image, labels, { alpha: 0.5, fill: false });
    expect(Array.from(outlines.data.slice(3, 6))).toEqual([100, 100, 100]);
    expect(Array.from(outlines.data.slice(12, 15))).toEqual(c);
  });
});
