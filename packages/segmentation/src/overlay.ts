import type { RgbImage } from '@nuclei/data';
import { labelColour, outlineOf } from './label-colours';

export { labelColour, outlineOf };

export interface OverlayOptions {
  /** Tint opacity inside nuclei. Default 0.4. */
  alpha?: number;
  /** Tint the inside of nuclei. Default true. */
  fill?: boolean;
  /** Draw outlines in the nucleus colour, opaque. Default true. */
  outline?: boolean;
}

/** The image with each nucleus tinted in its own colour and outlined (what the VS Code viewer shows with the same options). */
export function renderOverlay(image: RgbImage, labels: Int32Array, opts: OverlayOptions = {}): RgbImage {
  const { width, height, data } = image;
  if (labels.length !== width * height) throw new RangeError(`renderOverlay: expected ${width * height} labels, got ${labels.length}`);
  const alpha = opts.fill === false ? 0 : (opts.alpha ?? 0.4);
  const edge = opts.outline === false ? null : outlineOf(labels, width, height);
  const out = new Uint8Array(data);
  const cache = new Map<number, [number, number, number]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l === 0) continue;
    let c = cache.get(l);
    if (!c) cache.set(l, (c = labelColour(l)));
    const a = edge && edge[i] ? 1 : alpha;
    for (let k = 0; k < 3; k++) out[i * 3 + k] = Math.round(data[i * 3 + k] * (1 - a) + c[k] * a);
  }
  return { width, height, data: out };
}
