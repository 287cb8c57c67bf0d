import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { generateSyntheticSample, writeFileAtomic, zipStore, type RgbImage } from '@nuclei/data';
import type { ModelMetadata, TilePredictor } from '@nuclei/model';
import * as tf from '@tensorflow/tfjs';
import { BIOIMAGEIO_FORMAT, bioimageioFiles, exportOnnx, onnxMetadata, ONNX_OPSET, selectEngine } from '@nuclei/onnx';
import { instancesFromPrediction, predictImage, renderOverlay, segmentOptionsForModel } from '@nuclei/segmentation';
import { choiceOption, parseCommandArgs } from '../args';
import { CliError, outputError } from '../cli-error';
import { checkOutputDir } from '../paths';
import { activateBackend } from './backend';
import { loadModelOption } from './model-options';

const HELP = `nuclei export [MODEL] --format onnx|bioimageio --out FILE [--overwrite]
  Writes a model (default: the bundled one) in a format other tools read.
  --format onnx   ONNX (opset 13, NCHW float32: input [batch, channels, height, width], output
                  [batch, outputs, height, width]; height and width any multiple of 16). The graph
                  takes the image normalised as the model's metadata says (kept in the file's
                  metadata_props "nuclei-preprocessing"); seed models take 8-bit RGB values.
  --format bioimageio  a bioimage.io model package (FILE.zip; rdf.yaml format ${BIOIMAGEIO_FORMAT}): ONNX
                  weights, the TF.js model as a second weights format, test input and output
                  tensors (.npy), cover, README; the normalisation as scale_range
  --name TEXT     bioimageio: the model's name
  --out FILE      the file to write (refused if it exists, unless --overwrite)`;

export async function runExport(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    'export',
    argv,
    {
      format: { type: 'string', short: 'f' },
      out: { type: 'string', short: 'o' },
      model: { type: 'string', short: 'm' },
      overwrite: { type: 'boolean' },
      name: { type: 'string' },
      backend: { type: 'string', short: 'b' },
    },
    true,
  );
  if (values.help) return void console.log(HELP);
  if (positionals.length > 1) throw new CliError(`give at most one MODEL folder\n\n${HELP}`);
  if (values.format === undefined) throw new CliError(`--format is required\n\n${HELP}`);
  const format = choiceOption('format', values.format, ['onnx', 'bioimageio'] as const, 'onnx');
  if (!values.out) throw new CliError(`--out FILE is required\n\n${HELP}`);
  const out = path.resolve(String(values.out));
  if (format === 'bioimageio' && !out.endsWith('.zip')) throw new CliError(`--format bioimageio writes a .zip package: name --out FILE.zip (got ${out})`);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw outputError(`${out} is a folder: --out names the file to write`);
  if (fs.existsSync(out) && !values.overwrite) throw new CliError(`${out} already exists: add --overwrite to replace it`);
  await checkOutputDir(path.dirname(out));
  await activateBackend(values.backend);
  const { model, metadata, dir } = await loadModelOption(positionals[0] ?? values.model);
  try {
    if (format === 'onnx') {
      const bytes = exportOnnx(model, { metadata: onnxMetadata(metadata) });
      await writeFileAtomic(out, bytes);
      console.log(`wrote ${out} (${(bytes.length / 1e6).toFixed(1)} MB, ONNX opset ${ONNX_OPSET})`);
      return;
    }
    // The test output is what the ONNX weights give: made by ONNX Runtime when it loads, else TF.js (same within 1e-4).
    const { predictor } = await selectEngine(model, 'auto', { threads: 1 });
    try {
      const files = await bioimageioFiles({
        dir,
        model,
        metadata,
        predictor,
        name: values.name === undefined ? undefined : String(values.name),
        tfjsVersion: tf.version.tfjs,
        ...(await bioimageioSample(metadata, predictor)),
      });
      const zip = zipStore([...files].map(([name, data]) => ({ name, data })));
      await writeFileAtomic(out, zip);
      console.log(
        `wrote ${out} (${(zip.length / 1e6).toFixed(1)} MB; bioimage.io ${BIOIMAGEIO_FORMAT}: ${[...files.keys()].join(', ')}; test outputs by ${predictor.engine})`,
      );
    } finally {
      predictor.dispose();
    }
  } finally {
    model.dispose();
  }
}

/** Side of the bioimage.io sample: a multiple of 16 the network takes whole. */
const SAMPLE_SIDE = 256;

/**
 * The package's sample and test image (a synthetic fluorescence image), as PNG, and its cover:
 * the image beside its segmentation overlay (2:1), as the model's defaults make it.
 */
async function bioimageioSample(metadata: ModelMetadata, predictor: TilePredictor): Promise<{ sample: RgbImage; samplePng: Uint8Array; cover: Uint8Array }> {
  const side = SAMPLE_SIDE;
  const { image } = generateSyntheticSample({ width: side, height: side, seed: 2018, style: 'fluorescent' });
  const raw = { width: side, height: side, channels: 3 } as const;
  const samplePng = await sharp(Buffer.from(image.data), { raw }).png().toBuffer();
  const options = segmentOptionsForModel(metadata);
  const { labels } = instancesFromPrediction(await predictImage(image, predictor, options), options);
  const overlay = renderOverlay(image, labels);
  const cover = await sharp({ create: { width: 2 * side, height: side, channels: 3, background: '#000' } })
    .composite([
      { input: Buffer.from(image.data), raw, left: 0, top: 0 },
      { input: Buffer.from(overlay.data), raw, left: side, top: 0 },
    ])
    .png()
    .toBuffer();
  return { sample: image, samplePng, cover };
}
