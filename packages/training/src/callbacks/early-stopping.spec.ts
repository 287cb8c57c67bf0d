import { epochLogs, fakeContext } from '../test-utils/fake-context';
import { blobSamples } from '../test-utils/samples';
import { tinyModel } from '../test-utils/tiny-model';
import { useCpu } from '../test-utils/backend';
import { train } from '../train';
import { earlyStopping } from './early-stopping';

describe('earlyStopping', () => {
  it('stops after `patience` epochs without an improvement larger than minDelta', () => {
    const ctx = fakeContext();
    const cb = earlyStopping({ patience: 2, minDelta: 0.01 });
    const losses = [1, 0.8, 0.795, 0.79]; // 0.795 and 0.79 are within minDelta of 0.8
    losses.forEach((v, e) => cb.onEpochEnd!(epochLogs(e, v), ctx));
    expect(ctx.stopRequested).toBe('early-stopping');
    expect(cb.stoppedEpoch).toBe(3);
  });

  it('resets the wait on improvement and maximises accuracy-like metrics in auto mode', () => {
    const ctx = fakeContext();
    const cb = earlyStopping({ monitor: 'val_iou', patience: 2 });
    [0.1, 0.2, 0.15, 0.3, 0.25].forEach((v, e) => cb.onEpochEnd!(epochLogs(e, 1, { val_iou: v }), ctx));
    expect(ctx.stopRequested).toBeUndefined();
    cb.onEpochEnd!(epochLogs(5, 1, { val_iou: 0.29 }), ctx);
    expect(ctx.stopRequested).toBe('early-stopping');
  });

  it('carries its wait count across a resume via get/setState', () => {
    const a = earlyStopping({ patience: 3 });
    const ctx = fakeContext();
    [1, 2, 3].forEach((v, e) => a.onEpochEnd!(epochLogs(e, v), ctx));
    const b = earlyStopping({ patience: 3 });
    b.setState!(JSON.parse(JSON.stringify(a.getState!())));
    const ctx2 = fakeContext();
    b.onEpochEnd!(epochLogs(3, 4), ctx2);
    expect(ctx2.stopRequested).toBe('early-stopping');
  });

  it('ends a real run with stopReason early-stopping', async () => {
    await useCpu();
    const model = tinyModel(16, 0); // lr 0: nothing improves
    const result = await train(
      model,
      { train: blobSamples(4), val: blobSamples(2, 16, 9) },
      { epochs: 10, batchSize: 4, callbacks: [earlyStopping({ patience: 2 })] },
    );
    model.dispose();
    expect(result.stopReason).toBe('early-stopping');
    expect(result.history).toHaveLength(3);
  });
});
