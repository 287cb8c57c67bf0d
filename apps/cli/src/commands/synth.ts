import * as fs from 'fs';
import * as path from 'path';
import { generateSyntheticDataset } from '@nuclei/data';
import { intOption, MAX_SEED, parseCommandArgs } from '../args';
import { CliError, outputError } from '../cli-error';
import { checkOutputDir, cleanLeftovers } from '../paths';
import { createProgressBar } from '../progress-bar';

const HELP = `nuclei synth --out DIR [--count 32 (at most 10000)] [--size 256 (32 to 2048)] [--seed 1]
  Writes a synthetic dataset in the 2018 Data Science Bowl layout (DIR/<id>/images, DIR/<id>/masks):
  elliptical nuclei of varied size, touching pairs, blur and noise, fluorescent, stained and
  bright-field styles. The folder must be new or empty.`;

export async function runSynth(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs('synth', argv, {
    out: { type: 'string', short: 'o' },
    count: { type: 'string', short: 'n' },
    size: { type: 'string' },
    seed: { type: 'string' },
  });
  if (values.help) return void console.log(HELP);
  if (!values.out) throw new CliError(`--out DIR is required\n\n${HELP}`);
  // A 2048x2048 sample takes 13 s and 1.5 GB (a mask per nucleus); 4096 took 7 GB.
  const count = intOption('count', values.count, 32, 1, 10_000);
  const size = intOption('size', values.size, 256, 32, 2048);
  const seed = intOption('seed', values.seed, 1, 0, MAX_SEED);
  const out = path.resolve(String(values.out));
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory())
    throw outputError(`${out} is a file, not a folder: --out names the folder to write the dataset to`);
  // A killed run's temp sample folder is not a dataset: removed, so it does not make the folder "not empty".
  cleanLeftovers(out);
  // Writing into an existing dataset would leave its other masks beside the new images: wrong truth.
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) throw new CliError(`${out} is not empty: give a new or empty --out folder`);
  await checkOutputDir(out);
  const bar = createProgressBar('synth');
  const ids = await generateSyntheticDataset(out, {
    count,
    width: size,
    height: size,
    seed,
    onProgress: (done, total) => bar.update(done, total),
  });
  bar.done(`synth: wrote ${ids.length} images to ${out}`);
}
