import * as fs from 'fs';
import * as path from 'path';
import { assertWritableDir, writeFileAtomic } from '@nuclei/data';
import { exportOnnx, onnxMetadata } from '@nuclei/onnx';
import { choiceOption, parseCommandArgs } from '../args';
import { CliError } from '../cli-error';
import { activateBackend } from './backend';
import { loadModelOption } from './model-options';

const HELP = `nuclei export [MODEL] --format onnx --out FILE [--overwrite]
  Writes a model (default: the bundled one) in a format other tools read.
  --format onnx   ONNX (opset 13, NCHW float32: input [batch, channels, height, width], output
                  [batch, outputs, height, width]; height and width any multiple of 16). The graph
                  takes the image normalised as the model's metadata says (kept in the file's
                  metadata_props "nuclei-preprocessing"); seed models take 8-bit RGB values.
  --out FILE      the file to write (refused if it exists, unless --overwrite)`;

export async function runExport(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('export', argv, {
    format: { type: 'string', short: 'f' },
    out: { type: 'string', short: 'o' },
    model: { type: 'string', short: 'm' },
    overwrite: { type: 'boolean' },
    backend: { type: 'string', short: 'b' },
  }, true);
  if (values.help) return void console.log(HELP);
  if (positionals.length > 1) throw new CliError(`give at most one MODEL folder\n\n${HELP}`);
  if (values.format === undefined) throw new CliError(`--format is required\n\n${HELP}`);
  choiceOption('format', values.format, ['onnx'] as const, 'onnx');
  if (!values.out) throw new CliError(`--out FILE is required\n\n${HELP}`);
  const out = path.resolve(String(values.out));
  if (fs.existsSync(out) && !values.overwrite) throw new CliError(`${out} already exists: add --overwrite to replace it`);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new CliError(`${out} is a folder: --out names the file to write`);
  await assertWritableDir(path.dirname(out));
  await activateBackend(values.backend);
  const { model, metadata } = await loadModelOption(positionals[0] ?? values.model);
  try {
    const bytes = exportOnnx(model, { metadata: onnxMetadata(metadata) });
    await writeFileAtomic(out, bytes);
    console.log(`wrote ${out} (${(bytes.length / 1e6).toFixed(1)} MB, ONNX opset 13)`);
  } finally {
    model.dispose();
  }
}
