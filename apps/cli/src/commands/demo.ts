import * as fs from 'fs';
import * as path from 'path';
import { listSampleIds, splitTrainVal } from '@nuclei/data';
import { intOption, parseCommandArgs } from '../args';
import { MAX_EPOCHS } from './train';
import { findDefaultModel } from '../default-model';
import { runEvaluate } from './evaluate';
import { runSegment } from './segment';
import { runSynth } from './synth';
import { runTrain } from './train';

const HELP = `nuclei demo [--out nuclei-demo] [--count 40] [--epochs 12] [--backend auto]
  The whole job on built-in data, in a few minutes: writes a synthetic dataset (fluorescence,
  stained and bright-field looking images), trains a small U-Net on it briefly with the default
  recipe (nuclei-small preset: normalised input, mask + touching borders, crops), evaluates it and
  the bundled default model on the held-out images at full size, and segments one of them with the
  bundled model (or the fresh one if none is bundled). Prints where everything is.`;

export async function runDemo(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs('demo', argv, {
    out: { type: 'string', short: 'o' },
    count: { type: 'string' },
    epochs: { type: 'string' },
    backend: { type: 'string', short: 'b' },
  });
  if (values.help) return void console.log(HELP);
  const out = path.resolve(String(values.out ?? 'nuclei-demo'));
  const count = intOption('count', values.count, 40, 10, 1000);
  const epochs = intOption('epochs', values.epochs, 12, 1, MAX_EPOCHS);
  const backend = ['--backend', String(values.backend ?? 'auto')];
  const data = path.join(out, 'data');
  const modelDir = path.join(out, 'model');
  fs.rmSync(data, { recursive: true, force: true });
  fs.rmSync(modelDir, { recursive: true, force: true });

  console.log(`\n== 1/4 synthetic data -> ${data}`);
  await runSynth(['--out', data, '--count', String(count), '--size', '256']);

  console.log(`\n== 2/4 train a small U-Net (default recipe, nuclei-small preset) for ${epochs} epochs -> ${modelDir}`);
  await runTrain(['--data', data, '--out', modelDir, '--epochs', String(epochs), '--batch', '8', '--preset', 'nuclei-small', '--lr', '0.003', ...backend]);

  // The same seeded split as training: score only images the model did not train on.
  const heldOut = splitTrainVal(listSampleIds(data), 0.1, 42).val;
  const evalData = path.join(out, 'held-out');
  fs.rmSync(evalData, { recursive: true, force: true });
  fs.mkdirSync(evalData, { recursive: true });
  for (const id of heldOut) fs.symlinkSync(path.join(data, id), path.join(evalData, id), 'dir');
  console.log(`\n== 3/4 evaluate the fresh model on ${heldOut.length} held-out images at full size`);
  const report = path.join(out, 'evaluation.json');
  const fresh = await runEvaluate(['--data', evalData, '--model', path.join(modelDir, 'best'), '--out', report, '--overwrite', ...backend]);
  const bundled = findDefaultModel();
  const bundledReport = path.join(out, 'evaluation-bundled.json');
  let bundledScore: typeof fresh | undefined;
  if (bundled) {
    console.log(`\n   ... and the bundled default model on the same images`);
    bundledScore = await runEvaluate(['--data', evalData, '--model', bundled, '--out', bundledReport, '--overwrite', ...backend]);
  }

  const image = path.join(data, heldOut[0], 'images', `${heldOut[0]}.png`);
  const segmentOut = path.join(out, 'segmentation');
  console.log(`\n== 4/4 segment ${path.basename(image)} with the ${bundled ? 'bundled default' : 'fresh'} model`);
  await runSegment([image, '--out', segmentOut, '--model', bundled ?? path.join(modelDir, 'best'), ...backend]);

  const base = heldOut[0];
  const line = (name: string, m: NonNullable<typeof fresh>['mean']) =>
    `  ${name.padEnd(16)} DSB ${m.dsb.toFixed(3)}  AP50 ${m.ap50.toFixed(3)}  IoU ${m.iou.toFixed(3)}`;
  console.log(`\nOn the ${heldOut.length} held-out synthetic images at full size:`);
  if (fresh) console.log(line('fresh model', fresh.mean));
  if (bundledScore) console.log(line('bundled model', bundledScore.mean));
  console.log(`\nDone. Results:`);
  console.log(`  dataset         ${data}
  trained model   ${path.join(modelDir, 'best')}
  history         ${path.join(modelDir, 'history.csv')}
  evaluation      ${report}${bundled ? `, ${bundledReport}` : ''}
  overlay         ${path.join(segmentOut, `${base}_overlay.png`)}
  mask / labels   ${path.join(segmentOut, `${base}_mask.png`)}, ${path.join(segmentOut, `${base}_labels.png`)}
  summary / RLE   ${path.join(segmentOut, `${base}.json`)}, ${path.join(segmentOut, `${base}.csv`)}`);
}
