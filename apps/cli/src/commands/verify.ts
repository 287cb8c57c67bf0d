import * as fs from 'fs';
import * as path from 'path';
import type { EvaluationRow } from '@nuclei/evaluation';
import { exportOnnx, ONNX_FILE, onnxMetadata } from '@nuclei/onnx';
import { evaluateModelOnDataset, segmentOptionsForModel } from '@nuclei/segmentation';
import { intOption, MAX_LIMIT, parseCommandArgs } from '../args';
import { CliError } from '../cli-error';
import { createProgressBar } from '../progress-bar';
import { activateBackend } from './backend';
import { activateEngine, ENGINE_FLAGS, ENGINE_HELP, engineFlags } from './engine';
import { describeOptions, loadModelOption } from './model-options';

const HELP = `nuclei verify [--model DIR] [--data DIR] [--limit N]
  Re-scores a published model (default: the bundled one) on the held-out images its metadata
  records, with its recorded segmentation, and checks the figures against those it was published
  with: per image against evaluation.json (all images, or the first N), and the means; and that
  model.onnx is the same network as the TF.js weights. Exits 1 if any figure moved by more than
  0.001 or model.onnx differs.
  --data DIR   the dataset (default: $NUCLEI_DSB_DIR, the recorded one, or ../shared/data/<its name>)
${ENGINE_HELP}`;

const TOLERANCE = 0.001;

/** The dataset a model was published from, found on this machine. */
function findData(given: unknown, recorded: string | undefined): string {
  const candidates = [given, process.env.NUCLEI_DSB_DIR, recorded, recorded && path.join('..', 'shared', 'data', path.basename(recorded))]
    .filter(Boolean)
    .map((p) => path.resolve(String(p)));
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new CliError(`no dataset found for this model (tried ${candidates.join(', ')}): pass --data DIR`);
  return found;
}

export async function runVerify(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('verify', argv, {
    model: { type: 'string', short: 'm' },
    data: { type: 'string', short: 'd' },
    limit: { type: 'string' },
    backend: { type: 'string', short: 'b' },
    ...ENGINE_FLAGS,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const engine = engineFlags(values);
  await activateBackend(values.backend);
  const { model, metadata, dir } = await loadModelOption(values.model);
  const predictor = await activateEngine(model, engine);
  try {
    const ids = metadata.training?.validationIds as string[] | undefined;
    if (!ids?.length) throw new CliError(`${dir}: its metadata records no validation ids (publish it again with this version)`);
    const evaluationFile = path.join(dir, 'evaluation.json');
    const published = fs.existsSync(evaluationFile)
      ? (JSON.parse(fs.readFileSync(evaluationFile, 'utf8')).best?.rows as EvaluationRow[] | undefined)
      : undefined;
    const data = findData(values.data, metadata.training?.dataset as string | undefined);
    const limit = values.limit === undefined ? ids.length : intOption('limit', values.limit, ids.length, 1, MAX_LIMIT);
    const chosen = segmentOptionsForModel(metadata);
    console.log(`verifying ${dir} on ${Math.min(limit, ids.length)} of its ${ids.length} held-out images in ${data}; segmentation: ${describeOptions(chosen)}`);
    const bar = createProgressBar('verify');
    const report = await evaluateModelOnDataset(data, predictor, {
      ...chosen,
      ids: ids.slice(0, limit),
      onProgress: (done, total, row) => bar.update(done, total, row.id),
    });
    bar.done();
    const { rows, mean: now } = report;
    const problems: string[] = [];
    for (const row of rows) {
      const was = published?.find((p) => p.id === row.id);
      if (was && Math.abs(was.dsb - row.dsb) > TOLERANCE) problems.push(`${row.id}: DSB ${row.dsb.toFixed(4)}, published ${was.dsb.toFixed(4)}`);
    }
    if (limit >= ids.length) {
      for (const k of ['dsb', 'ap50', 'iou'] as const) {
        const recorded = metadata.metrics?.[`fullsize_${k}`];
        if (recorded === undefined) continue;
        console.log(`${k.padEnd(5)} now ${now[k].toFixed(4)}, recorded ${recorded.toFixed(4)}`);
        if (Math.abs(recorded - now[k]) > TOLERANCE) problems.push(`mean ${k} ${now[k].toFixed(4)}, recorded ${recorded.toFixed(4)}`);
      }
    } else console.log(`mean DSB of these ${rows.length}: ${now.dsb.toFixed(4)}${published ? '' : ' (no evaluation.json rows to compare per image)'}`);
    if (!published && limit < ids.length) problems.push(`${evaluationFile} has no per-image rows: verify all images instead`);
    // The ONNX file other tools read must be the same network as the TF.js weights scored here.
    const onnxFile = path.join(dir, ONNX_FILE);
    if (fs.existsSync(onnxFile)) {
      const same = Buffer.from(exportOnnx(model, { metadata: onnxMetadata(metadata) })).equals(fs.readFileSync(onnxFile));
      if (same) console.log(`${ONNX_FILE}: the same network and weights as the TF.js files`);
      else problems.push(`${onnxFile} differs from the TF.js weights (publish the model again)`);
    }
    if (problems.length) {
      console.error(`figures moved (more than ${TOLERANCE}):\n  ${problems.join('\n  ')}`);
      return 1;
    }
    console.log(`figures hold: ${rows.length} images within ${TOLERANCE} of what was published`);
    return 0;
  } finally {
    predictor.dispose();
    model.dispose();
  }
}
