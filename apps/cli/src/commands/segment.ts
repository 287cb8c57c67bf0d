import * as fs from 'fs';
import * as path from 'path';
import { channelLabel, readAllChannels, readPixelSize, type PixelSize } from '@nuclei/data';
import { filterResult, OUTPUT_KINDS, outputPaths, readImageForSegmentation, segment, type OutputKind, writeSegmentationOutputs } from '@nuclei/segmentation';
import { blockwiseReason, imageBase, segmentSlide, slideBase, zarrAttributes } from '@nuclei/slide';
import { intOption, numberOption, parseCommandArgs } from '../args';
import { CliError, errorMessage, EXIT, exitCodeOf, worstExitCode } from '../cli-error';
import { checkOutputDir } from '../paths';
import { createProgressBar } from '../progress-bar';
import { activateBackend } from './backend';
import { activateEngine, ENGINE_FLAGS, ENGINE_HELP, engineFlags } from './engine';
import { chooseOptions, describeOptions, loadModelOption, MAX_AREA, SEGMENT_FLAGS, segmentOptionsFromFlags } from './model-options';
import { inPixels, MEASURE_FLAGS, MEASURE_HELP, requireMicrons, sizeOption } from './measure-flags';
import { PLANE_FLAGS, PLANE_HELP, planeChoiceFromFlags, resolvePlanes } from './image-planes';
import { checkPlannedOutputs, plannedKinds, recordWriting, recordWritten } from './segment-outputs';
import { printSummary } from './slide';

const HELP = `nuclei segment IMAGE... --out DIR [options]
  Segments each image at its native resolution and writes, per image: NAME_mask.png (binary),
  NAME_labels.png (16-bit), NAME_overlay.png, NAME.json (summary), NAME.csv (Kaggle run-length rows),
  NAME_measurements.csv (per nucleus: area, perimeter, centroid, box, equivalent diameter, axes,
  eccentricity, orientation, solidity: scikit-image regionprops definitions; mean, min, max,
  integrated (sum) and standard deviation (n - 1, as ImageJ) of every channel of the image, in
  columns named by channel: DAPI_mean, ch1_std, ...), NAME_rois.zip (ImageJ ROI Manager polygons) and
  NAME.geojson (QuPath detections). Lengths are in pixels, or microns once a pixel size is known,
  in every file, and each column names its unit; centroids put pixel centres at +0.5 (as ImageJ
  and QuPath) in the CSV and the JSON alike. One bad image does not stop the others; the exit code says why
  any failed: 3 an image could not be read, 4 its outputs could not be written.
Options:
  --model DIR          model folder (default: the bundled model, or $NUCLEI_MODEL)
  --out DIR            output folder (created). A file there under an output's name that nuclei did
                       not write (e.g. NAME_labels.png ground truth beside the images) is refused
  --overwrite          replace such files too (never one of the run's inputs)
  Unset options take the values the model's metadata recommends (measured on its validation
  images at full size), else the defaults below.
  --mode tile|resize   tile: overlapping tiles at native size (default); resize: squeeze to the model size (the seed)
  --threshold 0.5      mask probability threshold (t1)
  --scale 1            tile mode: predict on the image scaled by this factor (a model trained on squeezed
                       images sees nuclei at its training size at about model size / image size)
  --tile-size N        tile side (default: the model's input size; larger = less overlap work)
  --tta                tiles also predicted mirrored three ways and averaged (4x the work)
  --split markers|cut|watershed|components  separate touching nuclei: markers (default for models with
                       a touching-border output: marker watershed), cut (the distance watershed after
                       cutting out the predicted borders: for models that find some borders, not all),
                       watershed (distance transform; default for mask-only models) or connected components
  --border-threshold 0.5  markers / cut: border probability at or above this is a border (t2)
  --min-marker 4       markers: smallest marker in pixels
  --fill-holes         fill holes inside nuclei (background enclosed by one nucleus), as ImageJ's Fill Holes
${MEASURE_HELP}
  --outputs LIST       which files, comma-separated: mask,labels,overlay,json,csv,measurements,rois,geojson (default all)
  --pixel-size UM      microns per pixel: measurements in microns instead of pixels. Default: the
                       size a TIFF records (OME-XML PhysicalSizeX, ImageJ's unit and resolution, or
                       resolution tags of at most 50 um per pixel), else pixels
${PLANE_HELP}
  --blocks             segment block by block as a slide (automatic above 50 megapixels and for OME-Zarr
                       folders): NAME.ome.zarr labels, NAME_measurements.csv, NAME.geojson, NAME_overlay.png
                       and NAME.json; see "nuclei slide --help" to spread the work over machines
${ENGINE_HELP}
  --backend auto|gpu|node|wasm|cpu  the TF.js backend (for --engine tfjs, and loading)`;

export async function runSegment(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'segment',
    argv,
    {
      model: { type: 'string', short: 'm' },
      out: { type: 'string', short: 'o' },
      overwrite: { type: 'boolean' },
      ...SEGMENT_FLAGS,
      ...MEASURE_FLAGS,
      outputs: { type: 'string' },
      ...PLANE_FLAGS,
      'pixel-size': { type: 'string' },
      blocks: { type: 'boolean' },
      backend: { type: 'string', short: 'b' },
      ...ENGINE_FLAGS,
    },
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new CliError(`no IMAGE given\n\n${HELP}`);
  if (!values.out) throw new CliError(`--out DIR is required\n\n${HELP}`);
  // Every flag is checked before anything is read or written.
  const engine = engineFlags(values);
  for (const image of positionals) {
    // A missing image, or one that is not a file, is bad input (3) like one that cannot be decoded.
    if (!fs.existsSync(image)) throw new CliError(`${image}: no such file`, EXIT.input);
    // Only regular files (a FIFO or a device would block or never end), or an OME-Zarr folder.
    const stat = fs.statSync(image);
    if (stat.isDirectory() ? !zarrAttributes(image) : !stat.isFile())
      throw new CliError(`${image}: ${stat.isDirectory() ? 'a folder, not an OME-Zarr image' : 'not a regular file'}`, EXIT.input);
  }
  // Outputs are named after the input's file name: two inputs with one name would overwrite each other.
  const bases = new Map<string, string>();
  for (const image of positionals) {
    const base = outputBase(image);
    const other = bases.get(base);
    if (other !== undefined) throw new CliError(`${other} and ${image} would both write ${base}_* outputs; segment them into different --out folders`);
    bases.set(base, image);
  }
  const minArea = sizeOption('min-area', values['min-area'], 'area');
  const maxArea = sizeOption('max-area', values['max-area'], 'area');
  const ringWidth = sizeOption('ring', values.ring, 'length');
  if (minArea && !minArea.microns) intOption('min-area', minArea.value, 0, 0, MAX_AREA);
  const options = { ...segmentOptionsFromFlags(values), minArea: minArea && !minArea.microns ? minArea.value : undefined };
  const outputs =
    values.outputs === undefined
      ? undefined
      : String(values.outputs)
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean);
  for (const k of outputs ?? [])
    if (!(OUTPUT_KINDS as readonly string[]).includes(k)) throw new CliError(`--outputs: unknown kind "${k}" (choose from ${OUTPUT_KINDS.join(',')})`);
  if (outputs && outputs.length === 0) throw new CliError(`--outputs needs at least one of ${OUTPUT_KINDS.join(',')}`);
  const choice = planeChoiceFromFlags(values);
  const pixelSize = values['pixel-size'] === undefined ? undefined : numberOption('pixel-size', values['pixel-size'], 1, 1e-6, 1e6);
  // Never the wrong channel or plane in silence: an image with several and no choice is refused here.
  const planes = await resolvePlanes(positionals, choice);
  const pixelSizes = new Map(positionals.map((file) => [file, pixelSize === undefined ? readPixelSizeOrNone(file) : undefined]));
  requireMicrons(
    [
      ['min-area', minArea],
      ['max-area', maxArea],
      ['ring', ringWidth],
    ],
    pixelSize === undefined ? positionals.filter((f) => !pixelSizes.get(f)) : [],
  );
  const out = path.resolve(String(values.out));
  const kinds = (outputs ?? OUTPUT_KINDS) as readonly OutputKind[];
  // Before any work: replace only what nuclei wrote (see segment-outputs.ts), never an input.
  // An image whose last set of outputs a run left incomplete gets its whole set rewritten.
  const plans = new Map(positionals.map((image) => [image, { image, base: outputBase(image), ...plannedKinds(out, outputBase(image), kinds) }]));
  checkPlannedOutputs([...plans.values()], out, kinds, Boolean(values.overwrite));
  await checkOutputDir(out);
  await activateBackend(values.backend);
  const { model, metadata, dir } = await loadModelOption(values.model);
  const predictor = await activateEngine(model, engine);
  const chosen = chooseOptions(metadata, options);
  console.log(`segmentation: ${describeOptions(chosen)}`);
  // One bad image does not stop the others: each failure is reported, and the exit code says what
  // went wrong (3 an image could not be read, 4 its outputs could not be written).
  const failed: { file: string; code: number }[] = [];
  try {
    for (const file of positionals) {
      try {
        const blockwise = await blockwiseReason(file, Boolean(values.blocks));
        if (blockwise) {
          console.log(`${file}: ${blockwise}: segmenting block by block (outputs: OME-Zarr labels, measurements, GeoJSON, preview)`);
          const s = { model: dir, options: chosen, channel: planes.get(file)!.read.channel, pixelSize, overwrite: Boolean(values.overwrite) };
          const t0 = Date.now();
          const base = outputBase(file);
          const summary = await segmentSlide(path.resolve(file), out, base, s, predictor, {
            onBlock: (b) => {
              if (b.done === 1 && b.skipped) console.log(`${base}: ${b.skipped} blocks were done by an earlier run`);
              const left = b.done < b.total ? `, about ${Math.round(((Date.now() - t0) / 1000 / b.done) * (b.total - b.done))} s left` : '';
              console.log(`${base}: block ${b.done}/${b.total}, ${b.count} nuclei, ${b.seconds.toFixed(1)} s${left}`);
            },
          });
          printSummary(summary);
          continue;
        }
        const { read, axes } = planes.get(file)!;
        const image = await readImageForSegmentation(file, undefined, read);
        const recorded = pixelSizes.get(file);
        const microns = pixelSize ?? recorded?.microns;
        // Sizes in microns become pixels per image (each may record its own pixel size).
        const imageOptions = minArea?.microns ? { ...chosen, minArea: Math.ceil(inPixels(minArea, 'area', microns) - 1e-9) } : chosen;
        const bar = createProgressBar(`segment ${path.basename(file)}`);
        const segmented = await segment(image, predictor, { ...imageOptions, source: file, onProgress: (done, total) => bar.update(done, total, 'tiles') });
        bar.done();
        const filters = {
          ...(maxArea ? { maxArea: Math.floor(inPixels(maxArea, 'area', microns) + 1e-9) } : {}),
          ...(values['exclude-edges'] ? { excludeEdges: true } : {}),
        };
        const { result, removed } = filterResult(segmented, filters);
        if (recorded) console.log(`${file}: pixel size ${+recorded.microns.toPrecision(6)} um (from its ${recorded.source}); measurements in microns`);
        if (removed.large || removed.edge)
          console.log(
            `${file}: ${[removed.large && `${removed.large} larger than --max-area`, removed.edge && `${removed.edge} touching the edge`].filter(Boolean).join(', ')} left out`,
          );
        const plan = plans.get(file)!;
        const base = plan.base;
        if (plan.incomplete)
          console.log(
            `${file}: its outputs in ${out} are an incomplete set (a run was interrupted writing ${plan.incomplete.join(', ')}): rewriting all of them`,
          );
        await recordWriting(out, base, path.resolve(file), Object.values(outputPaths(out, base, plan.kinds)));
        // Every channel of the segmented plane is measured, named as the file names them.
        const channels = plan.kinds.some((k) => k === 'measurements' || k === 'json' || k === 'geojson')
          ? await readAllChannels(file, { z: read.z, t: read.t })
          : [];
        const paths = await writeSegmentationOutputs(result, image, out, base, {
          imagePath: path.resolve(file),
          model: { dir, preset: metadata.preset },
          outputs: plan.kinds,
          pixelSize: microns,
          channels,
          ring: ringWidth ? inPixels(ringWidth, 'length', microns) : undefined,
          input: {
            ...(read.channel !== undefined ? { channel: read.channel, channelName: axes ? channelLabel(axes.channels[read.channel]) : undefined } : {}),
            ...(read.z !== undefined ? { z: read.z } : {}),
            ...(read.t !== undefined ? { t: read.t } : {}),
          },
          filters: { minArea: imageOptions.minArea ?? 0, ...filters, removed },
        });
        await recordWritten(out, base, path.resolve(file), Object.values(paths));
        const areaUnit = microns ? 'um2' : 'px';
        console.log(`${file}: ${result.count} nuclei, mean area ${(result.meanArea * (microns ?? 1) ** 2).toFixed(1)} ${areaUnit}`);
        for (const [kind, p] of Object.entries(paths)) console.log(`  ${kind.padEnd(12)} ${p}`);
      } catch (e) {
        const message = errorMessage(e as Error);
        failed.push({ file, code: exitCodeOf(e as Error) });
        console.error(`nuclei segment: ${message.includes(file) ? message : `${file}: ${message}`}`);
      }
    }
  } finally {
    predictor.dispose();
    model.dispose();
  }
  if (failed.length) {
    console.error(`${failed.length} of ${positionals.length} images failed: ${failed.map((f) => f.file).join(', ')}`);
    return worstExitCode(failed.map((f) => f.code));
  }
  return 0;
}

/** Output file stem of an input: its file name without the extension. */
function outputBase(file: string): string {
  return fs.statSync(file).isDirectory() ? slideBase(file) : imageBase(file); // as plates name them
}

/** The pixel size a file records, or none (an unreadable file is reported when it is read). */
function readPixelSizeOrNone(file: string): PixelSize | undefined {
  try {
    return readPixelSize(file);
  } catch {
    return undefined;
  }
}
