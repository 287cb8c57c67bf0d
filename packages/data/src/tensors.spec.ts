import * as tf from '@tensorflow/tfjs';
import { batches, samplesToTensors } from './tensors';
import type { Sample } from './types';

const S = 8;
/** Sample i has image value i everywhere and a mask that is 1 on its first i+1 pixels. */
function samples(n: number): Sample[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    image: new Uint8Array(S * S * 3).fill(i),
    mask: Uint8Array.from({ length: S * S }, (_, p) => (p <= i ? 1 : 0)),
    originalWidth: 20,
    originalHeight: 10,
  }));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  // tfjs suggests installing tfjs-node on first use of the cpu backend; not this test's concern.
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  tf.tidy(() => tf.zeros([1]));
  warn.mockRestore();
});

describe('samplesToTensors', () => {
  it('stacks images as float32 0..255 and masks as [n,s,s,1] 0|1', () => {
    const before = tf.memory().numTensors;
    const { x, y } = samplesToTensors(samples(3), S);
    expect(x.shape).toEqual([3, S, S, 3]);
    expect(y.shape).toEqual([3, S, S, 1]);
    expect(x.dtype).toBe('float32');
    const xs = x.dataSync();
    const ys = y.dataSync();
    for (let i = 0; i < 3; i++) {
      expect(xs[i * S * S * 3 + 5]).toBe(i);
      expect(Array.from(ys.subarray(i * S * S, i * S * S + 4))).toEqual([0, 1, 2, 3].map((p) => (p <= i ? 1 : 0)));
    }
    x.dispose();
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a sample of the wrong size', () => {
    expect(() => samplesToTensors(samples(2), S + 1)).toThrow(/s0/);
  });
});

describe('batches', () => {
  const ids = (x: tf.Tensor4D) => {
    const d = x.dataSync();
    return Array.from({ length: x.shape[0] }, (_, i) => d[i * S * S * 3]);
  };

  it('yields every sample once in batches of the given size, the last one partial', () => {
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const { x, y } of batches(samples(7), 3, { size: S })) {
      sizes.push(x.shape[0]);
      expect(y.shape[0]).toBe(x.shape[0]);
      seen.push(...ids(x));
      x.dispose();
      y.dispose();
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('shuffles reproducibly by seed', () => {
    const order = (seed: number) => {
      const out: number[] = [];
      for (const { x, y } of batches(samples(9), 4, { size: S, shuffleSeed: seed })) {
        out.push(...ids(x));
        tf.dispose([x, y]);
      }
      return out;
    };
    expect(order(1)).toEqual(order(1));
    expect(order(1)).not.toEqual(order(2));
    expect([...order(1)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('augments reproducibly and keeps masks binary', () => {
    const run = (seed: number) => {
      const out: number[] = [];
      for (const { x, y } of batches(samples(4), 4, { size: S, augment: true, seed })) {
        const yd = y.dataSync();
        expect(yd.every((v) => v === 0 || v === 1)).toBe(true);
        out.push(...yd);
        tf.dispose([x, y]);
      }
      return out;
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });
});
