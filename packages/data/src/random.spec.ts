import { createRng, seededShuffle, splitTrainVal } from './random';

describe('createRng', () => {
  it('is deterministic per seed, differs between seeds, and stays in [0, 1)', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const sa = Array.from({ length: 100 }, a);
    expect(Array.from({ length: 100 }, b)).toEqual(sa);
    expect(Array.from({ length: 100 }, c)).not.toEqual(sa);
    expect(sa.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = sa.reduce((s, v) => s + v, 0) / sa.length;
    expect(mean).toBeGreaterThan(0.35);
    expect(mean).toBeLessThan(0.65);
  });
});

describe('seededShuffle', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  it('returns a permutation without touching the input', () => {
    const s = seededShuffle(items, 3);
    expect([...s].sort((x, y) => x - y)).toEqual(items);
    expect(s).not.toEqual(items);
    expect(items[0]).toBe(0);
  });
  it('is reproducible for a seed', () => {
    expect(seededShuffle(items, 3)).toEqual(seededShuffle(items, 3));
    expect(seededShuffle(items, 3)).not.toEqual(seededShuffle(items, 4));
  });
});

describe('splitTrainVal', () => {
  it('splits disjointly by the fraction, reproducibly', () => {
    const items = Array.from({ length: 40 }, (_, i) => `id${i}`);
    const { train, val } = splitTrainVal(items, 0.25, 9);
    expect(val).toHaveLength(10);
    expect(train).toHaveLength(30);
    expect(new Set([...train, ...val]).size).toBe(40);
    expect(splitTrainVal(items, 0.25, 9)).toEqual({ train, val });
    expect(splitTrainVal(items, 0.25, 10).val).not.toEqual(val);
  });
  it('keeps both parts non-empty for tiny sets', () => {
    const { train, val } = splitTrainVal(['a', 'b', 'c'], 0.1);
    expect(val).toHaveLength(1);
    expect(train).toHaveLength(2);
  });
  it('default arguments are fraction 0.1 and seed 42', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    expect(splitTrainVal(items)).toEqual(splitTrainVal(items, 0.1, 42));
    expect(splitTrainVal(items).val).toHaveLength(2);
  });
});
