/** Deterministic PRNG (mulberry32): the same seed gives the same stream on every platform. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of a copy, driven by `createRng(seed)`. */
export function seededShuffle<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  const rng = createRng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Seeded shuffle then split. With at least two items both parts are non-empty, so a tiny
 * dataset still has something to validate on and something to train on.
 */
export function splitTrainVal<T>(items: T[], validationFraction = 0.1, seed = 42): { train: T[]; val: T[] } {
  if (!(validationFraction >= 0 && validationFraction < 1)) throw new RangeError(`validationFraction must be in [0, 1), got ${validationFraction}`);
  const shuffled = seededShuffle(items, seed);
  let nVal = Math.round(items.length * validationFraction);
  if (validationFraction > 0 && items.length >= 2) nVal = Math.min(Math.max(nVal, 1), items.length - 1);
  return { val: shuffled.slice(0, nVal), train: shuffled.slice(nVal) };
}
