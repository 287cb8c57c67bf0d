import { EtaEstimator } from './eta';

describe('EtaEstimator', () => {
  it('is undefined until a batch is measured, then counts remaining batches, validation and epochs', () => {
    const eta = new EtaEstimator(4, 1); // smoothing 1: the last batch time only
    expect(eta.totalSeconds(0, 2)).toBeUndefined();
    eta.addBatch(2);
    expect(eta.epochSeconds(1)).toBe(6);
    eta.addValidation(3);
    expect(eta.epochSeconds(4)).toBe(3);
    expect(eta.totalSeconds(4, 2)).toBe(3 + 2 * (4 * 2 + 3));
  });

  it('smooths batch times so one slow batch moves the estimate only partly', () => {
    const eta = new EtaEstimator(10, 0.1);
    eta.addBatch(1);
    eta.addBatch(11);
    expect(eta.epochSeconds(0)).toBeCloseTo(20); // 2 s per batch x 10
  });
});
