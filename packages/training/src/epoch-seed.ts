const PURPOSES = { shuffle: 0x5bd1e995, augment: 0x27d4eb2f, kinds: 0x165667b1 } as const;

/**
 * A seed per epoch and purpose derived from the run seed, so epoch N shuffles, augments and
 * balances kinds the same way whether the run went straight through or was resumed at N.
 */

export function epochSeed(seed: number, epoch: number, purpose: 'shuffle' | 'augment' | 'kinds'): number {
  // FNV-1a style mixing of (seed, epoch, purpose): cheap, deterministic, well spread.
  let h = 0x811c9dc5 ^ PURPOSES[purpose];
  for (const v of [seed | 0, epoch | 0]) {
    h = Math.imul(h ^ (v & 0xffff), 0x01000193);
    h = Math.imul(h ^ (v >>> 16), 0x01000193);
  }
  return h >>> 0;
}
