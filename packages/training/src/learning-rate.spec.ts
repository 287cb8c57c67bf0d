import * as tf from '@tensorflow/tfjs';
import { blobSamples } from './test-utils/samples';
import { tinyModel } from './test-utils/tiny-model';
import { useCpu } from './test-utils/backend';
import { samplesToTensors } from '@nuclei/data';
import { getLearningRate, setLearningRate } from './learning-rate';

beforeAll(useCpu);

/** Largest weight change of one Adam step (which is ~lr per weight on the first step). */
async function firstStepSize(lr: number | undefined): Promise<number> {
  const model = tinyModel(16, 0.01, 3);
  if (lr !== undefined) setLearningRate(model, lr);
  const before = model.getWeights().map((w) => w.dataSync().slice());
  const { x, y } = samplesToTensors(blobSamples(2), 16);
  await model.trainOnBatch(x, y);
  tf.dispose([x, y]);
  const after = model.getWeights().map((w) => w.dataSync());
  model.dispose();
  return Math.max(...before.flatMap((b, i) => Array.from(b, (v, j) => Math.abs(after[i][j] - v))));
}

describe('learning rate', () => {
  it('reads and sets the optimizer lr', () => {
    const model = tinyModel(16, 0.01);
    expect(getLearningRate(model)).toBe(0.01);
    setLearningRate(model, 0.002);
    expect(getLearningRate(model)).toBe(0.002);
    expect(() => setLearningRate(model, -1)).toThrow(/positive/);
    model.dispose();
  });

  it('a changed lr takes effect on the next Adam step', async () => {
    const normal = await firstStepSize(undefined);
    const reduced = await firstStepSize(1e-4);
    expect(normal).toBeCloseTo(0.01, 3);
    expect(reduced).toBeCloseTo(1e-4, 5);
  });
});
