import { polygonArea, traceOutline } from './outline';

const grid = (rows: string[]) => ({ w: rows[0].length, h: rows.length, labels: Int32Array.from(rows.join('').split('').map(Number)) });

describe('traceOutline', () => {
  it('traces a square on its pixel corners, clockwise', () => {
    const { w, h, labels } = grid(['000', '011', '011']);
    expect(traceOutline(labels, w, h, 4)).toEqual([
      [1, 1],
      [3, 1],
      [3, 3],
      [1, 3],
    ]);
  });

  it('gives polygons whose area is the pixel count (no holes), for concave and diagonal shapes', () => {
    for (const rows of [
      ['1110', '1000', '1110'],
      ['0110', '1111', '0110'],
      ['1000', '0100', '0011'], // diagonal steps: one 8-connected outline
      ['1', '1', '1'],
    ]) {
      const { w, h, labels } = grid(rows);
      const start = labels.indexOf(1);
      const poly = traceOutline(labels, w, h, start);
      expect([rows.join('/'), polygonArea(poly)]).toEqual([rows.join('/'), labels.reduce((a, v) => a + v, 0)]);
    }
  });

  it('ignores holes and other labels', () => {
    const { w, h, labels } = grid(['11122', '10122', '11122']);
    expect(polygonArea(traceOutline(labels, w, h, 0))).toBe(9);
    expect(polygonArea(traceOutline(labels, w, h, 3))).toBe(6);
  });
});
