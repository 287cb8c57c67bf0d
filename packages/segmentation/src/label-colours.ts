// Nucleus colours and outlines, shared by the saved overlay PNG and the VS Code viewer (which
// imports this file alone: no Node or TF.js dependencies here).

/**
 * 1 where a nucleus pixel has a 4-neighbour with another label (background or a touching
 * nucleus), so touching nuclei get a visible boundary between them. The image border is not an edge.
 */
export function outlineOf(labels: Int32Array, width: number, height: number): Uint8Array {
  if (labels.length !== width * height) throw new RangeError(`outlineOf: expected ${width * height} labels, got ${labels.length}`);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const l = labels[i];
      if (l === 0) continue;
      if (
        (x > 0 && labels[i - 1] !== l) ||
        (x < width - 1 && labels[i + 1] !== l) ||
        (y > 0 && labels[i - width] !== l) ||
        (y < height - 1 && labels[i + width] !== l)
      ) {
        out[i] = 1;
      }
    }
  }
  return out;
}

/**
 * A vivid colour for a label: hues stepped by the golden angle so neighbouring label numbers
 * (often neighbouring nuclei) get clearly different colours, for any number of labels.
 */
export function labelColour(label: number): [number, number, number] {
  const hue = (label * 137.50776405) % 360;
  const s = 0.85;
  const v = 1;
  const c = v * s;
  const hp = hue / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] = hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = v - c;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}
