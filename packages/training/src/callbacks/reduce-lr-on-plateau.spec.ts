import { epochLogs, fakeContext } from '../test-utils/fake-context';
import { blobSamples } from '../test-utils/samples';
import { tinyModel } from '../test-utils/tiny-model';
import { useCpu } from '../test-utils/backend';
import { train } from '../train';
import { reduceLrOnPlateau } from './reduce-lr-on-plateau';

describe('reduceLrOnPlateau', () => {
  it('multiplies the lr by factor after patience epochs of plateau, down to minLr', () => {
    const ctx = fakeContext({}, 0.01);
    const changes: Array<{ epoch: number; from: number; to: number }> = [];
    const cb = reduceLrOnPlateau({ factor: 0.1, patience: 2, minLr: 0.0005, onReduce: (c) => changes.push(c) });
    [1, 0.5, 0.6, 0.7].forEach((v, e) => cb.onEpochEnd!(epochLogs(e, v), ctx));
    expect(ctx.lr).toBeCloseTo(0.001);
    [0.8, 0.9].forEach((v, e) => cb.onEpochEnd!(epochLogs(e + 4, v), ctx));
    expect(ctx.lr).toBeCloseTo(0.0005); // clamped
    [0.8, 0.9].forEach((v, e) => cb.onEpochEnd!(epochLogs(e + 6, v), ctx));
    expect(changes.map((c) => c.epoch)).toEqual([3, 5]);
  });

  it('waits `cooldown` epochs after a reduction', () => {
    const ctx = fakeContext({}, 1);
    const cb = reduceLrOnPlateau({ factor: 0.5, patience: 1, cooldown: 2 });
    [1, 2].forEach((v, e) => cb.onEpochEnd!(epochLogs(e, v), ctx));
    expect(ctx.lr).toBe(0.5);
    [2, 2].forEach((v, e) => cb.onEpochEnd!(epochLogs(e + 2, v), ctx));
    expect(ctx.lr).toBe(0.5);
    cb.onEpochEnd!(epochLogs(4, 2), ctx);
    expect(ctx.lr).toBe(0.25);
  });

  it("changes the Adam optimizer's learning rate in a real run, and the next epoch uses it", async () => {
    await useCpu();
    const model = tinyModel(16, 0.01);
    // A huge minDelta makes every epoch a plateau.
    const result = await train(
      model,
      { train: blobSamples(4), val: blobSamples(2, 16, 9) },
      {
        epochs: 3,
        batchSize: 4,
        callbacks: [reduceLrOnPlateau({ factor: 0.5, patience: 1, minDelta: 100 })],
      },
    );
    const lr = (model.optimizer as unknown as { learningRate: number }).learningRate;
    model.dispose();
    expect(result.history.map((h) => h.lr)).toEqual([0.01, 0.01, 0.005]);
    expect(lr).toBeCloseTo(0.0025);
  });
});
