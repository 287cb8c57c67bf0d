// bioimage.io model packages, beside ONNX export (as StarDist and Cellpose keep theirs in their
// library): the description and its files. What only an app can draw (the sample image as PNG, the
// cover showing a segmentation) is passed in.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type * as tf from '@tensorflow/tfjs';
import { zipStore, type RgbImage } from '@nuclei/data';
import { MODEL_JSON, WEIGHTS_BIN, modelShape, type ModelMetadata, type TilePredictor } from '@nuclei/model';
import { ONNX_OPSET, exportOnnx, onnxMetadata } from '../export';
import { nchwToNhwc, nhwcToNchw } from '../layout';
import { npyFloat32 } from './npy';
import { scaleRange } from './scale-range';
import { toYaml } from './yaml';

/** The bioimage.io model description format written (spec-bioimage-io's latest 0.5.x). */
export const BIOIMAGEIO_FORMAT = '0.5.7';
/** Output pixels next to a tile edge that see padding, not image: cropped by tilers (our tiles overlap by 32). */
const HALO = 16;

export interface BioimageioOptions {
  /** The model folder (its model.json and weights.bin become the TF.js weights). */
  dir: string;
  model: tf.LayersModel;
  metadata: ModelMetadata;
  /** Runs the test input (ONNX Runtime on the exported graph, so the test output is what the ONNX weights give). */
  predictor: TilePredictor;
  name?: string;
  tfjsVersion: string;
  /** The test and sample image: square, its side a multiple of 16 so the network takes it whole. */
  sample: RgbImage;
  /** The sample image as PNG (sample_input.png). */
  samplePng: Uint8Array;
  /** The cover (cover.png), e.g. the sample beside its segmentation. */
  cover: Uint8Array;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The files of a bioimage.io model package (rdf.yaml and what it names): ONNX weights, the TF.js
 * layers model zipped as a second format, test input/output tensors (.npy, NCHW) made from the
 * sample image (the CLI passes a synthetic fluorescence image), the sample as PNG, a cover and a README. The preprocessing is
 * `scale_range` with the model's percentiles; light-background inversion cannot be described there
 * and is stated in the description.
 */
export async function bioimageioFiles(o: BioimageioOptions): Promise<Map<string, Uint8Array>> {
  const { model, metadata, predictor, sample: image } = o;
  const side = image.width;
  if (image.height !== side || side % 16 !== 0)
    throw new RangeError(`bioimage.io sample: a square image with a side that is a multiple of 16, got ${image.width}x${image.height}`);
  const { channels, outputs } = modelShape(model);
  const p = metadata.preprocessing;
  const files = new Map<string, Uint8Array>();
  const onnx = exportOnnx(model, { metadata: onnxMetadata(metadata) });
  files.set('weights.onnx', onnx);
  const tfjs = zipStore([
    { name: MODEL_JSON, data: fs.readFileSync(path.join(o.dir, MODEL_JSON)) },
    { name: WEIGHTS_BIN, data: fs.readFileSync(path.join(o.dir, WEIGHTS_BIN)) },
  ]);
  files.set('tfjs_layers_model.zip', tfjs);

  // Test tensors: the raw image as the description's input (gray models: the channel mean), and the
  // output of the ONNX graph on it after exactly the described preprocessing.
  const plane = side * side;
  const gray = () => Float32Array.from({ length: plane }, (_, i) => (image.data[3 * i] + image.data[3 * i + 1] + image.data[3 * i + 2]) / 3);
  const raw = channels === 1 ? gray() : nhwcToNchw(image.data, 1, plane, 3);
  const modelInput = p ? scaleRange(raw, channels, p.low, p.high) : raw;
  const out = await predictor.predict(nchwToNhwc(modelInput, 1, plane, channels), 1, side);
  const nchwOut = nhwcToNchw(out, 1, plane, outputs);
  files.set('test_input.npy', npyFloat32(raw, [1, channels, side, side]));
  files.set('test_output.npy', npyFloat32(nchwOut, [1, outputs, side, side]));
  files.set('sample_input.png', o.samplePng);
  files.set('cover.png', o.cover);

  const figures =
    metadata.metrics?.fullsize_dsb === undefined
      ? ''
      : `\nOn its held-out images at full size: DSB score ${metadata.metrics.fullsize_dsb.toFixed(3)}, AP@0.5 ${(metadata.metrics.fullsize_ap50 ?? NaN).toFixed(3)}, pixel IoU ${(metadata.metrics.fullsize_iou ?? NaN).toFixed(3)}.`;
  const invertNote =
    p?.invert === 'auto'
      ? ' Nuclei must be bright on a dark background: invert bright-field and stained (light-background) images first (nuclei does this itself when the median of the normalised image is above 0.5).'
      : '';
  const readme = `# ${o.name ?? 'nuclei U-Net'}

A U-Net trained with nuclei (TypeScript, TF.js) to find cell nuclei in
microscopy images. Output channel 0 is the nucleus probability${outputs > 1 ? ', channel 1 the probability of a touching border (a nucleus pixel within 2 px of another nucleus), which separates touching nuclei by a marker watershed' : ''}.
${p ? `Input: ${channels === 1 ? 'one gray channel (the mean of R, G, B)' : 'RGB'}, each channel scaled by its ${p.low} and ${p.high} percentiles over the whole image (before any tiling).${invertNote}` : 'Input: 8-bit RGB values 0..255 as they are (the network scales them).'}
${figures}

## Validation
Test tensors: a synthetic fluorescence image (test_input.npy) and the ONNX weights' output on it
after the described preprocessing (test_output.npy). The TF.js weights (tfjs_layers_model.zip) are
the same network; bioimage.io's Python runner does not run TF.js, so test with \`--weight-format onnx\`.

Training record: ${JSON.stringify({ recipe: metadata.training?.recipe, epochs: metadata.training?.epochs, dataset: metadata.training?.dataset }).replace(/"/g, '')}.
`;
  files.set('README.md', new TextEncoder().encode(readme));

  const axesIn = [
    { type: 'batch' },
    { type: 'channel', channel_names: channels === 1 ? ['gray'] : ['r', 'g', 'b'] },
    { type: 'space', id: 'y', size: { min: 64, step: 16 } },
    { type: 'space', id: 'x', size: { min: 64, step: 16 } },
  ];
  const axesOut = [
    { type: 'batch' },
    { type: 'channel', channel_names: outputs > 1 ? ['mask', 'border'] : ['mask'] },
    { type: 'space', id: 'y', size: { tensor_id: 'input', axis_id: 'y' }, halo: HALO },
    { type: 'space', id: 'x', size: { tensor_id: 'input', axis_id: 'x' }, halo: HALO },
  ];
  const rdf = {
    type: 'model',
    format_version: BIOIMAGEIO_FORMAT,
    name: sanitiseName(o.name ?? `nuclei U-Net (${metadata.preset} preset)`),
    description:
      `U-Net for cell nuclei in 2D microscopy images (${metadata.preset} preset, ${outputs === 2 ? 'mask and touching-border outputs' : 'mask output'}).${invertNote}`.slice(
        0,
        1024,
      ),
    authors: [{ name: 'nuclei' }],
    cite: [
      {
        text: 'Ronneberger, O., Fischer, P., Brox, T. U-Net: Convolutional Networks for Biomedical Image Segmentation. MICCAI 2015.',
        doi: '10.1007/978-3-319-24574-4_28',
      },
    ],
    license: 'MIT',
    documentation: 'README.md',
    covers: ['cover.png'],
    tags: ['unet', '2d', 'nuclei', 'instance-segmentation', 'fluorescence-light-microscopy', 'onnx', 'tensorflow.js'],
    timestamp: metadata.createdAt,
    inputs: [
      {
        id: 'input',
        description: p ? 'image; percentile-normalised per channel' : '8-bit RGB image, values 0..255',
        axes: axesIn,
        data: { type: 'float32' },
        test_tensor: { source: 'test_input.npy', sha256: sha256(files.get('test_input.npy')!) },
        sample_tensor: { source: 'sample_input.png', sha256: sha256(files.get('sample_input.png')!) },
        ...(p ? { preprocessing: [{ id: 'scale_range', kwargs: { axes: ['y', 'x'], min_percentile: p.low, max_percentile: p.high, eps: 1e-6 } }] } : {}),
      },
    ],
    outputs: [
      {
        id: 'output',
        description: outputs > 1 ? 'probabilities: nucleus, touching border' : 'nucleus probability',
        axes: axesOut,
        data: { type: 'float32', range: [0, 1] },
        test_tensor: { source: 'test_output.npy', sha256: sha256(files.get('test_output.npy')!) },
      },
    ],
    weights: {
      onnx: {
        source: 'weights.onnx',
        sha256: sha256(onnx),
        opset_version: ONNX_OPSET,
        parent: 'tensorflow_js',
        comment: 'Exported from the TF.js weights by nuclei (same network; max abs difference <= 1e-4 in its tests).',
      },
      tensorflow_js: {
        source: 'tfjs_layers_model.zip',
        sha256: sha256(tfjs),
        tensorflow_version: o.tfjsVersion,
        comment: 'The TF.js layers model (model.json + weights.bin) the model was trained as.',
      },
    },
  };
  files.set('rdf.yaml', new TextEncoder().encode(toYaml(rdf) + '\n'));
  return files;
}

/** bioimage.io names: 5..128 characters of letters, digits, space, _ + - ( ). */
export function sanitiseName(name: string): string {
  const clean = name
    .replace(/[^A-Za-z0-9_+\- ()]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 128);
  return clean.length >= 5 ? clean : `${clean} model`.trim().padEnd(5, '_');
}
