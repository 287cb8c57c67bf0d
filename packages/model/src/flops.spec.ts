import { modelFlops } from './flops';

describe('modelFlops', () => {
  it('counts about 1.5 GFLOP forward for the seed network on 128x128', () => {
    const { forward, train } = modelFlops();
    expect(forward).toBeGreaterThan(1.3e9);
    expect(forward).toBeLessThan(1.7e9);
    expect(train).toBe(3 * forward);
  });

  it('matches a hand count for a depth-1 net (two 3x3 convs + 1x1 output)', () => {
    const f = modelFlops({ inputSize: 4, depth: 1, baseFilters: 2, inputChannels: 3 });
    // 16 px * 9 * (3*2 + 2*2) + 16 px * 2 * 1 MACs, x2 for FLOPs
    expect(f.forward).toBe(2 * (16 * 9 * (6 + 4) + 16 * 2));
  });

  it('scales with the square of the input side and roughly with filters squared', () => {
    expect(modelFlops({ inputSize: 256 }).forward).toBe(4 * modelFlops().forward);
    const small = modelFlops('small').forward;
    expect(small).toBeLessThan(modelFlops().forward / 3);
  });
});
