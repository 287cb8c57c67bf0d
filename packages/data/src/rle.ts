/**
 * Kaggle run-length encoding: pixels numbered 1.. in column-major order (top to bottom, then
 * left to right), written as "start length" pairs separated by spaces. Empty mask -> "".
 */
export function rleEncode(mask: Uint8Array, width: number, height: number): string {
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} pixels, expected ${width}x${height}`);
  const parts: number[] = [];
  let runStart = -1;
  const total = width * height;
  for (let n = 0; n < total; n++) {
    const x = Math.floor(n / height);
    const y = n - x * height;
    const on = mask[y * width + x] !== 0;
    if (on && runStart < 0) runStart = n;
    else if (!on && runStart >= 0) {
      parts.push(runStart + 1, n - runStart);
      runStart = -1;
    }
  }
  if (runStart >= 0) parts.push(runStart + 1, total - runStart);
  return parts.join(' ');
}

/** Inverse of rleEncode; rejects malformed or out-of-range runs. */
export function rleDecode(rle: string, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const trimmed = rle.trim();
  if (!trimmed) return mask;
  const nums = trimmed.split(/\s+/).map(Number);
  if (nums.length % 2 !== 0 || nums.some((v) => !Number.isInteger(v))) throw new Error(`malformed RLE: "${rle.slice(0, 60)}"`);
  const total = width * height;
  for (let k = 0; k < nums.length; k += 2) {
    const start = nums[k] - 1;
    const len = nums[k + 1];
    if (start < 0 || len < 0 || start + len > total) throw new RangeError(`RLE run ${nums[k]} ${len} outside a ${width}x${height} image`);
    for (let n = start; n < start + len; n++) {
      const x = Math.floor(n / height);
      mask[(n - x * height) * width + x] = 1;
    }
  }
  return mask;
}
