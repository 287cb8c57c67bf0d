import { medianDiameter, touchingBorders } from './targets';

/** Label image from rows of digits. */
const grid = (rows: string[]) => ({ w: rows[0].length, h: rows.length, labels: Int32Array.from(rows.join('').split('').map(Number)) });
const show = (m: Uint8Array, w: number) => Array.from({ length: m.length / w }, (_, y) => Array.from(m.subarray(y * w, y * w + w)).join(''));

describe('touchingBorders', () => {
  it('marks the pixels of each nucleus within the radius of another nucleus, and nothing else', () => {
    const { w, h, labels } = grid(['11112222', '11112222', '11112222', '00000000', '00000333']);
    expect(show(touchingBorders(labels, w, h, 1), w)).toEqual(['00011000', '00011000', '00011000', '00000000', '00000000']);
    // Nucleus 3 lies 2 px below nucleus 2: at radius 2 they touch too.
    expect(show(touchingBorders(labels, w, h, 2), w)).toEqual(['00111100', '00111100', '00111111', '00000000', '00000111']);
  });

  it('counts a gap of background: nuclei 2 px apart touch at radius 2, not at radius 1', () => {
    const { w, h, labels } = grid(['1102']);
    expect(show(touchingBorders(labels, w, h, 1), w)).toEqual(['0000']);
    expect(show(touchingBorders(labels, w, h, 2), w)).toEqual(['0101']);
  });

  it('leaves a lone nucleus without borders and checks the size', () => {
    const { w, h, labels } = grid(['0110', '0110']);
    expect(Array.from(touchingBorders(labels, w, h)).every((v) => v === 0)).toBe(true);
    expect(() => touchingBorders(labels, 3, 3)).toThrow(/expected 3x3/);
  });
});

describe('medianDiameter', () => {
  it('is the median equivalent diameter, 0 without nuclei', () => {
    const labels = new Int32Array(400);
    labels.fill(1, 0, 4); // area 4
    labels.fill(2, 10, 110); // area 100
    labels.fill(3, 200, 225); // area 25
    expect(medianDiameter(labels)).toBeCloseTo(2 * Math.sqrt(25 / Math.PI));
    expect(medianDiameter(new Int32Array(9))).toBe(0);
  });
});
