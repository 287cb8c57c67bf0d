// Helpers to compose wasm kernels inside a kernel function: every op here calls the kernelFunc
// that the wasm backend registered (so the heavy work runs in its SIMD / XNNPACK code) and
// records its output in a Scope, whose `dispose()` releases every intermediate with
// `backend.disposeData` except the ones handed back with `keep()`.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;
export type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

/** The kernelFunc registered for wasm now (ours where we replaced one). */
export function wasmKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend has no ${name} kernel`);
  return k.kernelFunc;
}

/** When set, every composed op adds its wall time (ms) here under `outerKernel/op`. */
let innerProfile: Map<string, number> | null = null;
let outerName = '';
export function setInnerProfile(m: Map<string, number> | null): void {
  innerProfile = m;
}
export function setOuterKernel(name: string): void {
  outerName = name;
}

export class Scope {
  private readonly owned: TensorInfo[] = [];
  constructor(
    readonly backend: BackendWasm,
    kernelName = '',
  ) {
    if (innerProfile) outerName = kernelName;
  }

  private run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): TensorInfo {
    let out: TensorInfo;
    if (innerProfile) {
      const t0 = performance.now();
      out = wasmKernel(name)({ inputs, attrs, backend: this.backend }) as TensorInfo;
      const key = `${outerName}/${name}`;
      innerProfile.set(key, (innerProfile.get(key) ?? 0) + performance.now() - t0);
    } else {
      out = wasmKernel(name)({ inputs, attrs, backend: this.backend }) as TensorInfo;
    }
    this.owned.push(out);
    return out;
  }

  /** Track a result made outside `run` (e.g. by a JS loop over the heap). */
  track(t: TensorInfo): TensorInfo {
    this.owned.push(t);
    return t;
  }

  /** Stop tracking `t` (the kernel's result): the caller owns it. */
  keep(t: TensorInfo): TensorInfo {
    const i = this.owned.lastIndexOf(t);
    if (i >= 0) this.owned.splice(i, 1);
    return t;
  }

  /** Release `t` now (it must come from this scope). */
  free(t: TensorInfo): void {
    const i = this.owned.lastIndexOf(t);
    if (i >= 0) {
      this.owned.splice(i, 1);
      this.backend.disposeData(t.dataId);
    }
  }

  dispose(): void {
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }
  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }
  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }
  add(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Add', { a, b });
  }
  depthToSpace(x: TensorInfo, blockSize: number): TensorInfo {
    return this.run('DepthToSpace', { x }, { blockSize, dataFormat: 'NHWC' });
  }
  /** NHWC conv2d (XNNPACK). `pad` explicit [[0,0],[t,b],[l,r],[0,0]] or 'same'/'valid'. */
  conv2d(x: TensorInfo, filter: TensorInfo, strides: [number, number], pad: Pad4 | 'same' | 'valid', dilations: [number, number] = [1, 1]): TensorInfo {
    return this.run(
      'Conv2D',
      { x, filter },
      {
        strides,
        pad: pad as unknown as tf.NamedAttrMap[string],
        dataFormat: 'NHWC',
        dilations,
        dimRoundingMode: undefined as unknown as string,
      },
    );
  }

  /**
   * Crop and/or zero-pad the two spatial axes of an NHWC tensor: `top` rows are removed when
   * negative or added when positive, likewise for the others. Returns `x` itself when nothing changes.
   */
  cropPad(x: TensorInfo, top: number, bottom: number, left: number, right: number): TensorInfo {
    const [n, h, w, c] = x.shape;
    let y = x;
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      const t = Math.max(0, -top),
        b = Math.max(0, -bottom),
        l = Math.max(0, -left),
        r = Math.max(0, -right);
      y = this.slice(y, [0, t, l, 0], [n, h - t - b, w - l - r, c]);
    }
    if (top > 0 || bottom > 0 || left > 0 || right > 0) {
      y = this.pad(y, [
        [0, 0],
        [Math.max(0, top), Math.max(0, bottom)],
        [Math.max(0, left), Math.max(0, right)],
        [0, 0],
      ]);
    }
    return y;
  }
}

export function isNHWC(dataFormat: string | undefined): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}
