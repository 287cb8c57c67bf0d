import { dsbScore } from '@nuclei/evaluation';
import { drawEllipse, toMask } from './test-utils/shapes';
import { gaussianBlur, watershedSplit } from './watershed';

const W = 64;
const H = 48;

describe('watershedSplit', () => {
  it('separates two touching discs into two nuclei along the neck', () => {
    const truth = new Int32Array(W * H);
    drawEllipse(truth, W, 20, 24, 10, 10, 1);
    drawEllipse(truth, W, 38, 24, 10, 10, 2); // centres 18 px apart: they overlap into one blob
    const r = watershedSplit(toMask(truth), W, H);
    expect(r.count).toBe(2);
    // The cut lies at the neck: nearly every pixel keeps its disc (IoU well above 0.9).
    expect(dsbScore(r.labels, truth, W, H).perThreshold.find((t) => t.threshold === 0.9)!.tp).toBe(2);
  });

  it('keeps a single ellipse (even elongated and rotated) as one nucleus', () => {
    const truth = new Int32Array(W * H);
    drawEllipse(truth, W, 32, 24, 22, 9, 1, 0.4);
    const r = watershedSplit(toMask(truth), W, H);
    expect(r.count).toBe(1);
    expect(Array.from(r.labels)).toEqual(Array.from(truth));
  });

  it('keeps separate blobs separate and numbers them, background stays 0', () => {
    const truth = new Int32Array(W * H);
    drawEllipse(truth, W, 8, 8, 5, 5, 1);
    drawEllipse(truth, W, 50, 36, 6, 4, 2);
    const r = watershedSplit(toMask(truth), W, H);
    expect(r.count).toBe(2);
    expect(dsbScore(r.labels, truth, W, H).score).toBe(1);
  });

  it('splits a pair cut by the image border without treating the border as an edge', () => {
    const truth = new Int32Array(W * H);
    drawEllipse(truth, W, 10, 0, 9, 9, 1); // half discs along the top edge
    drawEllipse(truth, W, 26, 0, 9, 9, 2);
    const r = watershedSplit(toMask(truth), W, H);
    expect(r.count).toBe(2);
  });

  it('merges shallow peaks with a larger h', () => {
    const truth = new Int32Array(W * H);
    drawEllipse(truth, W, 20, 24, 10, 10, 1);
    drawEllipse(truth, W, 36, 24, 10, 10, 2); // deep overlap: saddle ~6 px below the peaks
    expect(watershedSplit(toMask(truth), W, H, { h: 20 }).count).toBe(1);
    expect(watershedSplit(toMask(truth), W, H, { h: 1 }).count).toBe(2);
  });

  it('handles empty and tiny masks', () => {
    expect(watershedSplit(new Uint8Array(12), 4, 3).count).toBe(0);
    expect(watershedSplit(Uint8Array.from([0, 1, 0, 0]), 2, 2)).toEqual({ labels: Int32Array.from([0, 1, 0, 0]), count: 1 });
  });
});

describe('gaussianBlur', () => {
  it('keeps a constant image constant and spreads an impulse symmetrically', () => {
    const c = gaussianBlur(new Float32Array(25).fill(3), 5, 5, 1);
    c.forEach((v) => expect(v).toBeCloseTo(3));
    const imp = new Float32Array(49);
    imp[24] = 1;
    const b = gaussianBlur(imp, 7, 7, 1);
    expect(b[23]).toBeCloseTo(b[25]);
    expect(b[17]).toBeCloseTo(b[31]);
    expect(b[24]).toBeGreaterThan(b[23]);
    expect(b.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 3);
  });
});
