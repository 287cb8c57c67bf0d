import type * as tf from '@tensorflow/tfjs';
import { onnx } from 'onnx-proto';

/** The ONNX opset the graph uses (Resize-13, BatchNormalization-9..15): ONNX Runtime 1.8+, opencv, deepImageJ read it. */
export const ONNX_OPSET = 13;
/** Graph input and output names. Both NCHW: `input` [batch, channels, height, width], `output` [batch, outputs, height, width]. */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'output';

export interface OnnxExportOptions {
  /** Stored as `metadata_props` (string keys and values), e.g. the nuclei metadata JSON. */
  metadata?: Record<string, string>;
  /** ModelProto.producer_version. */
  producerVersion?: string;
  /** Height and width as named dynamic dimensions (default) or fixed at the model's input size. */
  dynamicSize?: boolean;
}

const { AttributeType } = onnx.AttributeProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

type Layer = tf.layers.Layer;
interface GraphParts {
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
}

/**
 * ONNX bytes for a TF.js U-Net (any config `buildUNet` makes: depth, filters, batch norm, residual
 * blocks, transposed or resize decoders, 1 or 2 outputs). The graph is NCHW, as ONNX and the tools
 * that read it expect, with a dynamic batch and (by default) dynamic height and width, which must be
 * multiples of 2^(pooling steps). Weights are the model's current values; dropout is left out
 * (inference). The image normalisation is per image before tiling, so it stays outside the graph:
 * it is recorded in the metadata.
 */
export function exportOnnx(model: tf.LayersModel, options: OnnxExportOptions = {}): Uint8Array {
  const inputShape = model.inputs[0]?.shape;
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || inputShape?.length !== 4) {
    throw new Error(
      `ONNX export: the model must take one [n, h, w, c] image and give one output, got ${model.inputs.length} inputs and ${model.outputs.length} outputs`,
    );
  }
  const [, h, w, c] = inputShape;
  const k = model.outputs[0].shape[3];
  const parts: GraphParts = { nodes: [], initializers: [] };
  const names = new Map<string, string>();
  const source = (layer: Layer): string[] =>
    inboundLayers(layer).map((l) => {
      const name = names.get(l.name);
      if (name === undefined) throw new Error(`ONNX export: layer ${layer.name} uses ${l.name} before it is defined`);
      return name;
    });

  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === 'InputLayer') {
      names.set(layer.name, ONNX_INPUT);
      continue;
    }
    names.set(layer.name, convertLayer(layer, kind, source(layer), parts));
  }
  const last = names.get(model.outputLayers[0].name);
  if (!last) throw new Error('ONNX export: the output layer was not converted');
  parts.nodes.push(node('Identity', [last], ONNX_OUTPUT, `${model.outputLayers[0].name}/output`));

  const dyn = options.dynamicSize ?? true;
  const dims = (ch: number) => [
    { dimParam: 'batch' },
    { dimValue: ch },
    dyn ? { dimParam: 'height' } : { dimValue: h as number },
    dyn ? { dimParam: 'width' } : { dimValue: w as number },
  ];
  const valueInfo = (name: string, ch: number): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims(ch) } } } });
  const proto: onnx.IModelProto = {
    irVersion: 7,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'nuclei',
    producerVersion: options.producerVersion ?? '',
    graph: {
      name: model.name || 'unet',
      node: parts.nodes,
      initializer: parts.initializers,
      input: [valueInfo(ONNX_INPUT, c as number)],
      output: [valueInfo(ONNX_OUTPUT, k as number)],
    },
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  const err = onnx.ModelProto.verify(proto);
  if (err) throw new Error(`ONNX export: ${err}`);
  return onnx.ModelProto.encode(proto).finish();
}

function inboundLayers(layer: Layer): Layer[] {
  const nodes = (layer as unknown as { inboundNodes: Array<{ inboundLayers: Layer[] }> }).inboundNodes;
  if (nodes.length !== 1) throw new Error(`ONNX export: layer ${layer.name} is used ${nodes.length} times (shared layers are not supported)`);
  return nodes[0].inboundLayers;
}

/** Adds the nodes of one layer and returns the name of its output. */
function convertLayer(layer: Layer, kind: string, inputs: string[], g: GraphParts): string {
  const cfg = layer.getConfig() as Record<string, unknown>;
  const name = layer.name;
  switch (kind) {
    case 'Dropout':
      return inputs[0];
    case 'Rescaling': {
      const scale = Number(cfg.scale ?? 1);
      const offset = Number(cfg.offset ?? 0);
      let x = inputs[0];
      if (scale !== 1) x = binary(g, 'Mul', x, scalar(g, `${name}.scale`, scale), `${name}/mul`);
      if (offset !== 0) x = binary(g, 'Add', x, scalar(g, `${name}.offset`, offset), `${name}/add`);
      return x;
    }
    case 'Conv2D': {
      const [kh, kw] = pair(cfg.kernelSize);
      const strides = pair(cfg.strides ?? 1);
      const dilation = pair(cfg.dilationRate ?? 1);
      if (cfg.dataFormat === 'channelsFirst') throw new Error(`ONNX export: ${name}: channelsFirst convolutions are not supported`);
      const pads = cfg.padding === 'same' ? samePads(kh, kw, strides, dilation, name) : [0, 0, 0, 0];
      const kernel = weight(layer, 'kernel');
      const inputsOf = [inputs[0], initializer(g, `${name}.weight`, permute(kernel, [3, 2, 0, 1]))];
      const bias = maybeWeight(layer, 'bias');
      if (bias) inputsOf.push(initializer(g, `${name}.bias`, bias));
      g.nodes.push({
        opType: 'Conv',
        name,
        input: inputsOf,
        output: [`${name}/conv`],
        attribute: [ints('kernel_shape', [kh, kw]), ints('strides', strides), ints('dilations', dilation), ints('pads', pads), int('group', 1)],
      });
      return activation(g, String(cfg.activation ?? 'linear'), `${name}/conv`, name);
    }
    case 'Conv2DTranspose': {
      const [kh, kw] = pair(cfg.kernelSize);
      const strides = pair(cfg.strides ?? 1);
      const padding = String(cfg.padding ?? 'valid');
      // 'same' with kernel == stride is the U-Net's 2x2/2 upsampling: no overlap, output = stride * input.
      if (padding === 'same' && (kh !== strides[0] || kw !== strides[1])) {
        throw new Error(`ONNX export: ${name}: transposed convolutions with padding 'same' need kernel = stride (got ${kh}x${kw} / ${strides})`);
      }
      const kernel = weight(layer, 'kernel'); // [kh, kw, out, in]
      const inputsOf = [inputs[0], initializer(g, `${name}.weight`, permute(kernel, [3, 2, 0, 1]))];
      const bias = maybeWeight(layer, 'bias');
      if (bias) inputsOf.push(initializer(g, `${name}.bias`, bias));
      g.nodes.push({
        opType: 'ConvTranspose',
        name,
        input: inputsOf,
        output: [`${name}/convT`],
        attribute: [ints('kernel_shape', [kh, kw]), ints('strides', strides), ints('pads', [0, 0, 0, 0])],
      });
      return activation(g, String(cfg.activation ?? 'linear'), `${name}/convT`, name);
    }
    case 'MaxPooling2D': {
      const pool = pair(cfg.poolSize ?? 2);
      const strides = pair(cfg.strides ?? pool);
      if (cfg.padding === 'same' && (pool[0] !== strides[0] || pool[1] !== strides[1]))
        throw new Error(`ONNX export: ${name}: max pooling with padding 'same' needs pool = stride`);
      g.nodes.push({ opType: 'MaxPool', name, input: inputs, output: [name], attribute: [ints('kernel_shape', pool), ints('strides', strides)] });
      return name;
    }
    case 'UpSampling2D': {
      const [sy, sx] = pair(cfg.size ?? 2);
      if ((cfg.interpolation ?? 'nearest') !== 'nearest') throw new Error(`ONNX export: ${name}: only nearest upsampling is supported`);
      const scales = initializer(g, `${name}.scales`, { data: new Float32Array([1, 1, sy, sx]), shape: [4] });
      g.nodes.push({
        opType: 'Resize',
        name,
        input: [inputs[0], '', scales],
        output: [name],
        attribute: [str('mode', 'nearest'), str('coordinate_transformation_mode', 'asymmetric'), str('nearest_mode', 'floor')],
      });
      return name;
    }
    case 'Concatenate': {
      const axis = Number(cfg.axis ?? -1);
      if (axis !== -1 && axis !== 3) throw new Error(`ONNX export: ${name}: only channel concatenation is supported (axis ${axis})`);
      g.nodes.push({ opType: 'Concat', name, input: inputs, output: [name], attribute: [int('axis', 1)] });
      return name;
    }
    case 'Add': {
      let x = inputs[0];
      for (let i = 1; i < inputs.length; i++) x = binary(g, 'Add', x, inputs[i], i === inputs.length - 1 ? name : `${name}/${i}`);
      return x;
    }
    case 'BatchNormalization': {
      const axis = Number(cfg.axis ?? -1);
      if (axis !== -1 && axis !== 3) throw new Error(`ONNX export: ${name}: batch norm must be over channels (axis ${axis})`);
      const mean = weight(layer, 'moving_mean');
      const n = mean.data.length;
      const ones = { data: new Float32Array(n).fill(1), shape: [n] };
      const zeros = { data: new Float32Array(n), shape: [n] };
      g.nodes.push({
        opType: 'BatchNormalization',
        name,
        input: [
          inputs[0],
          initializer(g, `${name}.scale`, maybeWeight(layer, 'gamma') ?? ones),
          initializer(g, `${name}.bias`, maybeWeight(layer, 'beta') ?? zeros),
          initializer(g, `${name}.mean`, mean),
          initializer(g, `${name}.var`, weight(layer, 'moving_variance')),
        ],
        output: [name],
        attribute: [float('epsilon', Number(cfg.epsilon ?? 1e-3))],
      });
      return name;
    }
    case 'Activation':
      return activation(g, String(cfg.activation), inputs[0], name);
    default:
      throw new Error(`ONNX export: layer ${name} (${kind}) has no ONNX conversion`);
  }
}

/** Appends an activation node (none for linear) and returns the output name. */
function activation(g: GraphParts, fn: string, input: string, name: string): string {
  const op = ({ elu: 'Elu', relu: 'Relu', selu: 'Selu', sigmoid: 'Sigmoid', tanh: 'Tanh' } as Record<string, string>)[fn];
  if (fn === 'linear') return input;
  if (!op) throw new Error(`ONNX export: ${name}: activation "${fn}" has no ONNX conversion`);
  const attribute = op === 'Elu' ? [float('alpha', 1)] : [];
  // SELU: TF's constants are ONNX's defaults (alpha 1.67326..., gamma 1.0507...).
  g.nodes.push({ opType: op, name: `${name}/${fn}`, input: [input], output: [name], attribute });
  return name;
}

/** TF 'same' padding as ONNX [top, left, bottom, right]: the odd pixel goes at the end, as in TF. */
function samePads(kh: number, kw: number, strides: number[], dilation: number[], name: string): number[] {
  if (strides[0] !== 1 || strides[1] !== 1) throw new Error(`ONNX export: ${name}: strided 'same' convolutions are not supported`);
  const th = (kh - 1) * dilation[0];
  const tw = (kw - 1) * dilation[1];
  return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
}

interface HostTensor {
  data: Float32Array;
  shape: number[];
}

function maybeWeight(layer: Layer, suffix: string): HostTensor | undefined {
  const v = layer.weights.find((x) => x.originalName.split('/').pop() === suffix || x.name.split('/').pop() === suffix);
  if (!v) return undefined;
  const t = v.read();
  return { data: t.dataSync() as Float32Array, shape: t.shape.slice() };
}

function weight(layer: Layer, suffix: string): HostTensor {
  const w = maybeWeight(layer, suffix);
  if (!w) throw new Error(`ONNX export: layer ${layer.name} has no ${suffix} weight`);
  return w;
}

/** Transposes a row-major tensor. */
export function permute(t: HostTensor, perm: number[]): HostTensor {
  const { data, shape } = t;
  const outShape = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(data.length);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d] * strides[perm[d]];
    out[o] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return { data: out, shape: outShape };
}

function initializer(g: GraphParts, name: string, t: HostTensor): string {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  g.initializers.push({ name, dataType: FLOAT, dims: t.shape, rawData: new Uint8Array(bytes) });
  return name;
}

function scalar(g: GraphParts, name: string, v: number): string {
  return initializer(g, name, { data: new Float32Array([v]), shape: [] });
}

function binary(g: GraphParts, op: string, a: string, b: string, out: string): string {
  g.nodes.push({ opType: op, name: out, input: [a, b], output: [out] });
  return out;
}

function node(opType: string, input: string[], output: string, name: string): onnx.INodeProto {
  return { opType, name, input, output: [output] };
}

function pair(v: unknown): number[] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return v.map(Number);
  throw new Error(`ONNX export: expected a number or a pair, got ${JSON.stringify(v)}`);
}

const int = (name: string, i: number): onnx.IAttributeProto => ({ name, type: AttributeType.INT, i });
const ints = (name: string, v: number[]): onnx.IAttributeProto => ({ name, type: AttributeType.INTS, ints: v });
const float = (name: string, f: number): onnx.IAttributeProto => ({ name, type: AttributeType.FLOAT, f });
const str = (name: string, s: string): onnx.IAttributeProto => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) });

/** The ONNX file of a model folder (written by `nuclei publish` and `nuclei export`). */
export const ONNX_FILE = 'model.onnx';

/** `metadata_props` for a model: its nuclei metadata as JSON, and its normalisation on its own for other tools. */
export function onnxMetadata(meta: { preprocessing?: unknown; inputSize?: number } & object): Record<string, string> {
  return {
    'nuclei-model': JSON.stringify(meta),
    // The graph takes the image already normalised (per image, before tiling): what to do to it first.
    'nuclei-preprocessing': JSON.stringify(meta.preprocessing ?? { kind: 'none', note: '8-bit RGB values 0..255 as they are (the graph scales them)' }),
  };
}
