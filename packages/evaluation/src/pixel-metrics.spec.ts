import { pixelMetrics } from './pixel-metrics';

const m = (...v: number[]) => Uint8Array.from(v);

describe('pixelMetrics', () => {
  it('scores a hand-counted case: tp=2, fp=1, fn=1, tn=2', () => {
    const r = pixelMetrics(m(1, 1, 1, 0, 0, 0), m(1, 1, 0, 1, 0, 0));
    expect(r.iou).toBeCloseTo(2 / 4);
    expect(r.dice).toBeCloseTo(4 / 6);
    expect(r.accuracy).toBeCloseTo(4 / 6);
    expect(r.precision).toBeCloseTo(2 / 3);
    expect(r.recall).toBeCloseTo(2 / 3);
  });

  it('treats any non-zero value as foreground (0/255 masks)', () => {
    expect(pixelMetrics(m(255, 0), m(1, 0)).iou).toBe(1);
  });

  it('scores both-empty masks as perfect', () => {
    expect(pixelMetrics(m(0, 0, 0), m(0, 0, 0))).toEqual({ iou: 1, dice: 1, accuracy: 1, precision: 1, recall: 1 });
  });

  it('scores a missed nucleus and a false alarm as 0 IoU, with the undefined ratio set to 0', () => {
    const missed = pixelMetrics(m(0, 0, 0, 0), m(1, 1, 0, 0));
    expect(missed).toEqual({ iou: 0, dice: 0, accuracy: 0.5, precision: 0, recall: 0 });
    const falseAlarm = pixelMetrics(m(1, 0, 0, 0), m(0, 0, 0, 0));
    expect(falseAlarm).toEqual({ iou: 0, dice: 0, accuracy: 0.75, precision: 0, recall: 0 });
  });

  it('rejects masks of different sizes', () => {
    expect(() => pixelMetrics(m(1, 0), m(1))).toThrow(/sizes differ/);
  });
});
