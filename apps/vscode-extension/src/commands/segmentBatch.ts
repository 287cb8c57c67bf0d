// Several images at once: the explorer's multi-selection, or every image of a folder. Their outputs
// go to one results folder for the run (asked once), and one page sums them up: a row opens that
// image with its saved result in the viewer; counts far from the median are flagged.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { describeModelDir, modelName } from '../model-status';
import { modelProblem, readConfig, resolveModelDir } from '../config';
import { errorMessage, type Logger } from '../log';
import type { AxesView, MetricsTable } from '../webview/messages';
import { choosePlanes, planeInput, type PlaneSelection } from '../image-planes';
import { createNucleiPanel } from '../webview/panel';
import { IMAGE_EXTENSIONS, isSupportedImage } from '../image-files';
import { pixelSizeFor, saveOutputs, showSegmentation, type SegmentationSession } from '../segmentation-session';
import { resultFromLabels } from '../result-from-labels';
import { readSavedLabels, savedResultSession, settingsFrom } from '../saved-result';
import { readSummary } from '../source-image';
import type { Segmentation } from '../nuclei-api';

/** The images a command was given: the selected files that are images, or the images in a selected folder (not recursive). */
export function batchImages(uris: readonly vscode.Uri[]): string[] {
  const files: string[] = [];
  for (const u of uris) {
    const p = u.fsPath;
    if (fs.existsSync(p) && fs.statSync(p).isDirectory()) {
      for (const name of fs.readdirSync(p).sort())
        if (!name.startsWith('.') && isSupportedImage(name) && fs.statSync(path.join(p, name)).isFile()) files.push(path.join(p, name));
    } else if (isSupportedImage(p)) files.push(p);
  }
  return [...new Set(files)];
}

/** The default results folder of a batch: `nuclei-<model>` beside the (first) images, so other models' results stay apart. */
export function batchResultsFolder(files: readonly string[], modelDir: string): string {
  return path.join(path.dirname(files[0]), `nuclei-${modelName(modelDir, '-').replace(/[^A-Za-z0-9._-]+/g, '_')}`);
}

/** Output base names in one folder: the image's name, then with its extension, then numbered, whichever is free first (a.png, a.tif). */
export function batchBaseNames(files: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const f of files) {
    const stem = path.basename(f, path.extname(f));
    let name = used.has(stem) ? `${stem}_${path.extname(f).slice(1)}` : stem;
    for (let k = 2; used.has(name); k++) name = `${stem}_${k}`;
    used.add(name);
    names.set(f, name);
  }
  return names;
}

/** A count this far from the folder's median (a factor either way) is flagged. */
export const OUTLIER_FACTOR = 2;

/**
 * Flags rows whose nucleus count is under 1/OUTLIER_FACTOR or over OUTLIER_FACTOR times the
 * median of the folder (with 3 images or more and a median of at least 5: too few to judge else).
 */
export function flagOutliers(rows: MetricsTable['rows'], column = 'nuclei'): void {
  const counts = rows.map((r) => r.values[column]).sort((a, b) => a - b);
  if (counts.length < 3) return;
  const mid = counts.length >> 1;
  const median = counts.length % 2 ? counts[mid] : (counts[mid - 1] + counts[mid]) / 2;
  if (median < 5) return;
  for (const r of rows) {
    const ratio = r.values[column] / median;
    if (ratio > OUTLIER_FACTOR || ratio < 1 / OUTLIER_FACTOR)
      r.flag = `${ratio > 1 ? `${ratio.toFixed(1)}\u00d7` : `${Math.round(100 * ratio)}% of`} the median (${+median.toFixed(1)})`;
  }
}

/** The summary's columns: areas in square microns when every image has a pixel size, else pixels. */
function summaryColumns(microns: boolean): [string, string, string, string] {
  const u = microns ? '\u00b5m\u00b2' : 'px';
  return ['nuclei', `mean area (${u})`, `median area (${u})`, 'covered (%)'];
}

/** One image's summary row; `pixelArea`: square microns per pixel (1: pixels). */
function rowValues(result: Pick<Segmentation, 'areas' | 'width' | 'height'>, columns: string[], pixelArea: number): Record<string, number> {
  const areas = result.areas.filter((a) => a > 0).sort((a, b) => a - b);
  const total = areas.reduce((a, b) => a + b, 0);
  const [count, meanCol, medianCol, coveredCol] = columns;
  return {
    [count]: areas.length,
    [meanCol]: (areas.length ? total / areas.length : 0) * pixelArea,
    [medianCol]: (areas.length ? areas[areas.length >> 1] : 0) * pixelArea,
    [coveredCol]: (100 * total) / (result.width * result.height),
  };
}

export interface BatchResult {
  table: MetricsTable;
  failed: Array<{ file: string; reason: string }>;
  cancelled: boolean;
  /** The run's results folder. */
  outDir: string;
  /** Images left as they were because they had results ("Skip existing"). */
  skipped: string[];
}

/** Asks once where the run's results go: the default folder beside the images, or one the user picks. */
async function pickResultsFolder(files: readonly string[], modelDir: string): Promise<string | undefined> {
  const folder = batchResultsFolder(files, modelDir);
  const picked = await vscode.window.showQuickPick(
    [
      { label: `$(folder) ${path.basename(folder)}`, description: 'beside the images, one folder for this model', detail: folder, dir: folder },
      { label: '$(folder-opened) Choose a folder...', dir: '' },
    ],
    { title: `Nuclei: where the results of ${files.length} images go (one folder for all)` },
  );
  if (!picked) return undefined;
  if (picked.dir) return picked.dir;
  const uris = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: vscode.Uri.file(path.dirname(files[0])),
    openLabel: 'Results here',
    title: `Folder for the results of ${files.length} images`,
  });
  return uris?.[0]?.fsPath;
}

export async function segmentBatchCommand(context: vscode.ExtensionContext, log: Logger, uris: readonly vscode.Uri[]): Promise<BatchResult | undefined> {
  const files = batchImages(uris);
  if (files.length === 0) {
    void vscode.window.showWarningMessage(`Nuclei: no images to segment there (${IMAGE_EXTENSIONS.join(', ')}).`);
    return undefined;
  }
  const config = readConfig();
  const model = resolveModelDir(config, context.extensionPath);
  const problem = modelProblem(model);
  if (problem) {
    void vscode.window.showErrorMessage(`Nuclei: cannot segment: ${problem}.`);
    return undefined;
  }
  const outDir = await pickResultsFolder(files, model.dir);
  if (!outDir) return undefined;
  const bases = batchBaseNames(files);
  const api = await import('../nuclei-api');
  const existing = files.filter((f) => api.outputFiles(outDir, bases.get(f)!).some((o) => fs.existsSync(o)));
  let skip = new Set<string>();
  if (existing.length) {
    const choice = await vscode.window.showWarningMessage(
      `Nuclei: ${existing.length} of the ${files.length} images already have results in ${outDir} (${path.basename(existing[0])}${existing.length > 1 ? ', ...' : ''}). Replace them?`,
      { modal: true },
      'Replace',
      'Skip existing',
    );
    if (choice === undefined) return undefined;
    if (choice === 'Skip existing') skip = new Set(existing);
  }
  log.info(`segment: ${files.length} images with ${model.dir}, results in ${outDir}${skip.size ? ` (${skip.size} kept)` : ''}`);
  // The channel and plane of each image: the folder's choice, asked once per folder (before the
  // work starts, not in the middle of it); an image left without one is not segmented.
  const planes = new Map<string, { sel: PlaneSelection; axes: AxesView } | undefined>();
  const pixelSizes = new Map<string, number | undefined>();
  for (const file of files) {
    const axes = await api.imageAxes(file);
    if (!skip.has(file)) {
      const sel = await choosePlanes(context, file, axes);
      planes.set(file, sel && { sel, axes });
    }
    pixelSizes.set(file, await pixelSizeFor(file, config.pixelSize, log));
  }
  // One unit for the summary: square microns when every image has a pixel size, else pixels.
  const microns = files.every((f) => pixelSizes.get(f) !== undefined);
  const pixelArea = (file: string) => (microns ? pixelSizes.get(file)! ** 2 : 1);
  const columns = summaryColumns(microns);
  const rows: MetricsTable['rows'] = [];
  const failed: BatchResult['failed'] = [];
  let done = 0;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Nuclei: segmenting ${files.length - skip.size} images`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      log.info(await api.ensureBackend(config.backend));
      const loaded = await api.loadModelCached(model.dir, config.engine);
      log.info(loaded.engineLine);
      for (const [i, file] of files.entries()) {
        if (controller.signal.aborted) break;
        const baseName = bases.get(file)!;
        try {
          if (skip.has(file)) {
            // Kept: its row is read from the saved label image.
            const saved = await api.readLabels(api.outputFiles(outDir, baseName, ['labels'])[0]);
            rows.push({
              name: path.basename(file),
              values: rowValues(resultFromLabels(saved.labels, saved.width, saved.height, settingsFrom(undefined)), columns, pixelArea(file)),
            });
            done++;
            continue;
          }
          progress.report({ message: `${i + 1}/${files.length} ${path.basename(file)}`, increment: 100 / (files.length - skip.size) });
          const plane = planes.get(file);
          if (!plane) throw new Error('no channel or plane chosen for it (the question was dismissed)');
          const image = await api.readImage(file, plane.sel);
          const result = await api.segmentImage(image, loaded.predictor, loaded.metadata, {
            mode: config.tiling,
            threshold: config.threshold,
            source: file,
            signal: controller.signal,
          });
          // Replacing was confirmed above for the whole batch.
          const multi = plane.axes.channels.length > 1;
          await saveOutputs(
            {
              imagePath: file,
              image,
              result,
              modelDir: model.dir,
              pixelSize: pixelSizes.get(file),
              ...(plane.sel.channel !== undefined ? { channel: plane.sel.channel } : {}),
              input: planeInput(plane.axes, plane.sel),
              ...(multi ? { channels: await api.readChannels(file, plane.sel.z) } : {}),
              outDir,
              baseName,
            },
            'all',
            false,
            log,
            { replace: true },
          );
          rows.push({ name: path.basename(file), values: rowValues(result, columns, pixelArea(file)) });
          done++;
          log.info(`segment: ${file}: ${result.count} nuclei -> ${outDir}`);
        } catch (err) {
          if ((err as Error).name === 'AbortError') break;
          failed.push({ file, reason: errorMessage(err) });
          log.error(`segment: ${file} failed`, err);
        }
      }
    },
  );
  // Cancelled means images were left out: a Cancel pressed after the last image changes nothing.
  const cancelled = done + failed.length < files.length;
  flagOutliers(rows);
  const mean: Record<string, number> = {};
  for (const c of columns) mean[c] = rows.reduce((s, r) => s + r.values[c], 0) / Math.max(1, rows.length);
  const flagged = rows.filter((r) => r.flag).length;
  const table: MetricsTable = {
    columns,
    rows,
    mean,
    decimals: Object.fromEntries(columns.map((c, k) => [c, k === 0 ? 0 : 1])),
    opens: 'Open this image with its result in the viewer (overlay and measurements)',
    verdict: `${rows.reduce((s, r) => s + r.values.nuclei, 0)} nuclei in ${rows.length} images${flagged ? `; ${flagged} with a count far from the median (flagged): worth a look` : ''}`,
  };
  const heading = `${rows.length} of ${files.length} images${cancelled ? ' (cancelled)' : ''} \u2192 ${outDir}`;
  const byName = new Map(files.map((f) => [path.basename(f), f]));
  const panel = createNucleiPanel(
    context.extensionUri,
    'evaluate',
    `Nuclei: ${rows.length} of ${files.length} images · ${describeModelDir(model.dir, model.isDefault).label}`,
    [],
    async (m) => {
      const file = m.type === 'openRow' ? byName.get(m.name) : undefined;
      const plane = file && planes.get(file);
      if (file) await openBatchResult(context, log, file, outDir, bases.get(file)!, model.dir, plane ? plane.sel : {});
    },
  );
  const notes = [
    skip.size ? `${skip.size} image${skip.size > 1 ? 's' : ''} kept as they were (Skip existing)` : '',
    failed.length ? `failed: ${failed.map((f) => `${path.basename(f.file)} (${f.reason})`).join('; ')}` : '',
  ].filter(Boolean);
  panel.send({ type: 'evaluation', heading, table, text: notes.length ? notes.join('. ') : undefined });
  if (failed.length) {
    void vscode.window
      .showErrorMessage(`Nuclei: ${failed.length} of ${files.length} images failed: ${failed.map((f) => path.basename(f.file)).join(', ')}`, 'Show log')
      .then((c) => {
        if (c === 'Show log') log.show();
      });
  }
  return { table, failed, cancelled, outDir, skipped: [...skip] };
}

/**
 * A batch row in the viewer: the image with its saved labels (not segmented again), measured as the
 * viewer measures; saving from that viewer writes into the same results folder.
 */
export async function openBatchResult(
  context: vscode.ExtensionContext,
  log: Logger,
  file: string,
  outDir: string,
  baseName: string,
  modelDir: string,
  plane: PlaneSelection = {},
): Promise<SegmentationSession | undefined> {
  const api = await import('../nuclei-api');
  try {
    const saved = await readSavedLabels(api.outputFiles(outDir, baseName, ['labels'])[0]);
    const summary = readSummary(api.outputFiles(outDir, baseName, ['json'])[0]);
    const session = await savedResultSession(log, saved, { imagePath: file, plane, summary, modelDir, outDir, baseName });
    await showSegmentation(context, log, session);
    return session;
  } catch (err) {
    log.error(`segment: cannot open the result of ${file}`, err);
    void vscode.window.showErrorMessage(`Nuclei: cannot open the result of ${path.basename(file)}: ${errorMessage(err)}`);
    return undefined;
  }
}
