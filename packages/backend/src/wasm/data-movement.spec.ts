import * as tf from '@tensorflow/tfjs';
import { randomValues, relError, setUpWasm } from './test-utils/setup-wasm';

beforeAll(async () => {
  await setUpWasm();
});

/** Run `f` on cpu and on wasm with the same random inputs; the results must agree. */
async function compare(shapes: number[][], f: (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<void> {
  const vals = shapes.map((s, i) =>
    randomValues(
      s.reduce((a, b) => a * b, 1),
      10 + i,
    ),
  );
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const xs = shapes.map((s, i) => tf.tensor(vals[i], s));
    const out = f(xs);
    const outs = Array.isArray(out) ? out : [out];
    const res = await Promise.all(outs.map(async (o) => ({ shape: o.shape, v: (await o.data()) as Float32Array })));
    tf.dispose([...xs, ...outs]);
    expect(tf.memory().numTensors).toBe(before);
    return res;
  };
  const want = await run('cpu');
  const got = await run('wasm');
  expect(got.map((g) => g.shape)).toEqual(want.map((w) => w.shape));
  got.forEach((g, i) => expect(relError(g.v, want[i].v)).toBeLessThan(1e-5));
}

describe('wasm data-movement kernels', () => {
  it.each([
    [[2, 4, 5, 12], 2],
    [[1, 3, 3, 27], 3],
    [[2, 8, 8, 128], 2],
  ] as const)('DepthToSpace %j block %d', async (shape, bs) => {
    await compare([[...shape]], ([x]) => tf.depthToSpace(x as tf.Tensor4D, bs, 'NHWC'));
  });

  it.each([
    [[2, 16, 16, 32], [16, 16], 3],
    [[2, 5, 6, 7], [3, 4], 3],
    [[2, 5, 6, 7], [2, 1, 2], 1],
    [[4, 300], [100, 200], 1],
    [[6, 4], [1, 5], 0],
  ] as const)('SplitV %j into %j on axis %d', async (shape, sizes, axis) => {
    await compare([[...shape]], ([x]) => tf.split(x, [...sizes], axis));
  });

  it.each([
    [
      [
        [2, 16, 16, 16],
        [2, 16, 16, 16],
      ],
      3,
    ],
    [
      [
        [2, 3, 4, 5],
        [2, 3, 4, 2],
        [2, 3, 4, 1],
      ],
      -1,
    ],
    [
      [
        [2, 3, 4],
        [2, 5, 4],
      ],
      1,
    ],
    [
      [
        [3, 300],
        [3, 400],
      ],
      1,
    ],
  ] as const)('Concat %j on axis %d', async (shapes, axis) => {
    await compare(
      shapes.map((s) => [...s]),
      (xs) => tf.concat(xs, axis),
    );
  });

  it.each([
    [[4, 8, 8, 16], [0, 1, 2], false],
    [[4, 8, 8, 16], [0, 1, 2], true],
    [[5, 7], 0, false],
    [[4, 8, 8, 16], [1, 2], false],
    [[4, 8, 8, 16], -1, true],
    [[4, 8, 8, 16], null, false],
  ] as const)('Sum %j over %j keepDims %s', async (shape, axis, keepDims) => {
    await compare([[...shape]], ([x]) => tf.sum(x, axis === null ? undefined : (axis as number | number[]), keepDims));
  });
});
