// Conv2DBackpropFilter for the wasm backend (which has none), built on its XNNPACK Conv2D.
//
//   dW[kh,kw,ci,co] = sum_{n,y,x} X[n, y*s+kh-pt, x*s+kw-pl, ci] * dY[n,y,x,co]
//
// is a convolution of X with its channels moved to the batch axis (X' = [ci, H, W, n]) by dY
// used as the filter (F = [Ho, Wo, n, co], dilation = stride), stride 1, which gives
// [ci, kh, kw, co]; a transpose makes it [kh, kw, ci, co].
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Scope, TensorInfo, isNHWC } from './kernel-utils';

export interface BackpropFilterArgs {
  x: TensorInfo;
  dy: TensorInfo;
  filterShape: [number, number, number, number];
  strides: [number, number] | number;
  pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function conv2dBackpropFilterImpl(s: Scope, a: BackpropFilterArgs): TensorInfo {
  const { x, dy, filterShape } = a;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [, h, w] = x.shape;
  const [, ho, wo] = dy.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top,
    pl = info.padInfo.left;
  // Rows (columns) after the input needed so that the result is exactly kh (kw) high (wide).
  const pb = kh + (ho - 1) * sh - h - pt;
  const pr = kw + (wo - 1) * sw - w - pl;

  const xt = s.transpose(x, [3, 1, 2, 0]); // [ci, H, W, n]
  const f = s.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, n, co]
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [pt, Math.max(0, pb)],
    [pl, Math.max(0, pr)],
    [0, 0],
  ];
  let g = s.conv2d(xt, f, [1, 1], pad, [sh, sw]); // [ci, kh + max(0,-pb), kw + max(0,-pr), co]
  s.free(xt);
  s.free(f);
  if (pb < 0 || pr < 0) g = s.slice(g, [0, 0, 0, 0], [g.shape[0], kh, kw, g.shape[3]]);
  return s.transpose(g, [1, 2, 0, 3]);
}

function conv2dBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as unknown as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (!isNHWC(attrs.dataFormat)) {
    throw new Error(`wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'`);
  }
  const s = new Scope(backend, tf.Conv2DBackpropFilter);
  try {
    const out = conv2dBackpropFilterImpl(s, {
      x,
      dy,
      filterShape: attrs.filterShape,
      strides: attrs.strides,
      pad: attrs.pad,
      dimRoundingMode: attrs.dimRoundingMode,
    });
    return s.keep(out);
  } finally {
    s.dispose();
  }
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
