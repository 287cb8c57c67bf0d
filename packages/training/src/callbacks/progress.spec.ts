import { blobSamples } from '../test-utils/samples';
import { tinyModel } from '../test-utils/tiny-model';
import { useCpu } from '../test-utils/backend';
import { train } from '../train';
import { progress, type ProgressEvent } from './progress';

describe('progress', () => {
  it('emits structured begin/batch/epoch/end events with rate, fraction and an ETA that reaches 0', async () => {
    await useCpu();
    const events: ProgressEvent[] = [];
    const model = tinyModel();
    await train(model, { train: blobSamples(6), val: blobSamples(2, 16, 3) }, { epochs: 2, batchSize: 4, callbacks: [progress((e) => events.push(e))] });
    model.dispose();
    expect(events.map((e) => e.type)).toEqual([
      'train-begin',
      'epoch-begin',
      'batch',
      'batch',
      'epoch-end',
      'epoch-begin',
      'batch',
      'batch',
      'epoch-end',
      'train-end',
    ]);
    expect(events[0]).toEqual({ type: 'train-begin', epochs: 2, initialEpoch: 0, batchesPerEpoch: 2, trainSize: 6, valSize: 2 });
    const batches = events.filter((e): e is Extract<ProgressEvent, { type: 'batch' }> => e.type === 'batch');
    expect(batches.map((b) => b.fraction)).toEqual([0.25, 0.5, 0.75, 1]);
    for (const b of batches) {
      expect(b.imagesPerSecond).toBeGreaterThan(0);
      expect(b.etaSeconds).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(b.loss) && typeof b.iou === 'number').toBe(true);
    }
    // After the first batch of a 2-epoch run, more than the remaining 3 batches' time is left.
    expect(batches[0].etaSeconds!).toBeGreaterThan(batches[3].etaSeconds!);
    const lastEpoch = events[8] as Extract<ProgressEvent, { type: 'epoch-end' }>;
    expect(lastEpoch.etaSeconds).toBe(0);
    expect(lastEpoch.logs.val_loss).toBeGreaterThan(0);
    expect(events[9]).toMatchObject({ type: 'train-end', stopReason: 'completed', epochsCompleted: 2 });
  });
});
