import * as fs from 'fs';
import * as path from 'path';
import type { EvaluationRow } from '@nuclei/evaluation';
import type { ModelMetadata } from '@nuclei/model';
import { exportOnnx, ONNX_FILE, onnxMetadata } from '@nuclei/onnx';
import { evaluateModelOnDataset, segmentOptionsForModel } from '@nuclei/segmentation';
import { datasetCandidates } from '@nuclei/training';
import { intOption, MAX_LIMIT, parseCommandArgs } from '../args';
import { CliError, EXIT } from '../cli-error';
import { createProgressBar } from '../progress-bar';
import { activateBackend } from './backend';
import { activateEngine, ENGINE_FLAGS, ENGINE_HELP, engineFlags } from './engine';
import { describeOptions, loadModelOption } from './model-options';

const HELP = `nuclei verify [--model DIR] [--data DIR] [--limit N]
  Re-scores a published model (default: the bundled one) on the held-out images its metadata
  records, with its recorded segmentation, and checks the figures against those it was published
  with: per image against evaluation.json (all images, or the first N), and the means; and that
  model.onnx is the same network as the TF.js weights. Exits 1 if any figure moved by more than
  0.001 or model.onnx differs, and before scoring when there is nothing to compare: no held-out
  images (a fine-tuned model published without any), no recorded figures (a checkpoint), no
  evaluation.json or no model.onnx.
  --data DIR   the dataset (default: $NUCLEI_DSB_DIR, the path recorded at publish time, or ../shared/data/<its name>)
${ENGINE_HELP}`;

const TOLERANCE = 0.001;

/**
 * The dataset a model was published from, found on this machine: --data, $NUCLEI_DSB_DIR, the path
 * publish recorded (training.datasetPath), the recorded name, ../shared/data/<name>. When the
 * recorded path is tried and gone, verify says the dataset has moved (found elsewhere or not).
 */
export function findData(given: unknown, recorded: string | undefined, recordedPath: string | undefined): string {
  const candidates = datasetCandidates(recorded, recordedPath, given === undefined ? undefined : String(given));
  const found = candidates.findIndex((p) => fs.existsSync(p));
  const at = recordedPath ? candidates.indexOf(path.resolve(recordedPath)) : -1;
  const moved = at >= 0 && (found < 0 || found > at) ? `the dataset it was published from is no longer at ${recordedPath}` : '';
  if (found < 0) throw new CliError(`no dataset found for this model (tried ${candidates.join(', ')}${moved ? `; ${moved}` : ''}): pass --data DIR`);
  if (moved) console.warn(`warning: ${moved} (moved?): using ${candidates[found]}`);
  return candidates[found];
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
  const limitFlag = values.limit === undefined ? undefined : intOption('limit', values.limit, 1, 1, MAX_LIMIT);
  await activateBackend(values.backend);
  const { model, metadata, dir } = await loadModelOption(values.model);
  let reference: Reference;
  try {
    reference = referenceOf(dir, metadata);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const { ids, rows: published, onnxFile } = reference;
  const predictor = await activateEngine(model, engine);
  try {
    const data = findData(values.data, metadata.training?.dataset as string | undefined, metadata.training?.datasetPath as string | undefined);
    const limit = Math.min(limitFlag ?? ids.length, ids.length);
    const chosen = segmentOptionsForModel(metadata);
    console.log(`verifying ${dir} on ${limit} of its ${ids.length} held-out images in ${data}; segmentation: ${describeOptions(chosen)}`);
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
      const was = published.get(row.id);
      if (!was) problems.push(`${row.id}: no published figures for it in evaluation.json`);
      else if (Math.abs(was.dsb - row.dsb) > TOLERANCE) problems.push(`${row.id}: DSB ${row.dsb.toFixed(4)}, published ${was.dsb.toFixed(4)}`);
    }
    if (limit >= ids.length) {
      for (const k of FIGURES) {
        const recorded = metadata.metrics![`fullsize_${k}`];
        console.log(`${k.padEnd(5)} now ${now[k].toFixed(4)}, recorded ${recorded.toFixed(4)}`);
        if (Math.abs(recorded - now[k]) > TOLERANCE) problems.push(`mean ${k} ${now[k].toFixed(4)}, recorded ${recorded.toFixed(4)}`);
      }
    } else console.log(`mean DSB of these ${rows.length}: ${now.dsb.toFixed(4)}`);
    // The ONNX file other tools read must be the same network as the TF.js weights scored here.
    const same = Buffer.from(exportOnnx(model, { metadata: onnxMetadata(metadata) })).equals(fs.readFileSync(onnxFile));
    if (same) console.log(`${ONNX_FILE}: the same network and weights as the TF.js files`);
    else problems.push(`${onnxFile} differs from the TF.js weights (publish the model again)`);
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

const FIGURES = ['dsb', 'ap50', 'iou'] as const;

interface Reference {
  ids: string[];
  /** evaluation.json's per-image rows of the chosen setting, by image id. */
  rows: Map<string, EvaluationRow>;
  onnxFile: string;
}

/**
 * What a published model is verified against: its held-out ids, its recorded means, its per-image
 * rows and its model.onnx. Without one of them there is nothing to compare, and "figures hold"
 * would be a lie: that fails (exit 1) before any scoring, saying what is missing.
 */
function referenceOf(dir: string, metadata: ModelMetadata): Reference {
  const fail = (why: string) => new CliError(`${dir}: ${why}`, EXIT.failed);
  const ids = metadata.training?.validationIds as string[] | undefined;
  if (metadata.training?.fineTunedFrom !== undefined && !ids?.length)
    throw fail('fine-tuned and published with no held-out images: nothing to verify it against (publish it with --held-out DIR to give it figures)');
  if (!ids?.length) throw fail('records no held-out images: nothing to verify it against (publish it with this version)');
  const missing = FIGURES.filter((k) => typeof metadata.metrics?.[`fullsize_${k}`] !== 'number');
  if (missing.length)
    throw fail(
      `records no full-size ${missing.join(', ')}: nothing to verify it against (${missing.length === FIGURES.length ? 'a checkpoint, not a published model: run nuclei publish' : 'publish it again'})`,
    );
  const evaluationFile = path.join(dir, 'evaluation.json');
  if (!fs.existsSync(evaluationFile)) throw fail('evaluation.json is missing: its per-image figures (publish the model again)');
  let rows: EvaluationRow[] | undefined;
  try {
    rows = JSON.parse(fs.readFileSync(evaluationFile, 'utf8')).best?.rows;
  } catch (e) {
    throw fail(`evaluation.json is not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(rows) || rows.length === 0) throw fail('evaluation.json has no per-image rows (best.rows): publish the model again');
  const onnxFile = path.join(dir, ONNX_FILE);
  if (!fs.existsSync(onnxFile))
    throw fail(`${ONNX_FILE} is missing: a published model ships it (nuclei export ${dir} --format onnx --out ${onnxFile} writes it again)`);
  return { ids, rows: new Map(rows.map((r) => [r.id, r])), onnxFile };
}
