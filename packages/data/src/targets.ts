/**
 * Touching borders: pixels of a nucleus within `radius` px (Euclidean) of a pixel of another
 * nucleus, the second target of the 2018 winners. Built from the instance labels at full
 * resolution, before any resizing, so it is exact.
 */
export function touchingBorders(labels: Int32Array | Uint16Array, width: number, height: number, radius = 2): Uint8Array {
  if (labels.length !== width * height) throw new RangeError(`labels have ${labels.length} pixels, expected ${width}x${height}`);
  const r = Math.floor(radius);
  const offsets: Array<[number, number]> = [];
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if ((dx || dy) && dx * dx + dy * dy <= radius * radius) offsets.push([dx, dy]);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = labels[y * width + x];
      if (a === 0) continue;
      for (const [dx, dy] of offsets) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
        const b = labels[yy * width + xx];
        if (b !== 0 && b !== a) {
          out[y * width + x] = 1;
          break;
        }
      }
    }
  }
  return out;
}

/** Median equivalent diameter (2 sqrt(area / pi)) of the nuclei of a label image; 0 without any. */
export function medianDiameter(labels: Int32Array | Uint16Array): number {
  const areas = new Map<number, number>();
  for (const v of labels) if (v) areas.set(v, (areas.get(v) ?? 0) + 1);
  if (areas.size === 0) return 0;
  const d = [...areas.values()].map((a) => 2 * Math.sqrt(a / Math.PI)).sort((a, b) => a - b);
  const m = d.length >> 1;
  return d.length % 2 ? d[m] : (d[m - 1] + d[m]) / 2;
}
