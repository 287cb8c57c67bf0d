import type { Sample } from '@nuclei/data';

/** Tiny deterministic generator so tests do not depend on Math.random. */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/**
 * `count` square samples of bright round blobs on a dark noisy background; the mask is the blobs.
 * Easy enough that a tiny conv net's loss drops within a few epochs.
 */
export function blobSamples(count: number, size = 16, seed = 1): Sample[] {
  const rand = lcg(seed);
  const out: Sample[] = [];
  for (let n = 0; n < count; n++) {
    const image = new Uint8Array(size * size * 3);
    const mask = new Uint8Array(size * size);
    const blobs = 1 + Math.floor(rand() * 3);
    const centres = Array.from({ length: blobs }, () => ({ x: rand() * size, y: rand() * size, r: 1.5 + rand() * size * 0.15 }));
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = centres.some((c) => (x - c.x) ** 2 + (y - c.y) ** 2 <= c.r * c.r);
        const i = y * size + x;
        mask[i] = inside ? 1 : 0;
        const v = inside ? 170 + rand() * 80 : rand() * 60;
        image[i * 3] = v;
        image[i * 3 + 1] = v * 0.8;
        image[i * 3 + 2] = v * 0.6;
      }
    }
    out.push({ id: `blob-${seed}-${n}`, image, mask, originalWidth: size, originalHeight: size });
  }
  return out;
}
