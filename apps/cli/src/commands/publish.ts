import * as fs from 'fs';
import * as path from 'path';
import { listSampleIds, splitTrainVal } from '@nuclei/data';
import { loadModel, saveModel, type SegmentationDefaults } from '@nuclei/model';
import { evaluateModelOnDataset, type SegmentOptions } from '@nuclei/segmentation';
import { TRAINING_STATE_KEY } from '@nuclei/training';
import { intOption, parseCommandArgs } from '../args';
import { CliError } from '../cli-error';
import { createProgressBar } from '../progress-bar';
import { activateBackend } from './backend';

const HELP = `nuclei publish CHECKPOINT --out DIR [--data DIR] [--limit N]
  Turns a training checkpoint (e.g. OUT/best) into a model to ship: scores it on the images held out
  from its training, at full size against the full-size truth, with each way of segmenting (tile at
  native size, tile at half size, the seed's resize), keeps the best as the model's recommended
  segmentation defaults, records the full-size figures, and saves it without optimizer state.
  --data DIR   the training dataset (default: the one recorded in the checkpoint)
  --limit N    score only the first N held-out images`;

/**
 * The ways of segmenting compared, in order of preference: within TIE of the best DSB score the
 * earlier one wins, because tiles keep nuclei at one scale and memory bounded on images of any size
 * while resize squeezes a whole image (however large) into one model input. Watershed vs
 * components is then compared on the chosen way.
 */
const TIE = 0.01;
const CANDIDATES: SegmentOptions[] = [
  { mode: 'tile', scale: 1 },
  { mode: 'tile', scale: 0.5 },
  { mode: 'resize' },
];

const label = (o: SegmentOptions) => `${o.mode}${o.mode === 'tile' ? ` x${o.scale ?? 1}` : ''}, ${o.split ?? 'watershed'}`;

export async function runPublish(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('publish', argv, {
    out: { type: 'string', short: 'o' },
    data: { type: 'string', short: 'd' },
    limit: { type: 'string' },
    backend: { type: 'string', short: 'b' },
  }, true);
  if (values.help) return void console.log(HELP);
  if (positionals.length !== 1) throw new CliError(`give one CHECKPOINT folder\n\n${HELP}`);
  if (!values.out) throw new CliError(`--out DIR is required\n\n${HELP}`);
  const from = path.resolve(positionals[0]);
  const out = path.resolve(String(values.out));
  await activateBackend(values.backend);
  const { model, metadata } = await loadModel(from);
  try {
    const training = metadata.training ?? {};
    const data = path.resolve(String(values.data ?? training.dataset ?? ''));
    if (!values.data && !training.dataset) throw new CliError(`${from} does not record its dataset: pass --data DIR`);
    if (!fs.existsSync(data)) throw new CliError(`${data}: no such folder`);
    let ids = training.validationIds as string[] | undefined;
    if (!ids) {
      // Older checkpoints: the same seeded split that training made (exact unless samples were skipped).
      ids = splitTrainVal(listSampleIds(data), Number(training.validationSplit ?? 0.1), Number(training.seed ?? 42)).val;
      console.warn(`${from} lists no validation ids; using the seeded split of ${data} (${ids.length} images)`);
    }
    if (values.limit !== undefined) ids = ids.slice(0, intOption('limit', values.limit, 1));
    if (ids.length === 0) throw new CliError(`${from}: no held-out images to score it on`);

    const score = async (options: SegmentOptions) => {
      const bar = createProgressBar(label(options));
      const report = await evaluateModelOnDataset(data, model, { ...options, ids, onProgress: (d, t) => bar.update(d, t) });
      bar.done(`${label(options).padEnd(26)} IoU ${report.mean.iou.toFixed(3)}  Dice ${report.mean.dice.toFixed(3)}  DSB ${report.mean.dsb.toFixed(3)}  AP50 ${report.mean.ap50.toFixed(3)}`);
      return { options, report };
    };
    console.log(`scoring on ${ids.length} held-out images of ${data} at full size`);
    type Scored = Awaited<ReturnType<typeof score>>;
    // First in preference order within TIE of the top score.
    const pick = (rs: Scored[]) => {
      const top = Math.max(...rs.map((r) => r.report.mean.dsb));
      return rs.find((r) => r.report.mean.dsb >= top - TIE)!;
    };
    const ways: Scored[] = [];
    for (const c of CANDIDATES) ways.push(await score({ ...c, split: 'watershed' }));
    const way = pick(ways);
    const plain = await score({ ...way.options, split: 'components' });
    const best = pick([way, plain]);
    const results = [...ways, plain];
    const runnerUp = results.filter((r) => r !== best).sort((a, b) => b.report.mean.dsb - a.report.mean.dsb)[0];
    const segmentation: SegmentationDefaults = {
      mode: best.options.mode ?? 'tile',
      ...(best.options.mode === 'tile' ? { scale: best.options.scale ?? 1 } : {}),
      split: best.options.split,
      basis: `mean DSB ${best.report.mean.dsb.toFixed(3)}, best other ${runnerUp.report.mean.dsb.toFixed(3)} (${label(runnerUp.options)}), on ${ids.length} held-out images at full size; ties within ${TIE} go to tiles`,
    };
    const { [TRAINING_STATE_KEY]: _state, ...trainingInfo } = training;
    const m = best.report.mean;
    await saveModel(model, out, {
      preset: metadata.preset,
      config: metadata.config,
      createdAt: metadata.createdAt,
      training: { ...trainingInfo, publishedFrom: from },
      metrics: { ...metadata.metrics, fullsize_iou: m.iou, fullsize_dice: m.dice, fullsize_dsb: m.dsb, fullsize_ap50: m.ap50 },
      history: metadata.history,
      segmentation,
    });
    const history = path.join(path.dirname(from), 'history.csv');
    if (fs.existsSync(history)) fs.copyFileSync(history, path.join(out, 'history.csv'));
    fs.writeFileSync(path.join(out, 'evaluation.json'), JSON.stringify({ dataset: data, ids, candidates: results.map((r) => ({ options: r.options, ...r.report })) }, null, 2));
    console.log(`recommended: ${label(best.options)} (${segmentation.basis})`);
    console.log(`published: ${out}`);
  } finally {
    model.dispose();
  }
}
