import { evaluateImages, formatKindTable, formatReportTable, reportFromRows } from './report';

const perfect = { id: 'a', predLabels: Int32Array.from([2, 2, 0, 0]), trueLabels: Int32Array.from([1, 1, 0, 0]), width: 2, height: 2 };
const missed = { id: 'bb-long-name', predLabels: new Int32Array(4), trueLabels: Int32Array.from([0, 0, 1, 1]), width: 2, height: 2 };

describe('evaluateImages', () => {
  it('scores each image and averages over images', () => {
    const r = evaluateImages([perfect, missed]);
    expect(r.imageCount).toBe(2);
    expect(r.rows[0]).toEqual({
      id: 'a',
      iou: 1,
      dice: 1,
      accuracy: 1,
      precision: 1,
      recall: 1,
      dsb: 1,
      nucleusPrecision: 1,
      nucleusRecall: 1,
      f1: 1,
      ap50: 1,
      predCount: 1,
      trueCount: 1,
    });
    expect(r.rows[1]).toMatchObject({ iou: 0, accuracy: 0.5, dsb: 0, nucleusPrecision: 0, nucleusRecall: 0, f1: 0, predCount: 0, trueCount: 1 });
    expect(r.mean).toEqual({
      iou: 0.5,
      dice: 0.5,
      accuracy: 0.75,
      precision: 0.5,
      recall: 0.5,
      dsb: 0.5,
      nucleusPrecision: 0.5,
      nucleusRecall: 0.5,
      f1: 0.5,
      ap50: 0.5,
    });
  });

  it('counts nuclei found at IoU 0.5: precision over predictions, recall over true nuclei, F1 between', () => {
    // 1x8: true nuclei at 0-1, 3-4, 6-7; predicted: the first exactly, the second by one pixel of two
    // (IoU 0.5, not above it: no match), and a spurious one at 5.
    const truth = Int32Array.from([1, 1, 0, 2, 2, 0, 3, 3]);
    const pred = Int32Array.from([1, 1, 0, 2, 0, 3, 0, 0]);
    const [row] = evaluateImages([{ id: 'x', predLabels: pred, trueLabels: truth, width: 8, height: 1 }]).rows;
    expect(row.nucleusPrecision).toBeCloseTo(1 / 3, 12);
    expect(row.nucleusRecall).toBeCloseTo(1 / 3, 12);
    expect(row.f1).toBeCloseTo(1 / 3, 12);
    const [fewer] = evaluateImages([{ id: 'y', predLabels: Int32Array.from([1, 1, 0, 0, 0, 0, 0, 0]), trueLabels: truth, width: 8, height: 1 }]).rows;
    expect([fewer.nucleusPrecision, fewer.nucleusRecall, fewer.f1]).toEqual([1, 1 / 3, 0.5]);
  });

  it('is JSON-serialisable without loss', () => {
    const r = evaluateImages([perfect, missed]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('refuses an empty list and mismatched sizes with clear errors', () => {
    expect(() => evaluateImages([])).toThrow(/no images/);
    expect(() => evaluateImages([{ ...perfect, width: 3 }])).toThrow(/evaluateImage\(a\).*expected 3x2=6/);
  });
});

describe('formatReportTable', () => {
  it('prints an aligned table with a mean row: nucleus figures first, pixel metrics after, named as such', () => {
    const lines = formatReportTable(evaluateImages([perfect, missed])).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^image\s+DSB\s+F1\s+prec@0\.5\s+rec@0\.5\s+AP50\s+pred\s+true\s+px IoU\s+px Dice\s+px prec\s+px rec$/);
    expect(lines[2]).toMatch(/^a\s+1\.000\s+1\.000\s+1\.000\s+1\.000\s+1\.000\s+1\s+1\s+1\.000/);
    expect(lines[3]).toMatch(/^bb-long-name\s+0\.000\s+0\.000\s+0\.000\s+0\.000\s+0\.000\s+0\s+1\s+0\.000\s+0\.000\s+0\.000\s+0\.000$/);
    expect(lines[5]).toMatch(/^mean \(2\)\s+0\.500\s+0\.500\s+0\.500\s+0\.500\s+0\.500\s+0\.500/);
    // Accuracy (mostly background) is no column any more.
    expect(lines[0]).not.toMatch(/acc/);
    // Right-aligned numeric columns end at the same offset on every row.
    const end = lines[0].indexOf('DSB') + 3;
    expect(lines[2].slice(end - 5, end)).toBe('1.000');
    expect(lines[3].slice(end - 5, end)).toBe('0.000');
    expect(lines[5].slice(end - 5, end)).toBe('0.500');
  });
});

describe('formatKindTable', () => {
  it('gives each kind its count, DSB, F1, AP50 and pixel IoU', () => {
    const [a, b] = evaluateImages([perfect, missed]).rows;
    const text = formatKindTable(
      reportFromRows([
        { ...a, kind: 'fluorescence' },
        { ...b, kind: 'stained' },
      ]),
    );
    expect(text.split('\n')).toEqual([
      'fluorescence     1 images  DSB 1.000  F1 1.000  AP50 1.000  px IoU 1.000',
      'stained          1 images  DSB 0.000  F1 0.000  AP50 0.000  px IoU 0.000',
    ]);
    expect(formatKindTable(evaluateImages([perfect]))).toBe('');
  });
});
