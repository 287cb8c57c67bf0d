import * as fs from 'fs';
import * as path from 'path';
import { imageKind, listSampleIds, loadSampleFullSize, splitTrainVal, writeFileAtomic } from '@nuclei/data';
import { evaluateImage, formatKindTable, reportFromRows } from '@nuclei/evaluation';
import { loadModel, saveModel, type ModelMetadata, type SaveMetadata, type SegmentationDefaults, type TilePredictor } from '@nuclei/model';
import { exportOnnx, ONNX_FILE, onnxMetadata } from '@nuclei/onnx';
import { describeOptions, segment, segmentOptionsForModel, tuneSegmentation, type TuneCandidate, type TuneSample } from '@nuclei/segmentation';
import { TRAINING_STATE_KEY } from '@nuclei/training';
import { intOption, MAX_LIMIT, parseCommandArgs } from '../args';
import { CliError, outputError } from '../cli-error';
import { checkOutputDir, realPath } from '../paths';
import { createProgressBar } from '../progress-bar';
import { activateBackend } from './backend';
import { activateEngine, ENGINE_FLAGS, ENGINE_HELP, engineFlags } from './engine';

/** Fewer held-out images than this say too little to re-tune a fine-tuned model's kept settings. */
export const MIN_RETUNE_IMAGES = 10;

const HELP = `nuclei publish CHECKPOINT --out DIR [--data DIR] [--held-out DIR] [--limit N] [--overwrite]
  Turns a training checkpoint (e.g. OUT/best) into a model to ship: scores it on the images held out
  from its training, at full size against the full-size truth, with each way of segmenting (models
  with a touching-border output: prediction scale x1 / x1.5 / x2, then the marker watershed's mask
  threshold t1 x border threshold t2 x smallest marker, the distance watershed on the mask alone and
  after cutting out the predicted borders, the smallest nucleus kept, filling holes, then
  test-time augmentation; seed models:
  tiles at x1 and x0.5 and the seed's resize, watershed or components), keeps the best as the
  model's recommended segmentation defaults, records the full-size figures overall and per kind of
  image, and saves it without optimizer state, with model.onnx (the same network as ONNX, for ONNX
  Runtime and other tools) beside the TF.js files.
  --data DIR   the training dataset (default: the one recorded in the checkpoint)
  --held-out DIR  score on every image of this labelled folder instead (e.g. corrected images kept
               out of fine-tuning)
  --limit N    score only the first N held-out images
  --overwrite  replace the model already in --out (refused otherwise), even the checkpoint itself
               (which then loses the optimizer state --resume needs)
  A model fine-tuned from another (train --from) keeps its base model's segmentation settings unless
  there are at least ${MIN_RETUNE_IMAGES} images to score on and settings found on them beat the kept ones; with
  no held-out images at all it is published with the kept settings and no figures.
${ENGINE_HELP}`;

export async function runPublish(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    'publish',
    argv,
    {
      out: { type: 'string', short: 'o' },
      data: { type: 'string', short: 'd' },
      'held-out': { type: 'string' },
      limit: { type: 'string' },
      overwrite: { type: 'boolean' },
      backend: { type: 'string', short: 'b' },
      ...ENGINE_FLAGS,
    },
    true,
  );
  if (values.help) return void console.log(HELP);
  if (positionals.length !== 1) throw new CliError(`give one CHECKPOINT folder\n\n${HELP}`);
  if (!values.out) throw new CliError(`--out DIR is required\n\n${HELP}`);
  const from = path.resolve(positionals[0]);
  const out = path.resolve(String(values.out));
  const engine = engineFlags(values);
  const limit = values.limit === undefined ? undefined : intOption('limit', values.limit, 1, 1, MAX_LIMIT);
  // Fail before the scoring, not after it.
  checkPublishTarget(from, out, Boolean(values.overwrite));
  await checkOutputDir(path.dirname(out));
  await activateBackend(values.backend);
  const { model, metadata } = await loadModel(from);
  const predictor = await activateEngine(model, engine);
  try {
    const training = metadata.training ?? {};
    const kept = training.fineTunedFrom !== undefined ? metadata.segmentation : undefined;
    const heldOutDir = values['held-out'] === undefined ? undefined : path.resolve(String(values['held-out']));
    const data = heldOutDir ?? path.resolve(String(values.data ?? training.dataset ?? ''));
    if (!heldOutDir && !values.data && !training.dataset) throw new CliError(`${from} does not record its dataset: pass --data DIR`);
    if (!fs.existsSync(data)) throw new CliError(`${data}: no such folder`);
    let ids = heldOutDir ? listSampleIds(heldOutDir) : (training.validationIds as string[] | undefined);
    if (!ids) {
      // Older checkpoints: the same seeded split that training made (exact unless samples were skipped).
      ids = splitTrainVal(listSampleIds(data), Number(training.validationSplit ?? 0.1), Number(training.seed ?? 42)).val;
      console.warn(`${from} lists no validation ids; using the seeded split of ${data} (${ids.length} images)`);
    }
    if (limit !== undefined) ids = ids.slice(0, limit);
    if (ids.length === 0 && kept) {
      // Fine-tuned on every corrected image: nothing to score on, so its base's settings stand.
      console.warn(
        `${from} kept no images out of its training: published with its base model's segmentation settings and no figures (--held-out DIR scores it)`,
      );
      await saveModel(
        model,
        out,
        { ...publishedMetadata(metadata, from, data, {}), segmentation: kept },
        { extraFiles: (meta) => ({ [ONNX_FILE]: exportOnnx(model, { metadata: onnxMetadata(meta) }) }) },
      );
      console.log(`published: ${out}`);
      return;
    }
    if (ids.length === 0) throw new CliError(`${from}: no held-out images to score it on`);

    console.log(`scoring on ${ids.length} held-out images of ${data} at full size`);
    const loadBar = createProgressBar('load');
    const samples: TuneSample[] = [];
    for (const id of ids) {
      samples.push(await loadSampleFullSize(data, id));
      loadBar.update(samples.length, ids.length);
    }
    loadBar.done(`loaded ${samples.length} held-out images`);
    let bar = createProgressBar('predict');
    const onCandidate = (c: TuneCandidate) => {
      const m = c.report.mean;
      bar.done(`${c.label.padEnd(40)} IoU ${m.iou.toFixed(3)}  DSB ${m.dsb.toFixed(3)}  AP50 ${m.ap50.toFixed(3)}`);
      bar = createProgressBar('predict');
    };
    const onProgress = (what: string, done: number, total: number) => bar.update(done, total, what);
    // A fine-tuned model's kept settings are scored first; the grid only replaces them when there are
    // enough images to trust it and it clearly beats them.
    const keptScore = kept ? await scoreSettings(samples, predictor, kept, metadata.preprocessing, onCandidate) : undefined;
    const tuned =
      kept && samples.length < MIN_RETUNE_IMAGES
        ? {
            best: keptScore!,
            candidates: [keptScore!],
            defaults: {
              ...kept,
              basis: `${kept.basis ?? 'kept'}; mean DSB ${keptScore!.report.mean.dsb.toFixed(3)} on ${samples.length} held-out images (too few to re-tune)`,
            },
          }
        : await tuneSegmentation(samples, predictor, { preprocessing: metadata.preprocessing, onProgress, onCandidate });
    if (keptScore && tuned.best !== keptScore && tuned.best.report.mean.dsb <= keptScore.report.mean.dsb + 0.005) {
      tuned.best = keptScore;
      tuned.defaults = {
        ...kept!,
        basis: `${kept!.basis ?? 'kept'}; mean DSB ${keptScore.report.mean.dsb.toFixed(3)} on ${samples.length} held-out images, no other setting clearly better`,
      };
    }
    const best = tuned.best;
    const segmentation: SegmentationDefaults = tuned.defaults;
    const m = best.report.mean;
    const perKind: Record<string, number> = {};
    for (const [kind, v] of Object.entries(best.report.byKind ?? {})) {
      perKind[`fullsize_dsb_${kind}`] = v.mean.dsb;
      perKind[`fullsize_ap50_${kind}`] = v.mean.ap50;
    }
    await saveModel(
      model,
      out,
      {
        ...publishedMetadata(
          metadata,
          from,
          data,
          { fullsize_iou: m.iou, fullsize_dice: m.dice, fullsize_dsb: m.dsb, fullsize_ap50: m.ap50, ...perKind },
          heldOutDir ? ids : undefined,
        ),
        segmentation,
      },
      { extraFiles: (meta) => ({ [ONNX_FILE]: exportOnnx(model, { metadata: onnxMetadata(meta) }) }) },
    );
    const history = path.join(path.dirname(from), 'history.csv');
    if (fs.existsSync(history)) await writeFileAtomic(path.join(out, 'history.csv'), fs.readFileSync(history));
    await writeFileAtomic(
      path.join(out, 'evaluation.json'),
      JSON.stringify(
        {
          dataset: path.basename(data),
          ids,
          best: { label: best.label, options: best.options, ...best.report },
          candidates: tuned.candidates.map((c) => ({ label: c.label, options: c.options, mean: c.report.mean, byKind: c.report.byKind })),
        },
        null,
        2,
      ),
    );
    console.log(`recommended: ${best.label} (${segmentation.basis})`);
    const kinds = formatKindTable(best.report);
    if (kinds) console.log(`per kind of image:\n${kinds}`);
    console.log(`published: ${out}`);
  } finally {
    predictor.dispose();
    model.dispose();
  }
}

/** Refuses to replace an existing model folder (or the checkpoint being published) without --overwrite; an empty folder is fine. */
function checkPublishTarget(from: string, out: string, overwrite: boolean): void {
  if (!fs.existsSync(out)) return;
  if (!fs.statSync(out).isDirectory()) throw outputError(`--out ${out} is a file: give the folder to write the model to`);
  if (overwrite) return;
  if (realPath(out) === realPath(from))
    throw new CliError(
      `--out ${out} is the checkpoint being published: that would drop its optimizer state (what --resume needs); choose another folder, or add --overwrite`,
    );
  if (fs.readdirSync(out).length > 0) throw new CliError(`${out} already exists: add --overwrite to replace it`);
}

/** What a published model records: its checkpoint's metadata without optimizer state, plus its full-size figures. */
function publishedMetadata(metadata: ModelMetadata, from: string, data: string, figures: Record<string, number>, scoredIds?: string[]): SaveMetadata {
  const { [TRAINING_STATE_KEY]: _state, ...trainingInfo } = metadata.training ?? {};
  return {
    preset: metadata.preset,
    config: metadata.config,
    createdAt: metadata.createdAt,
    // A shipped model names its data and checkpoint by name, and records where the data was at
    // publish time (verify tries that path after --data and $NUCLEI_DSB_DIR, then ../shared/data/<name>).
    training: {
      ...trainingInfo,
      dataset: path.basename(data),
      datasetPath: path.resolve(data),
      publishedFrom: path.basename(path.dirname(from)) + '/' + path.basename(from),
      // Scored on a folder of its own (--held-out): verify re-scores those images.
      ...(scoredIds ? { validationIds: scoredIds } : {}),
    },
    metrics: { ...metadata.metrics, ...figures },
    history: metadata.history,
    ...(metadata.preprocessing ? { preprocessing: metadata.preprocessing } : {}),
  };
}

/** Scores one way of segmenting on the held-out images (a fine-tuned model's kept settings). */
async function scoreSettings(
  samples: readonly TuneSample[],
  predictor: TilePredictor,
  settings: SegmentationDefaults,
  preprocessing: ModelMetadata['preprocessing'],
  onCandidate: (c: TuneCandidate) => void,
): Promise<TuneCandidate> {
  const options = segmentOptionsForModel({ segmentation: settings, preprocessing });
  const rows = [];
  for (const s of samples) {
    const r = await segment(s.image, predictor, options);
    rows.push({ ...evaluateImage({ id: s.id, predLabels: r.labels, trueLabels: s.labels, width: r.width, height: r.height }), kind: imageKind(s.image.data) });
  }
  const c = { label: `${describeOptions(options)} (kept from its base model)`, options, report: reportFromRows(rows) };
  onCandidate(c);
  return c;
}
