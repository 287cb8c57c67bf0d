import { cosineRate, cosineSchedule } from './cosine-schedule';
import { fakeContext } from '../test-utils/fake-context';

describe('cosineSchedule', () => {
  it('runs from the peak at epoch 0 down to minFactor x peak at the last epoch, monotonically', () => {
    const rates = Array.from({ length: 10 }, (_, e) => cosineRate(e, 10, 1e-3, 0.02));
    expect(rates[0]).toBeCloseTo(1e-3);
    expect(rates[9]).toBeCloseTo(2e-5);
    expect(rates[5]).toBeLessThan(rates[4]);
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThan(rates[i - 1]);
  });

  it('warms up linearly before decaying', () => {
    expect(cosineRate(0, 10, 1, 0, 2)).toBeCloseTo(1 / 3);
    expect(cosineRate(1, 10, 1, 0, 2)).toBeCloseTo(2 / 3);
    expect(cosineRate(2, 10, 1, 0, 2)).toBeCloseTo(1);
  });

  it('sets the rate each epoch and keeps its peak across a resume', () => {
    const ctx = fakeContext({ epochs: 4 }, 0.01);
    const cb = cosineSchedule();
    cb.onTrainBegin!(ctx);
    cb.onEpochBegin!(3, ctx);
    expect(ctx.getLearningRate()).toBeCloseTo(0.01 * 0.02);
    // A resumed run starts with the decayed rate on the optimizer; the saved peak still rules.
    const again = cosineSchedule();
    again.setState!(cb.getState!());
    again.onTrainBegin!(ctx);
    again.onEpochBegin!(1, ctx);
    expect(ctx.getLearningRate()).toBeCloseTo(cosineRate(1, 4, 0.01));
  });
});
