import { dsbScore, DSB_THRESHOLDS } from './dsb-score';

/** A label image from rows of digits, e.g. ['11.2', '11.2']; '.' or '0' is background. */
function lab(rows: string[]): { labels: Int32Array; w: number; h: number } {
  const h = rows.length;
  const w = rows[0].length;
  const labels = new Int32Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => (labels[y * w + x] = c === '.' ? 0 : Number(c))));
  return { labels, w, h };
}

describe('dsbScore', () => {
  it('uses the thresholds 0.50 .. 0.95 exactly', () => {
    expect(DSB_THRESHOLDS).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
  });

  it('scores a perfect prediction 1 even when label numbers differ', () => {
    const t = lab(['11..22', '11..22']);
    const p = lab(['55..33', '55..33']);
    const r = dsbScore(p.labels, t.labels, t.w, t.h);
    expect(r.score).toBe(1);
    expect(r.ap50).toBe(1);
    expect(r.predCount).toBe(2);
    expect(r.trueCount).toBe(2);
  });

  it('scores no nuclei and no predictions 1, and either alone 0', () => {
    const empty = new Int32Array(4);
    const one = Int32Array.from([1, 1, 0, 0]);
    expect(dsbScore(empty, empty, 2, 2).score).toBe(1);
    expect(dsbScore(one, empty, 2, 2)).toMatchObject({ score: 0, predCount: 1, trueCount: 0 });
    expect(dsbScore(empty, one, 2, 2)).toMatchObject({ score: 0, predCount: 0, trueCount: 1 });
  });

  it('counts a partial overlap as a match only at thresholds below its IoU', () => {
    // True nucleus 10 px, prediction covers 7 of them plus nothing else: IoU = 0.7.
    const t = lab(['1111111111']);
    const p = lab(['1111111...']);
    const r = dsbScore(p.labels, t.labels, t.w, t.h);
    // Matches at 0.50, 0.55, 0.60, 0.65 (IoU > t), not at 0.70 (strict) and above.
    expect(r.perThreshold.map((x) => x.tp)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(r.perThreshold[4]).toEqual({ threshold: 0.7, tp: 0, fp: 1, fn: 1, precision: 0 });
    expect(r.score).toBeCloseTo(0.4);
    expect(r.ap50).toBe(1);
  });

  it('scores a merged pair of nuclei as FP + 2 FN when no half dominates', () => {
    // Two true nuclei of 4 px each; one prediction covers both: IoU 0.5 each, not > 0.5.
    const t = lab(['1122']);
    const p = lab(['1111']);
    const r = dsbScore(p.labels, t.labels, t.w, t.h);
    expect(r.perThreshold[0]).toMatchObject({ tp: 0, fp: 1, fn: 2, precision: 0 });
    expect(r.score).toBe(0);
  });

  it('mixes matches, a false positive and a miss: TP/(TP+FP+FN)', () => {
    const t = lab(['11.22.....', '11.22.....']);
    const p = lab(['11.....3..', '11.....3..']);
    // 1 matches exactly, 3 is a false positive, true 2 is missed: 1 / (1 + 1 + 1).
    const r = dsbScore(p.labels, t.labels, t.w, t.h);
    expect(r.score).toBeCloseTo(1 / 3);
    expect(r.perThreshold.every((x) => x.tp === 1 && x.fp === 1 && x.fn === 1)).toBe(true);
  });

  it('ignores label gaps (absent label numbers are not objects)', () => {
    const t = lab(['1..9']);
    const p = lab(['4..7']);
    expect(dsbScore(p.labels, t.labels, t.w, t.h)).toMatchObject({ score: 1, predCount: 2, trueCount: 2 });
  });

  it('handles a 1000x1000 image with 400 nuclei quickly and exactly', () => {
    const w = 1000;
    const h = 1000;
    const truth = new Int32Array(w * h);
    const pred = new Int32Array(w * h);
    // 20x20 grid of 40x40 squares; the prediction is shifted by 4 px in x for every other square:
    // IoU = 36*40 / (44*40) = 0.818..., so they match up to threshold 0.8.
    let l = 0;
    for (let gy = 0; gy < 20; gy++) {
      for (let gx = 0; gx < 20; gx++) {
        l++;
        const shift = l % 2 === 0 ? 4 : 0;
        for (let y = gy * 50; y < gy * 50 + 40; y++) {
          for (let x = gx * 50; x < gx * 50 + 40; x++) {
            truth[y * w + x] = l;
            pred[y * w + x + shift] = 1000 + l;
          }
        }
      }
    }
    // Its speed is measured in the evaluation benchmark (npm run bench -- evaluation), not asserted here.
    const r = dsbScore(pred, truth, w, h);
    expect(r.predCount).toBe(400);
    expect(r.trueCount).toBe(400);
    expect(r.perThreshold.map((x) => x.tp)).toEqual([400, 400, 400, 400, 400, 400, 400, 200, 200, 200]);
  });

  it('rejects label images of the wrong size', () => {
    expect(() => dsbScore(new Int32Array(3), new Int32Array(4), 2, 2)).toThrow(/expected 2x2=4/);
  });
});
