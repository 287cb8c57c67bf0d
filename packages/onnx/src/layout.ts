/**
 * TF.js tensors are NHWC (channels last), ONNX graphs NCHW: `n` images of `plane` pixels with
 * `c` channels, reordered between the two.
 */
export function nhwcToNchw(src: ArrayLike<number>, n: number, plane: number, c: number): Float32Array {
  const out = new Float32Array(n * plane * c);
  for (let t = 0; t < n; t++) {
    const base = t * plane * c;
    for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) out[base + ch * plane + p] = src[base + p * c + ch];
  }
  return out;
}

export function nchwToNhwc(src: ArrayLike<number>, n: number, plane: number, c: number): Float32Array {
  const out = new Float32Array(n * plane * c);
  for (let t = 0; t < n; t++) {
    const base = t * plane * c;
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[base + p * c + ch] = src[base + ch * plane + p];
  }
  return out;
}
