import * as tf from '@tensorflow/tfjs';
import { randomValues, relError, runOn, setUpWasm } from './test-utils/setup-wasm';

type Pad = 'same' | 'valid' | number[][];
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  s: number;
  pad: Pad;
}

// x is the shape of the gradient produced (the conv's input); dy has the conv's output shape.
const cases: Case[] = [
  // the U-Net's shapes: 3x3 same convs, and its 2x2 stride-2 transposed convs (forward = backprop-input)
  { x: [2, 16, 16, 16], k: [3, 3], co: 16, s: 1, pad: 'same' },
  { x: [4, 8, 8, 32], k: [3, 3], co: 64, s: 1, pad: 'same' },
  { x: [3, 16, 16, 16], k: [2, 2], co: 32, s: 2, pad: 'same' },
  { x: [2, 8, 8, 128], k: [2, 2], co: 256, s: 2, pad: 'same' },
  { x: [1, 8, 8, 4], k: [2, 2], co: 8, s: 2, pad: 'valid' },
  { x: [2, 4, 4, 16], k: [1, 1], co: 1, s: 1, pad: 'valid' },
  // other strides, paddings, odd sizes
  { x: [2, 9, 7, 5], k: [3, 3], co: 6, s: 1, pad: 'valid' },
  { x: [2, 9, 7, 5], k: [3, 3], co: 6, s: 2, pad: 'same' },
  { x: [2, 9, 7, 5], k: [3, 3], co: 6, s: 2, pad: 'valid' },
  { x: [2, 9, 8, 5], k: [2, 2], co: 6, s: 2, pad: 'valid' },
  { x: [1, 10, 10, 4], k: [3, 2], co: 3, s: 2, pad: 'valid' },
  {
    x: [2, 8, 9, 3],
    k: [3, 3],
    co: 4,
    s: 1,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  {
    x: [2, 8, 9, 3],
    k: [3, 3],
    co: 4,
    s: 2,
    pad: [
      [0, 0],
      [2, 0],
      [1, 1],
      [0, 0],
    ],
  },
  {
    x: [2, 6, 6, 3],
    k: [2, 2],
    co: 4,
    s: 1,
    pad: [
      [0, 0],
      [3, 0],
      [0, 2],
      [0, 0],
    ],
  },
  { x: [5, 6, 6, 2], k: [5, 5], co: 3, s: 1, pad: 'same' },
];

beforeAll(async () => {
  await setUpWasm();
});

describe('wasm Conv2DBackpropInput', () => {
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('matches cpu: %s', async (_name, c) => {
    const filterShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.co];
    const info = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.s, 1, c.pad as 'same', undefined, false, 'channelsLast');
    const dyShape = info.outShape;
    const inputs = {
      dy: {
        shape: dyShape,
        values: randomValues(
          dyShape.reduce((a, b) => a * b),
          3,
        ),
      },
      filter: {
        shape: filterShape,
        values: randomValues(
          filterShape.reduce((a, b) => a * b),
          4,
        ),
      },
    };
    const attrs = { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
    const before = tf.memory().numTensors;
    const got = await runOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
    expect(tf.memory().numTensors).toBe(before);
    const want = await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
    expect(got.shape).toEqual(want.shape);
    expect(relError(got.values, want.values)).toBeLessThan(1e-4);
  });

  it('conv2dTranspose (the U-Net upsampling layer) matches cpu', async () => {
    const x = randomValues(2 * 8 * 8 * 32, 5),
      f = randomValues(2 * 2 * 16 * 32, 6);
    const run = async (b: string) => {
      await tf.setBackend(b);
      const y = tf.tidy(() => tf.conv2dTranspose(tf.tensor4d(x, [2, 8, 8, 32]), tf.tensor4d(f, [2, 2, 16, 32]), [2, 16, 16, 16], 2, 'same'));
      const v = (await y.data()) as Float32Array;
      y.dispose();
      return v;
    };
    const want = await run('cpu');
    const got = await run('wasm');
    expect(relError(got, want)).toBeLessThan(1e-4);
  });
});
