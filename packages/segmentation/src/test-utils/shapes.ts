/** Draws filled shapes into label images for tests: pixel centres inside the shape get `label`. */
export function drawEllipse(labels: Int32Array | Uint8Array, w: number, cx: number, cy: number, a: number, b: number, label: number, theta = 0): void {
  const h = labels.length / w;
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const u = (dx * c + dy * s) / a;
      const v = (-dx * s + dy * c) / b;
      if (u * u + v * v <= 1 && labels[y * w + x] === 0) labels[y * w + x] = label;
    }
  }
}

export function toMask(labels: Int32Array): Uint8Array {
  return Uint8Array.from(labels, (v) => (v > 0 ? 1 : 0));
}

/** An RGB image: bright (220) where labels > 0, dark (20) elsewhere, with a faint gradient. */
export function imageFromLabels(labels: Int32Array, w: number, h: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const v = labels[i] > 0 ? 220 : 20 + ((i % w) % 16);
    data[i * 3] = v;
    data[i * 3 + 1] = v;
    data[i * 3 + 2] = Math.max(0, v - 10);
  }
  return { width: w, height: h, data };
}
