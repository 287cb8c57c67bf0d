import { evaluateImages, formatReportTable } from './report';

const perfect = { id: 'a', predLabels: Int32Array.from([2, 2, 0, 0]), trueLabels: Int32Array.from([1, 1, 0, 0]), width: 2, height: 2 };
const missed = { id: 'bb-long-name', predLabels: new Int32Array(4), trueLabels: Int32Array.from([0, 0, 1, 1]), width: 2, height: 2 };

describe('evaluateImages', () => {
  it('scores each image and averages over images', () => {
    const r = evaluateImages([perfect, missed]);
    expect(r.imageCount).toBe(2);
    expect(r.rows[0]).toEqual({ id: 'a', iou: 1, dice: 1, accuracy: 1, precision: 1, recall: 1, dsb: 1, ap50: 1, predCount: 1, trueCount: 1 });
    expect(r.rows[1]).toMatchObject({ iou: 0, accuracy: 0.5, dsb: 0, predCount: 0, trueCount: 1 });
    expect(r.mean).toEqual({ iou: 0.5, dice: 0.5, accuracy: 0.75, precision: 0.5, recall: 0.5, dsb: 0.5, ap50: 0.5 });
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
  it('prints an aligned table with a mean row', () => {
    const lines = formatReportTable(evaluateImages([perfect, missed])).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^image\s+IoU\s+Dice\s+acc\s+prec\s+recall\s+DSB\s+AP50\s+pred\s+true$/);
    expect(lines[2]).toMatch(/^a\s+1\.000\s+1\.000/);
    expect(lines[5]).toMatch(/^mean \(2\)\s+0\.500\s+0\.500\s+0\.750/);
    // Right-aligned numeric columns end at the same offset on every row.
    const end = lines[0].indexOf('DSB') + 3;
    expect(lines[2].slice(end - 5, end)).toBe('1.000');
    expect(lines[3].slice(end - 5, end)).toBe('0.000');
    expect(lines[5].slice(end - 5, end)).toBe('0.500');
  });
});
