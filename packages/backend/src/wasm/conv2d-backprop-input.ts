// Conv2DBackpropInput for the wasm backend, rebuilt on its XNNPACK Conv2D (wasm's own kernel is a
// plain loop). It is the input gradient of every convolution and the forward pass of every
// conv2dTranspose layer.
//
// - kernel == stride, no padding (the U-Net's 2x2 stride-2 transposed conv): each output pixel
//   block (s x s) is a 1x1 convolution of dY: conv 1x1 with filter [1,1,co,s*s*ci], then
//   DepthToSpace(s).
// - stride 1: a convolution of dY with the spatially reversed, in/out-swapped filter.
// - other strides: dY dilated with zeros (PadV2 on a [n,Ho,1,Wo,1,co] view), then as stride 1.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { reverseSwapFilter } from './data-movement';
import { Pad4, Scope, TensorInfo, isNHWC } from './kernel-utils';

export interface BackpropInputArgs {
  dy: TensorInfo;
  filter: TensorInfo;
  inputShape: [number, number, number, number];
  strides: [number, number] | number;
  pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function conv2dBackpropInputImpl(s: Scope, a: BackpropInputArgs): TensorInfo {
  const { filter, inputShape } = a;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [n, h, w, ci] = inputShape;
  let dy = a.dy;
  const [, ho, wo, co] = dy.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top: pt, left: pl } = info.padInfo;

  if (kh === sh && kw === sw && kh === kw && pt === 0 && pl === 0 && h === ho * sh && w === wo * sw) {
    // [kh,kw,ci,co] -> [co, kh, kw, ci] -> [1, 1, co, kh*kw*ci]
    const ft = s.transpose(filter, [3, 0, 1, 2]);
    const f = s.reshape(ft, [1, 1, co, kh * kw * ci]);
    const y = s.conv2d(dy, f, [1, 1], 'valid'); // [n, Ho, Wo, kh*kw*ci]
    s.free(f);
    s.free(ft);
    return kh === 1 ? y : s.depthToSpace(y, kh);
  }

  let hd = ho,
    wd = wo;
  if (sh > 1 || sw > 1) {
    // Zero-dilate dY: [n, Ho, 1, Wo, 1, co] padded to [n, Ho, sh, Wo, sw, co].
    const v = s.reshape(dy, [n, ho, 1, wo, 1, co]);
    const p = s.pad(v, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    hd = ho * sh;
    wd = wo * sw;
    dy = s.reshape(p, [n, hd, wd, co]);
    s.free(v);
    s.free(p);
  }
  // [kh,kw,ci,co] reversed spatially, in/out swapped -> [kh, kw, co, ci]
  const f = s.track(reverseSwapFilter(s.backend, filter));
  let top = kh - 1 - pt,
    left = kw - 1 - pl;
  let bottom = h - hd + kh - 1 - top,
    right = w - wd + kw - 1 - left;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    dy = s.cropPad(dy, Math.min(0, top), Math.min(0, bottom), Math.min(0, left), Math.min(0, right));
    top = Math.max(0, top);
    bottom = Math.max(0, bottom);
    left = Math.max(0, left);
    right = Math.max(0, right);
  }
  const pad: Pad4 = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  return s.conv2d(dy, f, [1, 1], pad);
}

function conv2dBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as unknown as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (!isNHWC(attrs.dataFormat)) {
    if (original) return original(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    throw new Error(`wasm Conv2DBackpropInput supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'`);
  }
  const s = new Scope(backend, tf.Conv2DBackpropInput);
  try {
    const out = conv2dBackpropInputImpl(s, {
      dy,
      filter,
      inputShape: attrs.inputShape,
      strides: attrs.strides,
      pad: attrs.pad,
      dimRoundingMode: attrs.dimRoundingMode,
    });
    return s.keep(out);
  } finally {
    s.dispose();
  }
}

let original: tf.KernelFunc | undefined;

/** The config replacing wasm's Conv2DBackpropInput; keeps the original setupFunc (and kernelFunc as fallback). */
export function conv2dBackpropInputConfig(orig: tf.KernelConfig | undefined): tf.KernelConfig {
  if (orig) original = orig.kernelFunc;
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc,
    setupFunc: orig?.setupFunc,
  };
}
