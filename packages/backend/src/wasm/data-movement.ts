// Data-movement kernels for wasm written as plain loops over the wasm heap. wasm's own
// DepthToSpace (a per-element index loop), SplitV (one Slice per pixel run) and Sum over the
// leading axes (a full transpose first) cost more in a U-Net training step than these copies.
// No arithmetic beyond the Sum's additions happens here.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from './kernel-utils';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };
type F32 = Float32Array;

function prod(a: number[]): number {
  return a.reduce((p, v) => p * v, 1);
}

/** NHWC DepthToSpace: out[n, h*bs+a, w*bs+b, c] = x[n, h, w, (a*bs+b)*C + c]. */
export function depthToSpaceNHWC(backend: BackendWasm, x: TensorInfo, bs: number): TensorInfo {
  const [n, h, w, cin] = x.shape;
  const c = cin / (bs * bs);
  const out = backend.makeOutput([n, h * bs, w * bs, c], 'float32');
  const src = backend.typedArrayFromHeap(x) as F32;
  const dst = backend.typedArrayFromHeap(out) as F32;
  const run = bs * c; // contiguous in both
  let d = 0;
  for (let nh = 0; nh < n * h; nh++) {
    for (let a = 0; a < bs; a++) {
      let s = nh * w * cin + a * run;
      for (let j = 0; j < w; j++, s += cin) {
        for (let i = 0; i < run; i++) dst[d++] = src[s + i];
      }
    }
  }
  return out;
}

/** [kh,kw,ci,co] -> [kh,kw,co,ci] spatially reversed (one pass; wasm's Reverse is slow for this). */
export function reverseSwapFilter(backend: BackendWasm, f: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = f.shape;
  const out = backend.makeOutput([kh, kw, co, ci], 'float32');
  const src = backend.typedArrayFromHeap(f) as F32;
  const dst = backend.typedArrayFromHeap(out) as F32;
  const k = kh * kw,
    cc = ci * co;
  for (let t = 0; t < k; t++) {
    const s0 = (k - 1 - t) * cc,
      d0 = t * cc;
    for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) dst[d0 + o * ci + i] = src[s0 + i * co + o];
  }
  return out;
}

function copyRuns(src: F32, sOff: number, sStride: number, dst: F32, dOff: number, dStride: number, rows: number, run: number): void {
  if (run >= 256) {
    for (let r = 0; r < rows; r++) dst.set(src.subarray(sOff + r * sStride, sOff + r * sStride + run), dOff + r * dStride);
    return;
  }
  for (let r = 0; r < rows; r++) {
    let s = sOff + r * sStride,
      d = dOff + r * dStride;
    const e = s + run;
    while (s < e) dst[d++] = src[s++];
  }
}

const originals: Record<string, tf.KernelFunc | undefined> = {};
function fallback(name: string, args: Args): TensorInfo | TensorInfo[] {
  const f = originals[name];
  if (!f) throw new Error(`no fallback for wasm ${name}`);
  return f(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo | TensorInfo[];
}

function depthToSpace(args: Args): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const { blockSize, dataFormat } = args.attrs as unknown as tf.DepthToSpaceAttrs;
  if (dataFormat !== 'NHWC' || x.dtype !== 'float32') return fallback(tf.DepthToSpace, args) as TensorInfo;
  return depthToSpaceNHWC(args.backend as BackendWasm, x, blockSize);
}

function splitV(args: Args): TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
  if (x.dtype !== 'float32') return fallback(tf.SplitV, args) as TensorInfo[];
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, ax);
  const outer = prod(x.shape.slice(0, ax)),
    inner = prod(x.shape.slice(ax + 1));
  const outs = sizes.map((sz) => {
    const shape = x.shape.slice();
    shape[ax] = sz;
    return backend.makeOutput(shape, 'float32');
  });
  const src = backend.typedArrayFromHeap(x) as F32;
  const rowLen = x.shape[ax] * inner;
  let off = 0;
  outs.forEach((o, i) => {
    const run = sizes[i] * inner;
    copyRuns(src, off, rowLen, backend.typedArrayFromHeap(o) as F32, 0, run, outer, run);
    off += run;
  });
  return outs;
}

function concat(args: Args): TensorInfo {
  const backend = args.backend as BackendWasm;
  const list = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as TensorInfo[];
  const inputs = list.filter((t) => prod(t.shape) > 0);
  if (inputs.length < 2 || inputs.some((t) => t.dtype !== 'float32')) return fallback(tf.Concat, args) as TensorInfo;
  const ax = tf.util.parseAxisParam((args.attrs as unknown as tf.ConcatAttrs).axis, inputs[0].shape)[0];
  const outShape = tf.backend_util.computeOutShape(
    inputs.map((t) => t.shape),
    ax,
  );
  const out = backend.makeOutput(outShape, 'float32');
  const dst = backend.typedArrayFromHeap(out) as F32;
  const outer = prod(outShape.slice(0, ax)),
    rowLen = prod(outShape.slice(ax));
  let off = 0;
  for (const t of inputs) {
    const run = prod(t.shape.slice(ax));
    copyRuns(backend.typedArrayFromHeap(t) as F32, 0, run, dst, off, rowLen, outer, run);
    off += run;
  }
  return out;
}

/** Sum over leading axes (e.g. a bias gradient, [n,h,w,c] -> [c]); other reductions use wasm's. */
function sum(args: Args): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const r = x.shape.length;
  const leading = axes.length > 0 && axes.length < r && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== 'float32') return fallback(tf.Sum, args) as TensorInfo;
  const outer = prod(x.shape.slice(0, axes.length)),
    inner = prod(x.shape.slice(axes.length));
  const outShape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
  const acc = new Float64Array(inner);
  const src = backend.typedArrayFromHeap(x) as F32;
  for (let o = 0, s = 0; o < outer; o++) for (let i = 0; i < inner; i++) acc[i] += src[s++];
  const out = backend.makeOutput(outShape, 'float32');
  (backend.typedArrayFromHeap(out) as F32).set(acc);
  return out;
}

export const DATA_MOVEMENT_KERNELS = [tf.DepthToSpace, tf.SplitV, tf.Concat, tf.Sum];
const FUNCS: Record<string, unknown> = {
  [tf.DepthToSpace]: depthToSpace,
  [tf.SplitV]: splitV,
  [tf.Concat]: concat,
  [tf.Sum]: sum,
};

/** Config replacing wasm's `name`; keeps the original's setupFunc, and its kernelFunc as fallback. */
export function dataMovementConfig(kernelName: string, orig: tf.KernelConfig | undefined): tf.KernelConfig {
  if (orig) originals[kernelName] = orig.kernelFunc;
  return { kernelName, backendName: 'wasm', kernelFunc: FUNCS[kernelName] as tf.KernelFunc, setupFunc: orig?.setupFunc };
}
