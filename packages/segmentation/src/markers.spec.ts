import { touchingBorders } from '@nuclei/data';
import { dsbScore } from '@nuclei/evaluation';
import { labelComponents } from './connected-components';
import { cutWatershed, markerWatershed } from './markers';

/** Touching pairs of discs (each pair shares a straight contact line), as truth labels. */
function touchingPairs(w: number, h: number): Int32Array {
  const labels = new Int32Array(w * h);
  let next = 1;
  for (let cy = 12; cy + 12 <= h; cy += 26) {
    for (let cx = 12; cx + 30 <= w; cx += 44) {
      const a = next++;
      const b = next++;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const inA = (x - cx) ** 2 + (y - cy) ** 2 <= 81;
          const inB = (x - cx - 16) ** 2 + (y - cy) ** 2 <= 81;
          if (inA || inB) labels[y * w + x] = x < cx + 8 ? (inA ? a : b) : inB ? b : a;
        }
      }
    }
  }
  return labels;
}

describe('markerWatershed', () => {
  const w = 140;
  const h = 80;
  const truth = touchingPairs(w, h);
  // A model's view of it: the mask, and the touching borders, as probabilities.
  const mask = Float32Array.from(truth, (v) => (v ? 0.95 : 0.05));
  const border = Float32Array.from(touchingBorders(truth, w, h, 2), (v) => (v ? 0.9 : 0.05));

  it('splits touching pairs that connected components merge (DSB against components)', () => {
    const split = markerWatershed(mask, border, w, h);
    const merged = labelComponents(
      Uint8Array.from(mask, (v) => (v >= 0.5 ? 1 : 0)),
      w,
      h,
      8,
    );
    const pairs = Math.max(...truth) / 2;
    expect(merged.count).toBe(pairs);
    expect(split.count).toBe(2 * pairs);
    const dSplit = dsbScore(split.labels, truth, w, h).score;
    const dMerged = dsbScore(merged.labels, truth, w, h).score;
    expect(dSplit).toBeGreaterThan(0.85);
    expect(dMerged).toBeLessThan(0.1);
  });

  it('keeps foreground without a marker as one nucleus, and drops markers below minMarker', () => {
    // Borders everywhere: no marker survives, each pair stays one nucleus.
    const allBorder = new Float32Array(w * h).fill(0.9);
    const none = markerWatershed(mask, allBorder, w, h);
    expect(none.count).toBe(Math.max(...truth) / 2);
    // A huge minMarker drops every marker: the same.
    expect(markerWatershed(mask, border, w, h, { minMarker: 10_000 }).count).toBe(Math.max(...truth) / 2);
    // Every foreground pixel is labelled, nothing else.
    const r = markerWatershed(mask, border, w, h);
    for (let i = 0; i < w * h; i++) expect(r.labels[i] > 0).toBe(truth[i] > 0);
  });
});

describe('cutWatershed', () => {
  // One 24x10 block made of two nuclei that meet along x = 11..12: no neck for the distance watershed.
  const w = 30;
  const h = 14;
  const mask = new Float32Array(w * h);
  const border = new Float32Array(w * h);
  for (let y = 2; y < 12; y++) for (let x = 3; x < 27; x++) mask[y * w + x] = 0.9;
  for (let y = 2; y < 12; y++) for (const x of [14, 15]) border[y * w + x] = 0.8;

  it('splits where a border was predicted, and gives the border pixels back to the nuclei', () => {
    const { labels, count } = cutWatershed(mask, border, w, h, { threshold: 0.5, borderThreshold: 0.5 });
    expect(count).toBe(2);
    expect(labels[5 * w + 5]).not.toBe(labels[5 * w + 24]);
    // Every foreground pixel is labelled (the cut-out border too), the background is not.
    for (let i = 0; i < w * h; i++) expect(labels[i] > 0).toBe(mask[i] >= 0.5);
  });

  it('without a predicted border it is the distance watershed of the mask (one block, one nucleus)', () => {
    expect(cutWatershed(mask, new Float32Array(w * h), w, h).count).toBe(1);
  });

  it('keeps foreground that is all border as its own nucleus', () => {
    const b = new Float32Array(w * h).fill(0.9);
    const { count, labels } = cutWatershed(mask, b, w, h);
    expect(count).toBe(1);
    expect(labels[5 * w + 5]).toBe(1);
  });
});
