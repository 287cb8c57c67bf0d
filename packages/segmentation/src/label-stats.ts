/** Per-label pixel count, coordinate sums (pixel centres at integers) and bounding box, in one pass. */
export interface LabelStats {
  area: Float64Array;
  sumX: Float64Array;
  sumY: Float64Array;
  x0: Int32Array;
  y0: Int32Array;
  /** Inclusive. */
  x1: Int32Array;
  y1: Int32Array;
}

/** Stats of labels 1..count (index 0 unused); a label above count is an error naming its pixel. */
export function labelStats(labels: Int32Array, width: number, height: number, count: number): LabelStats {
  const s: LabelStats = {
    area: new Float64Array(count + 1),
    sumX: new Float64Array(count + 1),
    sumY: new Float64Array(count + 1),
    x0: new Int32Array(count + 1).fill(width),
    y0: new Int32Array(count + 1).fill(height),
    x1: new Int32Array(count + 1).fill(-1),
    y1: new Int32Array(count + 1).fill(-1),
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const l = labels[y * width + x];
      if (l <= 0) continue;
      if (l > count) throw new RangeError(`label ${l} at (${x}, ${y}) exceeds the count ${count}`);
      s.area[l]++;
      s.sumX[l] += x;
      s.sumY[l] += y;
      if (x < s.x0[l]) s.x0[l] = x;
      if (x > s.x1[l]) s.x1[l] = x;
      if (y < s.y0[l]) s.y0[l] = y;
      if (y > s.y1[l]) s.y1[l] = y;
    }
  }
  return s;
}
