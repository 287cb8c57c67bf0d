function checkLengths(masks: Uint8Array[], width: number, height: number): void {
  masks.forEach((m, i) => {
    if (m.length !== width * height) throw new RangeError(`mask ${i} has ${m.length} pixels, expected ${width}x${height}`);
  });
}

/** Binary union of per-nucleus masks (the seed's np.maximum): 1 where any mask is non-zero. */
export function mergeMasks(masks: Uint8Array[], width: number, height: number): Uint8Array {
  checkLengths(masks, width, height);
  const out = new Uint8Array(width * height);
  for (const m of masks) orInto(out, m);
  return out;
}

/** out |= (m != 0), in place. */
export function orInto(out: Uint8Array, m: Uint8Array): void {
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) out[i] = 1;
}

/**
 * Instance labels: mask i (0-based) becomes label i+1. Where masks overlap (DSB masks should
 * not) the earlier mask keeps the pixel, so no nucleus is silently erased by a later one.
 */
export function masksToLabels(masks: Uint8Array[], width: number, height: number): Int32Array {
  checkLengths(masks, width, height);
  const out = new Int32Array(width * height);
  masks.forEach((m, i) => labelInto(out, m, i + 1));
  return out;
}

/** Writes `label` where m != 0 and the pixel is still background. */
export function labelInto(out: Int32Array, m: Uint8Array, label: number): void {
  for (let i = 0; i < m.length; i++) if (m[i] !== 0 && out[i] === 0) out[i] = label;
}
