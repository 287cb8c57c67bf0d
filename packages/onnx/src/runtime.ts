import * as os from 'node:os';
import { checkFinite, type TilePredictor } from '@nuclei/model';
import { ONNX_INPUT, ONNX_OUTPUT } from './export';
import { nchwToNhwc, nhwcToNchw } from './layout';

type Ort = typeof import('onnxruntime-node');

/** ONNX Runtime for Node if it loads here, else the reason it does not (a missing package, a binary for another platform). */
export function loadOnnxRuntime(): { ort: Ort; version: string } | { error: string } {
  try {
    const ort = require('onnxruntime-node') as Ort;
    return { ort, version: ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown' };
  } catch (e) {
    return { error: `onnxruntime-node does not load: ${(e as Error).message.split('\n')[0]}` };
  }
}

export interface OnnxSessionOptions {
  /** Intra-op threads; default the number of cores. */
  threads?: number;
  /** 'cpu' (default) or 'cuda' (needs onnxruntime-node's CUDA 12 libraries: see the README). */
  device?: 'cpu' | 'cuda';
}

export interface OnnxModelShape {
  size: number;
  channels: number;
  outputs: number;
}

/**
 * An ONNX Runtime session as a TilePredictor: NHWC tiles in and out (the graph is NCHW; the
 * transposes here cost a few ms per batch against the convolutions' hundreds). One session per
 * model, reused for every image; any tile side works (the graph has dynamic height and width).
 */
export async function onnxPredictor(model: Uint8Array, shape: OnnxModelShape, options: OnnxSessionOptions = {}): Promise<TilePredictor> {
  const loaded = loadOnnxRuntime();
  if ('error' in loaded) throw new Error(loaded.error);
  const { ort, version } = loaded;
  const threads = Math.max(1, Math.floor(options.threads ?? os.availableParallelism?.() ?? os.cpus().length));
  const device = options.device ?? 'cpu';
  const session = await ort.InferenceSession.create(model, {
    executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const { channels: c, outputs: k } = shape;
  let closed = false;
  return {
    engine: 'onnx',
    description: `onnxruntime-node ${version} ${device}, ${threads} thread${threads === 1 ? '' : 's'}`,
    ...shape,
    async predict(tiles, n, side) {
      if (closed) throw new Error('segment: the ONNX session was disposed');
      const plane = side * side;
      const input = new ort.Tensor('float32', nhwcToNchw(tiles.subarray(0, n * plane * c), n, plane, c), [n, c, side, side]);
      const result = await session.run({ [ONNX_INPUT]: input });
      const out = result[ONNX_OUTPUT];
      try {
        const dims = out.dims;
        if (dims.length !== 4 || dims[0] !== n || dims[1] !== k || dims[2] !== side || dims[3] !== side) {
          throw new Error(`segment: the ONNX model must output [${n}, ${k}, ${side}, ${side}], got [${dims}]`);
        }
        return checkFinite(nchwToNhwc(out.data as Float32Array, n, plane, k));
      } finally {
        input.dispose?.();
        out.dispose?.();
      }
    },
    dispose() {
      if (closed) return;
      closed = true;
      void session.release();
    },
  };
}
