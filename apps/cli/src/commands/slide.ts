import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { NucleiInputError, writeFileAtomic } from '@nuclei/data';
import {
  checkImagesPlan,
  checkPlan,
  createImagesPlan,
  mergeImages,
  missingImages,
  runImagesShard,
  mergeSlide,
  missingBlocks,
  openSlideSource,
  PLAN_FILE,
  slideBase,
  writePlan,
  type SlideSettings,
  resolveShard,
  runShard,
  shardBlocks,
  shellQuote,
  slurmScripts,
  type ImagesPlan,
  type SlidePlan,
  zarrAttributes,
  type SlideSource,
  type SlideSummary,
} from '@nuclei/slide';
import { intOption, numberOption, parseCommandArgs } from '../args';
import { CliError, EXIT } from '../cli-error';
import { checkOutputDir } from '../paths';
import { activateBackend } from './backend';
import { activateEngine, ENGINE_FLAGS, ENGINE_HELP, engineFlags, type EngineFlags } from './engine';
import { chooseOptions, describeOptions, loadModelOption, MAX_AREA, SEGMENT_FLAGS, segmentOptionsFromFlags } from './model-options';

const HELP = `nuclei slide plan|run|merge|slurm|status: whole slides and screens, block by block, on one machine or many

  nuclei slide plan IMAGE --out DIR [--shards N] [--block 4096] [--halo PX] [--model DIR] [segment flags]
      Writes DIR/plan.json: the blocks (cores of --block px, each segmented with a halo of --halo px
      around it, default 128: twice a large nucleus), the model and its settings, and the
      whole slide's normalisation (from a sample), so every shard segments alike.
  nuclei slide plan IMAGE IMAGE... | FOLDER --out DIR [--shards N] [--results DIR]
      A plate or a folder: the images are the shards' work (each image whole, its usual outputs
      written to --results, default DIR/results); merge writes plate_summary.csv.
  nuclei slide run DIR [--shard i/N]
      Segments shard i of N into DIR/blocks (the shared storage). Without i it reads the index of
      an array task: ${'SLURM_ARRAY_TASK_ID'}, JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or
      AWS_BATCH_JOB_ARRAY_INDEX; N defaults to the plan's --shards. Finished blocks are skipped, so
      a shard killed at any point and run again (or run twice) gives the same result.
  nuclei slide merge DIR [--out OUT] [--overwrite]
      Once every block is done: OUT/NAME.ome.zarr (labels/nuclei, an OME-Zarr 0.4 uint32 label
      pyramid), NAME_measurements.csv and NAME.geojson in slide coordinates, NAME_overlay.png (a
      preview at most 2048 px wide) and NAME.json (summary). OUT defaults to DIR.
  nuclei slide slurm DIR [--submit] [--shards N] [--indices 2,5] [--cpus 2] [--mem 4G] [--time 2:00:00] [--partition P] [--out OUT]
      Writes DIR/slurm/shards.sbatch (a job array) and merge.sbatch; --submit submits both, the
      merge with --dependency=afterok on the array. --indices resubmits only those shards.
  nuclei slide status DIR
      Blocks done and missing, per shard.

Options of plan:
  --out DIR            the plan's folder (created; shared storage when shards run on other machines)
  --model DIR          model folder (default: the bundled model, or $NUCLEI_MODEL)
  --shards N           shards the work is split into (default 1)
  --block PX           block core side, a multiple of 256 (default 4096; memory grows with it)
  --halo PX            px around each core segmented with it (default 128: twice a 64-px nucleus;
                       the 99th percentile of the DSB nuclei is 60 px)
  --channel N          the nuclear channel (a page, an OME-Zarr channel or a colour)
  --pixel-size UM      microns per pixel (default: what the file records)
  --overwrite          replace an existing plan (its blocks are then run again)
  and segment's flags: --threshold --split --scale --tile-size --tta --border-threshold --min-marker --fill-holes --min-area
Options of run:
${ENGINE_HELP}
  --backend auto|gpu|node|wasm|cpu`;

export async function runSlide(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    console.log(HELP);
    return sub ? 0 : EXIT.usage;
  }
  const commands: Record<string, (a: string[]) => Promise<number>> = { plan, run, merge, slurm, status };
  const command = commands[sub];
  if (!command) throw new CliError(`unknown slide command "${sub}" (plan, run, merge, slurm or status)\n\n${HELP}`);
  return command(rest);
}

type AnyPlan = { kind: 'slide'; plan: SlidePlan } | { kind: 'images'; plan: ImagesPlan };

/** Reads and checks DIR/plan.json: a slide's blocks, or many images. */
export function readAnyPlan(dir: string): AnyPlan {
  const file = path.join(dir, PLAN_FILE);
  if (!fs.existsSync(file)) throw new CliError(`${file}: no plan here (make one with "nuclei slide plan IMAGE --out ${dir}")`, EXIT.input);
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new NucleiInputError(file, `cannot read the plan (${(e as Error).message})`);
  }
  if ((value as ImagesPlan)?.format === 'nuclei-images-plan') {
    const problem = checkImagesPlan(value);
    if (problem) throw new NucleiInputError(file, problem);
    return { kind: 'images', plan: value as ImagesPlan };
  }
  const problem = checkPlan(value);
  if (problem) throw new NucleiInputError(file, problem);
  return { kind: 'slide', plan: value as SlidePlan };
}

/** A slide plan (commands that only make sense for one). */
export function readPlan(dir: string): SlidePlan {
  const p = readAnyPlan(dir);
  if (p.kind !== 'slide') throw new CliError(`${path.join(dir, PLAN_FILE)} is a plan of ${p.plan.images.length} images, not of a slide`);
  return p.plan;
}

/** Opens the plan's image and checks it is the image the plan was made for. */
async function openPlanned(plan: SlidePlan): Promise<SlideSource> {
  const source = await openSlideSource(plan.image, { channel: plan.channel });
  if (source.width !== plan.width || source.height !== plan.height)
    throw new NucleiInputError(plan.image, `is ${source.width}x${source.height} now; the plan was made for ${plan.width}x${plan.height}`);
  return source;
}

async function plan(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'slide plan',
    argv,
    {
      out: { type: 'string', short: 'o' },
      model: { type: 'string', short: 'm' },
      shards: { type: 'string' },
      block: { type: 'string' },
      halo: { type: 'string' },
      channel: { type: 'string' },
      'pixel-size': { type: 'string' },
      overwrite: { type: 'boolean' },
      'min-area': { type: 'string' },
      results: { type: 'string' },
      ...SEGMENT_FLAGS,
    },
    true,
  );
  if (values.help) return help();
  if (positionals.length === 0) throw new CliError(`slide plan needs an IMAGE (a slide), or several images or a folder (a plate)\n\n${HELP}`);
  if (!values.out) throw new CliError(`--out DIR is required\n\n${HELP}`);
  for (const p of positionals) if (!fs.existsSync(p)) throw new CliError(`${p}: no such file`, EXIT.input);
  const settings = slideSettings(values);
  const dir = path.resolve(String(values.out));
  await checkOutputDir(dir);
  const { model, metadata, dir: modelDir } = await loadModelOption(values.model);
  model.dispose();
  const options = chooseOptions(metadata, { ...segmentOptionsFromFlags(values), minArea: settings.minArea });
  console.log(`segmentation: ${describeOptions(options)}`);
  const image = positionals[0];
  const folder = positionals.length === 1 && fs.statSync(image).isDirectory() && !zarrAttributes(image);
  if (positionals.length > 1 || folder) return planImages(folder ? imagesIn(image) : positionals, dir, { ...settings, model: modelDir, options }, values);
  const { plan: p } = await writePlan(image, dir, { ...settings, model: modelDir, options }, Boolean(values.overwrite));
  const shards = p.shards;
  console.log(`${image}: ${p.width}x${p.height}, ${p.blocks.length} blocks of ${p.block} px (halo ${p.halo} px) in ${shards} shard${shards === 1 ? '' : 's'}`);
  console.log(`plan: ${path.join(dir, PLAN_FILE)}`);
  console.log(`next: nuclei slide run ${shellQuote(dir)} --shard i/${shards}   (i = 0..${shards - 1}, on any machines that see ${dir})`);
  console.log(`      or: nuclei slide slurm ${shellQuote(dir)} --submit`);
  console.log(`then: nuclei slide merge ${shellQuote(dir)}`);
  return 0;
}

/** The images of a folder (not its subfolders), sorted. */
function imagesIn(folder: string): string[] {
  const files = fs
    .readdirSync(folder)
    .filter((f) => /\.(png|tiff?|jpe?g)$/i.test(f) && !/_(labels|mask|overlay)\.(png|tiff?)$/i.test(f))
    .sort()
    .map((f) => path.join(folder, f));
  if (!files.length) throw new CliError(`${folder}: no images (.png, .tif, .jpg) in this folder`, EXIT.input);
  return files;
}

/** A plate: many images, sharded by image; each image's outputs go to --results (default DIR/results). */
async function planImages(images: string[], dir: string, s: SlideSettings, values: Record<string, unknown>): Promise<number> {
  for (const f of images)
    if (!fs.statSync(f).isFile()) throw new CliError(`${f}: not a regular file (a plate plan takes image files or one folder of them)`, EXIT.input);
  const results = path.resolve(String(values.results ?? path.join(dir, 'results')));
  const plan = createImagesPlan(images, { results, model: s.model, options: s.options, channel: s.channel, pixelSize: s.pixelSize, shards: s.shards ?? 1 });
  const file = path.join(dir, PLAN_FILE);
  if (fs.existsSync(file) && !values.overwrite && !fs.readFileSync(file, 'utf8').includes(`"id": "${plan.id}"`))
    throw new CliError(`${file} holds another plan; --overwrite replaces it`);
  await fs.promises.mkdir(dir, { recursive: true });
  await writeFileAtomic(file, JSON.stringify(plan, null, 2) + '\n');
  console.log(`${images.length} images in ${plan.shards} shard${plan.shards === 1 ? '' : 's'}; outputs of each image in ${results}`);
  console.log(`plan: ${file}`);
  console.log(
    `next: nuclei slide run ${shellQuote(dir)} --shard i/${plan.shards}, or nuclei slide slurm ${shellQuote(dir)} --submit; then nuclei slide merge ${shellQuote(dir)}`,
  );
  return 0;
}

function slideSettings(values: Record<string, string | boolean | undefined>) {
  const block = intOption('block', values.block, 4096, 256, 65536);
  if (block % 256 !== 0) throw new CliError(`--block must be a multiple of 256 (the label chunks), got ${block}`);
  return {
    block,
    halo: values.halo === undefined ? undefined : intOption('halo', values.halo, 128, 0, 4096),
    shards: intOption('shards', values.shards, 1, 1, 100_000),
    channel: values.channel === undefined ? undefined : intOption('channel', values.channel, 0, 0, 999),
    pixelSize: values['pixel-size'] === undefined ? undefined : numberOption('pixel-size', values['pixel-size'], 1, 1e-6, 1e6),
    minArea: values['min-area'] === undefined ? undefined : intOption('min-area', values['min-area'], 0, 0, MAX_AREA),
  };
}

function help(): number {
  console.log(HELP);
  return 0;
}

/** Loads the plan's model on the chosen engine. */
async function planPredictor(p: SlidePlan, values: Record<string, unknown>, engine: EngineFlags) {
  await activateBackend(values.backend);
  const { model } = await loadModelOption(p.model);
  return activateEngine(model, engine);
}

/** Segments blocks of a plan (all of them, or one shard), printing a line per block. */
export async function runBlocks(dir: string, p: SlidePlan, shard: number, shards: number, values: Record<string, unknown>, engine: EngineFlags): Promise<void> {
  const source = await openPlanned(p);
  const predictor = await planPredictor(p, values, engine);
  try {
    const t0 = Date.now();
    const { done, skipped } = await runShard(dir, p, shard, shards, source, predictor, {
      onBlock: (b) =>
        console.log(
          `block ${b.block.index} (${b.block.core.x},${b.block.core.y}): ${b.count} nuclei in ${b.seconds.toFixed(1)} s  [${b.done}/${b.total}${b.done < b.total ? `, about ${Math.round(((Date.now() - t0) / 1000 / b.done) * (b.total - b.done))} s left` : ''}]`,
        ),
    });
    console.log(`shard ${shard}/${shards}: ${done} blocks segmented, ${skipped} already done`);
  } finally {
    predictor.dispose();
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'slide run',
    argv,
    { shard: { type: 'string' }, backend: { type: 'string', short: 'b' }, ...ENGINE_FLAGS },
    true,
  );
  if (values.help) return help();
  if (positionals.length !== 1) throw new CliError(`slide run takes the plan's folder DIR\n\n${HELP}`);
  const engine = engineFlags(values);
  const dir = path.resolve(positionals[0]);
  const any = readAnyPlan(dir);
  let s: ReturnType<typeof resolveShard>;
  try {
    s = resolveShard(values.shard as string | undefined, process.env, any.plan.shards);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  if (any.kind === 'images') {
    const p = any.plan;
    console.log(`shard ${s.shard} of ${s.shards} (index from ${s.from}): ${shardBlocks(p.images, s.shard, s.shards).length} images`);
    await activateBackend(values.backend);
    const { model } = await loadModelOption(p.model);
    const predictor = await activateEngine(model, engine);
    try {
      const r = await runImagesShard(dir, p, s.shard, s.shards, predictor, (i) => console.log(`${i.image}: ${i.count} nuclei [${i.done}/${i.total}]`));
      console.log(`shard ${s.shard}/${s.shards}: ${r.done} images segmented, ${r.skipped} already done`);
    } finally {
      predictor.dispose();
      model.dispose();
    }
    return 0;
  }
  const p = any.plan;
  const blocks = shardBlocks(p.blocks, s.shard, s.shards).map((b) => b.index);
  console.log(`shard ${s.shard} of ${s.shards} (index from ${s.from}): blocks ${blocks.join(', ') || 'none'}`);
  await runBlocks(dir, p, s.shard, s.shards, values, engine);
  return 0;
}

export function printSummary(s: SlideSummary): void {
  console.log(`${s.image}: ${s.count} nuclei in ${s.blocks} blocks (${s.tiles} tiles)`);
  if (s.uncertain)
    console.warn(
      `warning: ${s.uncertain} nuclei lie in clusters wider than the halo (${s.plan.halo} px); they may differ from one pass over the image: plan again with a larger --halo`,
    );
  if (s.conflicts) console.warn(`warning: ${s.conflicts} pixels were claimed by two blocks (kept by the lower id)`);
  for (const [kind, p] of Object.entries(s.outputs)) console.log(`  ${kind.padEnd(12)} ${p}`);
}

async function merge(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('slide merge', argv, { out: { type: 'string', short: 'o' }, overwrite: { type: 'boolean' } }, true);
  if (values.help) return help();
  if (positionals.length !== 1) throw new CliError(`slide merge takes the plan's folder DIR\n\n${HELP}`);
  const dir = path.resolve(positionals[0]);
  const any = readAnyPlan(dir);
  const out = path.resolve(String(values.out ?? dir));
  await checkOutputDir(out);
  if (any.kind === 'images') {
    const m = await mergeImages(dir, any.plan, out, { overwrite: Boolean(values.overwrite) });
    console.log(`${m.images} images, ${m.count} nuclei; summary ${m.summary}; outputs in ${any.plan.results}`);
    return 0;
  }
  const p = any.plan;
  printSummary(await mergeSlide(dir, p, out, slideBase(p.image), { overwrite: Boolean(values.overwrite) }));
  return 0;
}

async function status(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('slide status', argv, { shards: { type: 'string' } }, true);
  if (values.help) return help();
  if (positionals.length !== 1) throw new CliError(`slide status takes the plan's folder DIR\n\n${HELP}`);
  const dir = path.resolve(positionals[0]);
  const any = readAnyPlan(dir);
  const shards = intOption('shards', values.shards, any.plan.shards, 1, 100_000);
  const items = any.kind === 'slide' ? any.plan.blocks.map((b) => b.index) : any.plan.images.map((_, i) => i);
  const missing = new Set(any.kind === 'slide' ? missingBlocks(dir, any.plan).map((b) => b.index) : missingImages(dir, any.plan));
  const what = any.kind === 'slide' ? 'blocks' : 'images';
  console.log(`${any.kind === 'slide' ? any.plan.image : 'a plate'}: ${items.length - missing.size} of ${items.length} ${what} done`);
  for (let i = 0; i < shards; i++) {
    const mine = shardBlocks(items, i, shards);
    const left = mine.filter((b) => missing.has(b));
    console.log(`  shard ${i}: ${mine.length - left.length}/${mine.length}${left.length ? ` (missing ${left.join(', ')})` : ''}`);
  }
  return missing.size ? 1 : 0;
}

/** How a node runs this nuclei: node and the bundle by absolute path. */
function nucleiCommand(): string {
  return `${shellQuote(process.execPath)} ${shellQuote(path.resolve(process.argv[1] ?? 'nuclei'))}`;
}

async function slurm(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'slide slurm',
    argv,
    {
      submit: { type: 'boolean' },
      shards: { type: 'string' },
      indices: { type: 'string' },
      cpus: { type: 'string' },
      mem: { type: 'string' },
      time: { type: 'string' },
      partition: { type: 'string' },
      out: { type: 'string', short: 'o' },
    },
    true,
  );
  if (values.help) return help();
  if (positionals.length !== 1) throw new CliError(`slide slurm takes the plan's folder DIR\n\n${HELP}`);
  const dir = path.resolve(positionals[0]);
  const p = readAnyPlan(dir).plan;
  const shards = intOption('shards', values.shards, p.shards, 1, 100_000);
  const indices =
    values.indices === undefined
      ? undefined
      : String(values.indices)
          .split(',')
          .map((v) => intOption('indices', v.trim(), 0, 0, shards - 1));
  const scripts = slurmScripts({
    planDir: dir,
    nuclei: nucleiCommand(),
    shards,
    indices,
    out: values.out === undefined ? undefined : path.resolve(String(values.out)),
    cpus: intOption('cpus', values.cpus, 2, 1, 1024),
    mem: values.mem as string | undefined,
    time: values.time as string | undefined,
    partition: values.partition as string | undefined,
  });
  const folder = path.join(dir, 'slurm');
  await fs.promises.mkdir(folder, { recursive: true });
  const shardsFile = path.join(folder, 'shards.sbatch');
  const mergeFile = path.join(folder, 'merge.sbatch');
  await writeFileAtomic(shardsFile, scripts.shards);
  await writeFileAtomic(mergeFile, scripts.merge);
  if (!values.submit) {
    console.log(`wrote ${shardsFile} and ${mergeFile}; submit them with:`);
    console.log(`  jobid=$(sbatch --parsable ${shellQuote(shardsFile)}) && sbatch --dependency=afterok:$jobid ${shellQuote(mergeFile)}`);
    return 0;
  }
  const sbatch = (args: string[]) => {
    const r = spawnSync('sbatch', ['--parsable', ...args], { encoding: 'utf8' });
    if (r.error)
      throw new CliError(
        `sbatch: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (is SLURM installed here?)' : r.error.message}; the scripts are in ${folder}`,
        EXIT.input,
      );
    if (r.status !== 0) throw new CliError(`sbatch ${args.join(' ')} failed: ${r.stderr.trim() || `exit ${r.status}`}`, EXIT.failed);
    return r.stdout.trim().split(';')[0];
  };
  const array = sbatch([shardsFile]);
  const mergeJob = sbatch([`--dependency=afterok:${array}`, mergeFile]);
  console.log(
    `submitted shards as job array ${array} (${indices ? `indices ${indices.join(',')}` : `${shards} tasks`}) and the merge as job ${mergeJob} (after they all succeed)`,
  );
  console.log(`logs: ${folder}`);
  return 0;
}
