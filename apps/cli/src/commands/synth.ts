import * as fs from 'fs';
import * as path from 'path';
import { generateSyntheticDataset } from '@nuclei/data';
import { writeSyntheticSlide } from '@nuclei/slide';
import { intOption, MAX_SEED, parseCommandArgs } from '../args';
import { CliError, outputError } from '../cli-error';
import { checkOutputDir, cleanLeftovers } from '../paths';
import { createProgressBar } from '../progress-bar';

const HELP = `nuclei synth --out DIR [--count 32 (at most 10000)] [--size 256 (32 to 2048)] [--seed 1]
  Writes a synthetic dataset in the 2018 Data Science Bowl layout (DIR/<id>/images, DIR/<id>/masks):
  elliptical nuclei of varied size, touching pairs, blur and noise, fluorescent, stained and
  bright-field styles. The folder must be new or empty.
nuclei synth --slide WIDTHxHEIGHT --out FILE [--seed 1]
  Writes one synthetic fluorescence slide of any size (up to 100,000 px a side) to try slide work
  on: FILE.zarr an OME-Zarr image (written chunk by chunk), else a tiled BigTIFF. Refuses an
  existing FILE.`;

export async function runSynth(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs('synth', argv, {
    out: { type: 'string', short: 'o' },
    count: { type: 'string', short: 'n' },
    size: { type: 'string' },
    seed: { type: 'string' },
    slide: { type: 'string' },
  });
  if (values.help) return void console.log(HELP);
  if (!values.out) throw new CliError(`--out DIR is required\n\n${HELP}`);
  if (values.slide !== undefined) return synthSlide(String(values.slide), path.resolve(String(values.out)), intOption('seed', values.seed, 1, 0, MAX_SEED));
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

async function synthSlide(size: string, out: string, seed: number): Promise<void> {
  const m = /^(\d+)x(\d+)$/.exec(size);
  const [width, height] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!(width >= 64 && height >= 64 && width <= 100_000 && height <= 100_000))
    throw new CliError(`--slide must be WIDTHxHEIGHT, each 64 to 100000, got "${size}"`);
  if (fs.existsSync(out)) throw new CliError(`${out} already exists: give a new --out file`);
  await checkOutputDir(path.dirname(out));
  const t0 = Date.now();
  await writeSyntheticSlide(out, { width, height, seed });
  console.log(`synth: wrote a ${width}x${height} slide to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
