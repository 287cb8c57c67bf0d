/** Stand-in for "no background in sight": finite, so the parabola arithmetic never hits Inf - Inf. */
const FAR = 1e20;

/**
 * 1-D squared distance transform of sampled function f (Felzenszwalb & Huttenlocher 2012):
 * d[q] = min_p (q - p)^2 + f[p], via the lower envelope of parabolas; `arg[q]` (when given) gets
 * the minimising p. Scratch arrays are reused.
 */
function edt1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array, arg?: Int32Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) {
      k--;
      s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const dq = q - v[k];
    d[q] = dq * dq + f[v[k]];
    if (arg) arg[q] = v[k];
  }
}

/**
 * Exact Euclidean distance from each foreground pixel (mask != 0) to the nearest background
 * pixel; background pixels get 0. Separable: columns, then rows, O(pixels).
 * Outside the image is not background, so a nucleus cut by the border keeps its depth there.
 * A mask with no background at all gets a large finite distance everywhere.
 */
export function distanceTransform(mask: Uint8Array, width: number, height: number): Float32Array {
  if (mask.length !== width * height) throw new RangeError(`distanceTransform: mask has ${mask.length} pixels, expected ${width * height}`);
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const sq = new Float64Array(width * height);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = mask[y * width + x] !== 0 ? FAR : 0;
    edt1d(f, height, d, v, z);
    for (let y = 0; y < height; y++) sq[y * width + x] = d[y];
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) f[x] = sq[row + x];
    edt1d(f, width, d, v, z);
    for (let x = 0; x < width; x++) out[row + x] = Math.sqrt(Math.min(d[x], FAR));
  }
  return out;
}

/**
 * For every pixel, the nearest labelled pixel's label and the squared Euclidean distance to it
 * (0 inside a nucleus), exact: the separable transform above, keeping the minimising pixel of each
 * pass. Ties go to whichever pixel the transform meets first. Label 0 everywhere when there is none.
 */
export function nearestLabel(labels: Int32Array, width: number, height: number): { label: Int32Array; distance2: Float64Array } {
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const arg = new Int32Array(n);
  const sq = new Float64Array(width * height);
  const row = new Int32Array(width * height); // pass 1: the nearest labelled row in the pixel's column
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = labels[y * width + x] > 0 ? 0 : FAR;
    edt1d(f, height, d, v, z, arg);
    for (let y = 0; y < height; y++) {
      sq[y * width + x] = d[y];
      row[y * width + x] = arg[y];
    }
  }
  const label = new Int32Array(width * height);
  const distance2 = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const r = y * width;
    for (let x = 0; x < width; x++) f[x] = sq[r + x];
    edt1d(f, width, d, v, z, arg);
    for (let x = 0; x < width; x++) {
      distance2[r + x] = d[x];
      const cx = arg[x];
      label[r + x] = d[x] < FAR ? labels[row[r + cx] * width + cx] : 0;
    }
  }
  return { label, distance2 };
}
