import * as fs from 'fs';
import * as path from 'path';
import { listSampleIds, writeFileAtomic } from '@nuclei/data';
import { formatKindTable, formatReportTable, type EvaluationReport } from '@nuclei/evaluation';
import { DEFAULT_MARKERS, DEFAULT_SEGMENT, evaluateModelOnDataset } from '@nuclei/segmentation';
import { intOption, MAX_LIMIT, parseCommandArgs } from '../args';
import { CliError, outputError } from '../cli-error';
import { checkOutputDir } from '../paths';
import { createProgressBar } from '../progress-bar';
import { activateBackend } from './backend';
import { activateEngine, ENGINE_FLAGS, ENGINE_HELP, engineFlags } from './engine';
import { chooseOptions, describeOptions, loadModelOption, SEGMENT_FLAGS, segmentOptionsFromFlags } from './model-options';

const HELP = `nuclei evaluate --data DIR [options]
  Segments every image of a dataset (the DSB layout, or image + label-image pairs in one folder:
  NAME.png beside NAME_labels.png) at native size and scores it against the full-size truth: the
  2018 DSB score, F1, precision and recall of nuclei at IoU 0.5 and AP50 first, then pixel IoU,
  Dice, precision and recall, per image and mean.
Options:
  --model DIR          model folder (default: the bundled model)
  --out FILE           also write the JSON report (per image, means, per kind) to FILE
  --overwrite          replace FILE if it exists (refused otherwise)
  --skip-invalid       skip samples that fail to load (each listed with the reason)
  --limit N            only the first N images (sorted by id)
  Unset options take the values the model's metadata recommends, else the defaults.
  --mode tile|resize   --threshold ${DEFAULT_SEGMENT.threshold}   --split markers|cut|watershed|components   --border-threshold ${DEFAULT_MARKERS.borderThreshold}
  --min-marker ${DEFAULT_MARKERS.minMarker}   --scale ${DEFAULT_SEGMENT.scale}   --tile-size N   --tta   --fill-holes
${ENGINE_HELP}
  --backend auto|gpu|node|wasm|cpu`;

/** Runs `nuclei evaluate`; returns the report (undefined for --help). */
export async function runEvaluate(argv: string[]): Promise<EvaluationReport | undefined> {
  const { values } = parseCommandArgs('evaluate', argv, {
    data: { type: 'string', short: 'd' },
    model: { type: 'string', short: 'm' },
    out: { type: 'string', short: 'o' },
    limit: { type: 'string' },
    overwrite: { type: 'boolean' },
    'skip-invalid': { type: 'boolean' },
    ...SEGMENT_FLAGS,
    backend: { type: 'string', short: 'b' },
    ...ENGINE_FLAGS,
  });
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  if (!values.data) throw new CliError(`--data DIR is required\n\n${HELP}`);
  const engine = engineFlags(values);
  const data = path.resolve(String(values.data));
  if (!fs.existsSync(data)) throw new CliError(`${data}: no such folder`);
  const options = segmentOptionsFromFlags(values);
  const limit = values.limit === undefined ? undefined : intOption('limit', values.limit, 1, 1, MAX_LIMIT);
  const ids = limit === undefined ? undefined : listSampleIds(data).slice(0, limit);
  // No --out: the table is printed and nothing is left behind in the working directory.
  const out = values.out === undefined ? undefined : path.resolve(String(values.out));
  if (out && fs.existsSync(out)) {
    if (fs.statSync(out).isDirectory()) throw outputError(`--out ${out} is a folder: --out names the JSON file to write`);
    if (!values.overwrite) throw new CliError(`${out} already exists: add --overwrite to replace it`);
  }
  if (out) await checkOutputDir(path.dirname(out));
  await activateBackend(values.backend);
  const { model, metadata, dir } = await loadModelOption(values.model);
  const predictor = await activateEngine(model, engine);
  const chosen = chooseOptions(metadata, options);
  console.log(`segmentation: ${describeOptions(chosen)}`);
  try {
    const bar = createProgressBar('evaluate');
    const report = await evaluateModelOnDataset(data, predictor, {
      ...chosen,
      ids,
      skipInvalid: Boolean(values['skip-invalid']),
      onSkip: (id, reason) => console.warn(`skipped ${id}: ${reason}`),
      onProgress: (done, total, row) => bar.update(done, total, row.id),
    });
    bar.done();
    console.log(formatReportTable(report));
    const kinds = formatKindTable(report);
    if (kinds) console.log(`per kind of image:\n${kinds}`);
    if (out) {
      await writeFileAtomic(out, JSON.stringify({ dataset: data, model: dir, options: { ...chosen, limit }, ...report }, null, 2));
      console.log(`report: ${out}`);
    }
    return report;
  } finally {
    predictor.dispose();
    model.dispose();
  }
}
