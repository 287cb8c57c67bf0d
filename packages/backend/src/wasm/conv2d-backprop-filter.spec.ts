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

const cases: Case[] = [
  // the U-Net's shapes: 3x3 same convs, and the filter gradient of its 2x2 stride-2 transposed convs
  { x: [2, 16, 16, 3], k: [3, 3], co: 16, s: 1, pad: 'same' },
  { x: [4, 8, 8, 32], k: [3, 3], co: 32, s: 1, pad: 'same' },
  { x: [3, 16, 16, 8], k: [2, 2], co: 16, s: 2, pad: 'same' },
  { x: [1, 8, 8, 64], k: [2, 2], co: 128, s: 2, pad: 'valid' },
  { x: [2, 4, 4, 16], k: [1, 1], co: 1, s: 1, pad: 'valid' },
  // other strides, paddings, odd sizes
  { x: [2, 9, 7, 5], k: [3, 3], co: 6, s: 1, pad: 'valid' },
  { x: [2, 9, 7, 5], k: [3, 3], co: 6, s: 2, pad: 'same' },
  { x: [2, 9, 7, 5], k: [3, 3], co: 6, s: 2, pad: 'valid' },
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
  { x: [5, 6, 6, 2], k: [5, 5], co: 3, s: 1, pad: 'same' },
];

beforeAll(async () => {
  await setUpWasm();
});

describe('wasm Conv2DBackpropFilter', () => {
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('matches cpu: %s', async (_name, c) => {
    const info = tf.backend_util.computeConv2DInfo(c.x, [c.k[0], c.k[1], c.x[3], c.co], c.s, 1, c.pad as 'same', undefined, false, 'channelsLast');
    const dyShape = info.outShape;
    const inputs = {
      x: {
        shape: c.x,
        values: randomValues(
          c.x.reduce((a, b) => a * b),
          1,
        ),
      },
      dy: {
        shape: dyShape,
        values: randomValues(
          dyShape.reduce((a, b) => a * b),
          2,
        ),
      },
    };
    const attrs = { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k[0], c.k[1], c.x[3], c.co] };
    const before = tf.memory().numTensors;
    const got = await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
    expect(tf.memory().numTensors).toBe(before);
    const want = await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    expect(got.shape).toEqual(want.shape);
    expect(relError(got.values, want.values)).toBeLessThan(1e-4);
  });
});
