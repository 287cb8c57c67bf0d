/** The kinds of microscopy image the DSB 2018 set mixes, told apart by simple image statistics. */
export type ImageKind = 'fluorescence' | 'brightfield' | 'stained';

export const IMAGE_KINDS: readonly ImageKind[] = ['fluorescence', 'brightfield', 'stained'];

/**
 * 'stained' when the image is coloured (mean channel spread above 12 of 255, as H&E-like stains),
 * else 'brightfield' when the background (the median gray) is light, else 'fluorescence' (bright
 * nuclei on a dark background). `data` is 8-bit RGB, `w*h*3`.
 */
export function imageKind(data: Uint8Array): ImageKind {
  const n = data.length / 3;
  if (n === 0) return 'fluorescence';
  let spread = 0;
  const hist = new Float64Array(256);
  for (let i = 0; i < n; i++) {
    const r = data[3 * i];
    const g = data[3 * i + 1];
    const b = data[3 * i + 2];
    spread += Math.max(r, g, b) - Math.min(r, g, b);
    hist[Math.round((r + g + b) / 3)]++;
  }
  if (spread / n > 12) return 'stained';
  let seen = 0;
  let median = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v];
    if (seen >= n / 2) {
      median = v;
      break;
    }
  }
  return median > 110 ? 'brightfield' : 'fluorescence';
}
