import { defaultWorkerCount } from './worker-count';

describe('defaultWorkerCount', () => {
  test('one replica per core on single-threaded backends, capped at 4', () => {
    expect(defaultWorkerCount('wasm', 2)).toBe(2);
    expect(defaultWorkerCount('cpu', 16)).toBe(4);
    expect(defaultWorkerCount('wasm', 1)).toBe(1);
  });
  test('one on backends that thread by themselves', () => {
    expect(defaultWorkerCount('tensorflow', 8)).toBe(1);
    expect(defaultWorkerCount('tensorflow-gpu', 8)).toBe(1);
  });
});
