import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { imageKind } from '@nuclei/data';
import { isPresetName, METADATA_FILE, parseMetadata, resolveConfig, PRESETS, type ModelMetadata, type PresetName } from '@nuclei/model';
import {
  DEFAULT_CROP_OPTIONS,
  DEFAULT_OPTIONS,
  FINE_TUNE,
  findBaseData,
  defaultWorkerCount,
  LAST_DIR,
  loadStartingModel,
  presetMatches,
  RECIPES,
  RunLockError,
  takeRunLock,
  trainingRunFiles,
  trainingStateOf,
  trainWithRecipe,
  type PreparedRecipe,
  type ProgressEvent,
  type RecipeName,
  type TrainResult,
} from '@nuclei/training';
import { choiceOption, intOption, MAX_SEED, numberOption, parseCommandArgs } from '../args';
import { CliError, errnoInWords, EXIT, outputError } from '../cli-error';
import { cleanLeftovers, isInside, mkdirErrno, realPath } from '../paths';
import { createProgressBar, formatDuration, type ProgressBar } from '../progress-bar';
import { handleStop } from '../signals';
import { activateBackend } from './backend';

// Flag maxima: beyond them a run would not end in any useful time or not fit in memory
// (--crops 99999999 made Node itself abort).
export const MAX_EPOCHS = 10_000;
const MAX_BATCH = 256;
const MAX_CROPS = 1000;

const HELP = `nuclei train --data DIR --out DIR [options]
  Trains a U-Net on a dataset: the 2018 Data Science Bowl layout (DIR/<id>/images, DIR/<id>/masks) or,
  for the nuclei recipe, image + label-image pairs in one folder (NAME.png beside NAME_labels.png,
  NAME_label.* or NAME_masks.*: one id per nucleus, 0 = background).
  Writes OUT/best (best on validation loss), OUT/last (every epoch, with optimizer state for --resume),
  OUT/history.csv and OUT/history.jsonl. Ctrl-C (or SIGTERM) stops after the current batch, keeps the
  checkpoints and exits 130.
Options:
  --recipe nuclei|seed   nuclei (default): percentile-normalised input (light backgrounds inverted),
                       mask + touching-border outputs, BCE + Dice, --crops random 128x128 crops per
                       image per epoch at scale 0.6-2.0 with flips, rotations and intensity jitter,
                       cosine learning rate, 30 epochs. seed: the Kaggle seed notebook's recipe
                       (whole images squeezed to the model size, BCE, 20 epochs, no augmentation)
  --epochs N (the recipe's: ${RECIPES.nuclei.epochs} nuclei, ${RECIPES.seed.epochs} seed)  --batch ${DEFAULT_OPTIONS.batchSize}  --size ${resolveConfig(RECIPES.nuclei.preset).inputSize}  --val ${DEFAULT_OPTIONS.validationSplit}
  --seed ${DEFAULT_OPTIONS.seed}  --crops ${DEFAULT_CROP_OPTIONS.cropsPerImage} (nuclei recipe)
  --balance-kinds B    nuclei recipe: oversample rare kinds of image (fluorescence, stained, bright-field,
                       told apart by colour and background): crops per image proportional to
                       (share of its kind)^-B, the epoch's total kept. 0 = every image alike
                       (default ${DEFAULT_CROP_OPTIONS.kindBalance}), 1 = every kind alike
  --crop-scale MIN,MAX nuclei recipe: crops are scaled by a factor drawn log-uniformly from this range
                       (default ${DEFAULT_CROP_OPTIONS.scale.join(',')}); e.g. 0.3,0.8 for images whose nuclei are much larger
                       than the training set's
  --input rgb|gray     nuclei recipe: keep colour (default; per-channel percentiles) or one intensity channel
  --loss bce|bceDice   default: bceDice (binary cross-entropy + 1 - soft Dice, per output) for nuclei presets
  --preset ${Object.keys(PRESETS).join('|')} (default: the recipe's)   --lr 0.001
  --augment            seed recipe: flips, 90-degree rotations and random crops
  --patience N         early stopping after N epochs without val_loss improvement (default off)
  --reduce-lr N        halve the learning rate after N epochs without improvement (default off)
  --from MODEL         fine-tune: start from a trained model's weights (e.g. models/default) instead of
                       random ones, keeping its network, input normalisation and segmentation settings;
                       the fine-tuning defaults (measured on corrected images) are --epochs ${FINE_TUNE.epochs}
                       --crops ${FINE_TUNE.cropsPerImage} --lr ${FINE_TUNE.learningRate} --val ${FINE_TUNE.validationSplit} --mix-share ${FINE_TUNE.mixShare} (the network flags
                       --preset, --size, --input, --loss do not apply)
  --mix-share S        with --from: S (0..0.9) of the training images are drawn from the base model's own
                       training data (found by its recorded name: $NUCLEI_DSB_DIR, ../shared/data/<name>;
                       or --mix-data DIR), never its held-out images, so fine-tuning does not forget
  --resume             continue from OUT/last (its weights, optimizer state, epoch, seed and settings;
                       only --epochs may change: the cosine schedule is then recomputed over the
                       new total, with a warning)
  --overwrite          start a new run in an OUT that holds one (refused otherwise)
  --skip-invalid       skip bad samples (listed with the reason) instead of stopping at the first
  --no-cache           decode the dataset again instead of using the cache
  --backend auto|gpu|node|wasm|cpu
  --workers N|auto     split each batch over N threads (data-parallel); auto (default): one per core
                       (up to 4) on wasm/cpu, 1 on tfjs-node whose kernels are multi-threaded already`;

export function renderProgress(event: ProgressEvent, bar = createProgressBar('train')): void {
  const pct = (v?: number) => (v === undefined ? '-' : v.toFixed(4));
  switch (event.type) {
    case 'train-begin':
      console.log(
        `training ${event.trainSize} images, validating on ${event.valSize}; epochs ${event.initialEpoch + 1}..${event.epochs}, ${event.batchesPerEpoch} batches each`,
      );
      break;
    case 'batch':
      bar.update(
        event.batch + 1,
        event.batches,
        `epoch ${event.epoch + 1}/${event.epochs} loss ${pct(event.loss)} acc ${pct(event.acc)} iou ${pct(event.iou)} ` +
          `${event.imagesPerSecond.toFixed(2)} img/s ETA ${formatDuration(event.etaSeconds ?? NaN)}`,
      );
      break;
    case 'epoch-end': {
      const l = event.logs;
      bar.done(
        `epoch ${event.epoch + 1}/${event.epochs}: loss ${pct(l.loss)} acc ${pct(l.acc)} iou ${pct(l.iou)} | ` +
          `val_loss ${pct(l.val_loss)} val_acc ${pct(l.val_acc)} val_iou ${pct(l.val_iou)} | ${event.seconds.toFixed(1)} s, ETA ${formatDuration(event.etaSeconds ?? NaN)}`,
      );
      break;
    }
    case 'train-end':
      console.log(`training ended (${event.stopReason}) after ${event.epochsCompleted} epochs in ${formatDuration(event.seconds)}`);
      break;
  }
}

/** Runs `nuclei train`; returns the exit code (130 when stopped by Ctrl-C or SIGTERM). */
export async function runTrain(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('train', argv, {
    data: { type: 'string', short: 'd' },
    out: { type: 'string', short: 'o' },
    epochs: { type: 'string', short: 'e' },
    batch: { type: 'string' },
    size: { type: 'string' },
    val: { type: 'string' },
    seed: { type: 'string' },
    preset: { type: 'string' },
    recipe: { type: 'string' },
    crops: { type: 'string' },
    'balance-kinds': { type: 'string' },
    'mix-share': { type: 'string' },
    'mix-data': { type: 'string' },
    'crop-scale': { type: 'string' },
    input: { type: 'string' },
    loss: { type: 'string' },
    lr: { type: 'string' },
    augment: { type: 'boolean' },
    patience: { type: 'string' },
    'reduce-lr': { type: 'string' },
    resume: { type: 'boolean' },
    from: { type: 'string' },
    'no-cache': { type: 'boolean' },
    overwrite: { type: 'boolean' },
    'skip-invalid': { type: 'boolean' },
    backend: { type: 'string', short: 'b' },
    workers: { type: 'string' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.data) throw new CliError(`--data DIR is required\n\n${HELP}`);
  if (!values.out) throw new CliError(`--out DIR is required\n\n${HELP}`);
  if (values.resume && values.overwrite) throw new CliError('--resume continues the run in --out and --overwrite starts a new one over it: give one of them');
  const data = path.resolve(String(values.data));
  const out = path.resolve(String(values.out));
  checkOutputPlace(data, out);
  // The lock first, then the check for a finished run: a run that finishes while this one loads
  // its data is then refused here, not replaced at the end.
  const made = !fs.existsSync(out);
  const releaseLock = takeLock(out);
  try {
    // Temp files of a killed run's history writes (its checkpoints' temp folders: saveModel's own cleaning).
    cleanLeftovers(out);
    checkFinishedRun(out, Boolean(values.resume), Boolean(values.overwrite));
    return await trainHoldingLock(values, data, out);
  } finally {
    releaseLock();
    // A run refused before writing anything leaves no folder behind (rmdir removes only an empty one).
    if (made)
      try {
        fs.rmdirSync(out);
      } catch {
        // not empty: the run wrote something
      }
  }
}

/** The run itself, once `out` is locked for it and holds no finished run (unless --resume or --overwrite). */
async function trainHoldingLock(values: Record<string, string | boolean | undefined>, data: string, out: string): Promise<number> {
  // --resume continues the stored run: its recipe, network, split and steps. A flag that says
  // otherwise is refused, naming both values; only --epochs (and --workers, --backend) may change.
  const stored = values.resume ? storedRun(out) : undefined;
  // Another dataset would move images between training and validation (the split is by id).
  if (stored?.dataset !== undefined && realPath(stored.dataset) !== realPath(data))
    throw new CliError(
      `--resume: --data ${data} is not the dataset the run in ${out} was started with (${stored.dataset}${fs.existsSync(stored.dataset) ? '' : ', no longer there: put it back, a symlink will do'})`,
    );
  if (values.from !== undefined) {
    if (values.resume) throw new CliError('--from starts a new run from a model; --resume continues a run: use one of them');
    const clash = ['preset', 'size', 'input', 'loss'].filter((f) => values[f as keyof typeof values] !== undefined);
    if (clash.length) throw new CliError(`--from keeps the model's network and normalisation: ${clash.map((f) => `--${f}`).join(', ')} cannot change them`);
  }
  if (stored) {
    const given: Record<string, [unknown, unknown]> = {
      recipe: [values.recipe, stored.recipe],
      preset: [values.preset === undefined || presetMatches(String(values.preset), stored.config) ? undefined : values.preset, stored.preset],
      size: [values.size === undefined ? undefined : Number(values.size), stored.size],
      lr: [values.lr === undefined ? undefined : Number(values.lr), stored.learningRate],
      crops: [values.crops === undefined ? undefined : Number(values.crops), stored.cropsPerImage],
      'balance-kinds': [values['balance-kinds'] === undefined ? undefined : Number(values['balance-kinds']), stored.kindBalance],
      'crop-scale': [values['crop-scale'] === undefined ? undefined : scaleRange(values['crop-scale']).join(','), stored.cropScale?.join(',')],
      batch: [values.batch === undefined ? undefined : Number(values.batch), stored.batchSize],
      val: [values.val === undefined ? undefined : Number(values.val), stored.validationSplit],
      seed: [values.seed === undefined ? undefined : Number(values.seed), stored.seed],
      augment: [values.augment ? true : undefined, stored.augment],
    };
    for (const [flag, [mine, theirs]] of Object.entries(given)) {
      if (mine !== undefined && mine !== theirs)
        throw new CliError(`--resume: --${flag} ${mine} differs from the run in ${out} (${flag} ${theirs}); leave it out to continue that run`);
    }
  }
  const recipeName = (stored?.recipe ?? choiceOption('recipe', values.recipe, Object.keys(RECIPES), 'nuclei')) as keyof typeof RECIPES;
  // (With --from, the starting model's recipe is used: checked once it is loaded, below.)
  const recipe = RECIPES[recipeName];
  const preset = stored?.preset ?? choiceOption('preset', values.preset, Object.keys(PRESETS) as string[], recipe.preset);
  if (!isPresetName(preset) && preset !== 'custom') throw new CliError(`unknown preset ${preset}`);
  // Larger inputs than 512 do not fit in memory on this backend (128 is the default).
  const size = stored?.size ?? intOption('size', values.size, resolveConfig(recipe.preset).inputSize, 16, 512);
  if (size % 16 !== 0) throw new CliError(`--size must be a multiple of 16 (four 2x2 poolings), got ${size}`);
  // On resume, leave the run's own values to the stored state (the library refuses changes too).
  // Fine-tuning on a few corrected images has its own measured defaults (FINE_TUNE).
  const fineTuning = values.from !== undefined;
  const opts = {
    epochs: intOption('epochs', values.epochs, stored?.epochs ?? (fineTuning ? FINE_TUNE.epochs : recipe.epochs), 1, MAX_EPOCHS),
    batchSize: stored ? undefined : intOption('batch', values.batch, DEFAULT_OPTIONS.batchSize, 1, MAX_BATCH),
    validationSplit: stored ? undefined : numberOption('val', values.val, fineTuning ? FINE_TUNE.validationSplit : DEFAULT_OPTIONS.validationSplit, 0, 0.9),
    seed: stored ? undefined : intOption('seed', values.seed, DEFAULT_OPTIONS.seed, 0, MAX_SEED),
    augment: stored ? undefined : recipe.crops || Boolean(values.augment),
  };
  const patience = values.patience === undefined ? undefined : intOption('patience', values.patience, 5, 1, MAX_EPOCHS);
  const reduceLrPatience = values['reduce-lr'] === undefined ? undefined : intOption('reduce-lr', values['reduce-lr'], 3, 1, MAX_EPOCHS);
  if (stored && (values.input !== undefined || values.loss !== undefined))
    throw new CliError('--resume continues the stored network: --input and --loss cannot change');
  if (!recipe.crops && values.input !== undefined) throw new CliError('--input applies to the nuclei recipe (the seed recipe takes 8-bit RGB)');
  if (!recipe.crops && values.crops !== undefined)
    throw new CliError(`--crops only applies to the crop recipe (nuclei); the seed recipe trains on whole images`);
  if (!recipe.crops && values['balance-kinds'] !== undefined)
    throw new CliError(`--balance-kinds only applies to the crop recipe (nuclei); the seed recipe trains on whole images`);
  if (recipe.crops && values.augment)
    throw new CliError(`--augment is part of the nuclei recipe already (flips, rotations, scale and intensity jitter); it only applies to --recipe seed`);
  const cropsPerImage =
    stored?.cropsPerImage ?? intOption('crops', values.crops, fineTuning ? FINE_TUNE.cropsPerImage : DEFAULT_CROP_OPTIONS.cropsPerImage, 1, MAX_CROPS);
  const cropScale = stored?.cropScale ?? (values['crop-scale'] === undefined ? undefined : scaleRange(values['crop-scale']));
  if (!recipe.crops && values['crop-scale'] !== undefined) throw new CliError(`--crop-scale only applies to the crop recipe (nuclei)`);
  const kindBalance = stored?.kindBalance ?? numberOption('balance-kinds', values['balance-kinds'], DEFAULT_CROP_OPTIONS.kindBalance ?? 0, 0, 1);
  const givenWorkers = values.workers === undefined || values.workers === 'auto' ? undefined : intOption('workers', values.workers, 1, 1, 1024);
  const cores = os.cpus().length;
  if (givenWorkers !== undefined && givenWorkers > cores)
    throw new CliError(`--workers ${givenWorkers} is more than this machine's ${cores} cores (replicas beyond the cores only slow each other down)`);
  if (!fs.existsSync(data)) throw new CliError(`${data}: no such folder`);
  const backend = await activateBackend(values.backend);
  const start =
    values.from === undefined
      ? undefined
      : await loadStartingModel(path.resolve(String(values.from)), numberOption('lr', values.lr, FINE_TUNE.learningRate, 1e-7, 1));
  if (start && values.recipe !== undefined && values.recipe !== start.recipe) {
    start.dispose();
    throw new CliError(
      `--from ${start.dir} trains with the ${start.recipe} recipe (${start.preprocessing ? 'it takes normalised input' : 'a seed model'}), not --recipe ${values.recipe}`,
    );
  }
  if (start) console.log(`fine-tuning ${start.dir} (${start.recipe} recipe, learning rate ${start.config.learningRate})`);
  const learningRate = start?.config.learningRate ?? stored?.learningRate ?? numberOption('lr', values.lr, 1e-3, 1e-7, 1);
  const workers = givenWorkers ?? defaultWorkerCount(backend);

  const mix = stored ? stored.mix : mixOption(values, start);
  const loadBar = createProgressBar('load');
  const bar = createProgressBar('train');
  const abort = new AbortController();
  let releaseStop: (() => void) | undefined;
  let loaded = false;
  let result: TrainResult;
  try {
    ({ result } = await trainWithRecipe(data, {
      out,
      recipe: recipeName,
      preset: stored ? undefined : (preset as PresetName),
      start,
      resume: stored && { ...stored, recipe: stored.recipe as RecipeName },
      size,
      learningRate,
      cropsPerImage,
      kindBalance,
      cropScale,
      ...(mix ? { mix } : {}),
      channels: values.input === undefined ? undefined : choiceOption('input', values.input, ['rgb', 'gray'] as const, 'rgb'),
      loss: values.loss === undefined ? undefined : choiceOption('loss', values.loss, ['bce', 'bceDice'] as const, 'bceDice'),
      skipInvalid: Boolean(values['skip-invalid']),
      cacheDir: values['no-cache'] ? false : undefined,
      ...opts,
      workers,
      signal: abort.signal,
      backend,
      onLoad: (p) => loadBar.update(p.done, p.total, p.phase),
      onPrepared: (prepared) => {
        loaded = true;
        reportData(prepared, { loadBar, data, out, recipe, cropsPerImage, kindBalance, mix, stored, epochs: opts.epochs });
        // First Ctrl-C (or SIGTERM): stop after the current batch (checkpoints stay). Second: exit at once.
        releaseStop = handleStop(() => {
          if (abort.signal.aborted) process.exit(EXIT.stopped);
          console.error('\nstopping after this batch (Ctrl-C again to quit now)...');
          abort.abort();
        });
        if (workers > 1) console.log(`data-parallel: ${workers} replicas per batch`);
      },
      onProgress: (e) => renderProgress(e, bar),
      earlyStopping: patience === undefined ? undefined : { patience },
      reduceLr: reduceLrPatience === undefined ? undefined : { patience: reduceLrPatience, factor: 0.5 },
    }));
  } catch (e) {
    // Loading the data: bad input names its file; anything else is said in one line.
    if (!loaded && (e as Error).name !== 'NucleiInputError') throw new CliError((e as Error).message);
    throw e;
  } finally {
    releaseStop?.();
  }
  console.log(`best model: ${path.join(out, 'best')}`);
  console.log(`last checkpoint: ${path.join(out, 'last')} (resume with --resume)`);
  console.log(`history: ${path.join(out, 'history.csv')}`);
  if (result.stopReason === 'aborted') {
    console.error(`training stopped before epoch ${result.epochsCompleted + 1} of ${opts.epochs}; continue it with --resume`);
    return EXIT.stopped;
  }
  return 0;
}

/** What the CLI says about the loaded data before the first epoch. */
function reportData(
  prepared: PreparedRecipe,
  r: {
    loadBar: ProgressBar;
    data: string;
    out: string;
    recipe: (typeof RECIPES)[RecipeName];
    cropsPerImage: number;
    kindBalance: number;
    mix?: { dir: string; share: number };
    stored?: ReturnType<typeof storedRun>;
    epochs: number;
  },
): void {
  const { data: trainData, config, skipped } = prepared;
  const { data, out, stored, epochs, mix } = r;
  r.loadBar.done(
    r.recipe.crops
      ? `loaded ${prepared.samples} full-size images from ${data}; ${r.cropsPerImage} ${config.inputSize}x${config.inputSize} crops per image per epoch${r.kindBalance ? `, rare kinds of image oversampled (balance ${r.kindBalance})` : ''}`
      : `loaded ${prepared.samples} images from ${data} at ${config.inputSize}x${config.inputSize}`,
  );
  if ('kind' in trainData && trainData.kind === 'crops') {
    // What --balance-kinds evens out (told apart by colour and background, as evaluate reports them).
    const kinds = new Map<string, number>();
    for (const s of trainData.samples) {
      const k = imageKind(s.image.data);
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    console.log(`kinds of image: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  // The cosine schedule spans the run's epochs: another total recomputes it, silently otherwise.
  if (stored && prepared.cosine && epochs !== stored.epochs)
    console.warn(
      `warning: --epochs ${epochs} changes the length of the run in ${out} (${stored.epochs} epoch${stored.epochs === 1 ? '' : 's'}, ${stored.completed === stored.epochs ? 'finished' : `${stored.completed} done`}, ` +
        `last learning rate ${+stored.lastRate.toPrecision(3)}): its cosine learning-rate schedule is recomputed over ${epochs} epochs, so the remaining ones ` +
        `do not continue the rates it had (each epoch's rate is in history.csv)`,
    );
  if (skipped.length) console.warn(`skipped ${skipped.length} samples`);
  for (const s of skipped) console.warn(`  skipped ${s.id}: ${s.reason}`);
  if (mix)
    console.log(
      prepared.mixedIds.length
        ? `mixed in ${prepared.mixedIds.length} images of ${mix.dir} (the base model's training data, ${Math.round(mix.share * 100)} % of the training images), so it does not forget`
        : `nothing to mix in from ${mix.dir}: every image there is in this dataset or held out from the base model`,
    );
}

/** What a run in `out` was started with, from `out/last` (for --resume). */
function storedRun(out: string) {
  const file = path.join(out, LAST_DIR, METADATA_FILE);
  if (!fs.existsSync(file)) throw new CliError(`--resume: ${file} does not exist (no run to resume in ${out})`);
  let metadata: ModelMetadata;
  try {
    metadata = parseMetadata(JSON.parse(fs.readFileSync(file, 'utf8')), file);
  } catch (e) {
    throw new CliError(`--resume: ${(e as Error).message}`);
  }
  const state = trainingStateOf(metadata, path.dirname(file));
  return {
    // Runs from before recipes existed used the seed's.
    recipe: (metadata.training?.recipe as string | undefined) ?? 'seed',
    preset: metadata.preset,
    config: metadata.config,
    size: metadata.config.inputSize,
    learningRate: metadata.config.learningRate,
    cropsPerImage: state.options.crops?.cropsPerImage,
    kindBalance: state.options.crops ? (state.options.crops.kindBalance ?? 0) : undefined,
    cropScale: state.options.crops?.scale,
    batchSize: state.options.batchSize,
    validationSplit: state.options.validationSplit,
    seed: state.seed,
    augment: state.options.augment,
    epochs: state.options.epochs,
    completed: state.epoch + 1,
    lastRate: state.learningRate,
    dataset: metadata.training?.dataset as string | undefined,
    segmentation: metadata.segmentation,
    fineTune:
      metadata.training?.fineTunedFrom === undefined
        ? undefined
        : {
            fineTunedFrom: metadata.training.fineTunedFrom,
            baseModel: metadata.training.baseModel,
            fineTuneImages: metadata.training.fineTuneImages,
            ...(metadata.training.mix ? { mix: metadata.training.mix } : {}),
          },
    mix: metadata.training?.mix as { dir: string; share: number; exclude: string[] } | undefined,
  };
}

/**
 * `--mix-share S` (fine-tuning: default FINE_TUNE.mixShare) of the training images drawn from the
 * base model's own training data (`--mix-data DIR`, else where the model says it came from), never
 * from the images it was scored on. Undefined: no mixing.
 */
function mixOption(values: Record<string, unknown>, start: { base: { dataset?: string }; heldOut: string[] } | undefined) {
  const given = values['mix-share'] !== undefined;
  const share = numberOption('mix-share', values['mix-share'], start ? FINE_TUNE.mixShare : 0, 0, 0.9);
  if (share === 0) {
    if (values['mix-data'] !== undefined) throw new CliError('--mix-data needs --mix-share S (the share of training images drawn from it)');
    return undefined;
  }
  if (!start && values['mix-data'] === undefined)
    throw new CliError("--mix-share mixes in a base model's training data: use it with --from MODEL (or give --mix-data DIR)");
  const dir = start ? findBaseData(start, values['mix-data'] as string | undefined) : path.resolve(String(values['mix-data']));
  if (!dir || !fs.existsSync(dir)) {
    const where = values['mix-data'] ?? start?.base.dataset ?? 'its training data';
    if (given || values['mix-data'] !== undefined) throw new CliError(`--mix-share: ${where} not found on this machine; pass --mix-data DIR`);
    console.warn(`the base model's training data (${where}) is not on this machine: fine-tuning on your images alone (--mix-data DIR to mix it in)`);
    return undefined;
  }
  return { dir, share, exclude: start?.heldOut ?? [] };
}

/** `--crop-scale MIN,MAX` (or one value for both): the range crops are scaled by, 0.1..8. */
function scaleRange(value: unknown): [number, number] {
  const parts = String(value).split(',');
  const [lo, hi] = parts.map(Number);
  const range: [number, number] = [lo, parts.length === 1 ? lo : hi];
  if (parts.length > 2 || !range.every((v) => Number.isFinite(v) && v >= 0.1 && v <= 8) || range[0] > range[1])
    throw new CliError(`--crop-scale must be MIN,MAX with 0.1 <= MIN <= MAX <= 8, got "${value}"`);
  return range;
}

/** Refuses an output folder in the dataset, or around it (by real paths: a symlink does not hide it). */
function checkOutputPlace(data: string, out: string): void {
  if (isInside(out, data))
    throw new CliError(`--out ${out} is inside the dataset ${data}: checkpoints there would be read as samples; choose a folder outside it`);
  if (isInside(data, out)) throw new CliError(`the dataset ${data} is inside --out ${out}: choose an output folder that does not contain the data`);
}

/** Refuses to replace a finished run without --resume or --overwrite. */
function checkFinishedRun(out: string, resume: boolean, overwrite: boolean): void {
  if (resume || overwrite) return;
  const existing = trainingRunFiles(out);
  if (existing.length)
    throw new CliError(`${out} already holds a training run (${existing.join(', ')}): add --resume to continue it or --overwrite to start again`);
}

/**
 * One run per output folder (takeRunLock: OUT/.nuclei-train.lock holds the pid), the folder made
 * first. Returns the release function.
 */
function takeLock(out: string): () => void {
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw outputError(`${out} is a file, not a folder: --out names the folder for the run`);
  try {
    fs.mkdirSync(out, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw outputError(`${out}: cannot create the output folder: ${code ? errnoInWords(mkdirErrno(out, code)) : (e as Error).message}`);
  }
  try {
    return takeRunLock(out);
  } catch (e) {
    if (e instanceof RunLockError) throw new CliError(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw outputError(`${out}: output folder is not writable: ${errnoInWords(code)}`);
    throw new CliError((e as Error).message);
  }
}
