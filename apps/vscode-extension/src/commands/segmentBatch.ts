// Several images at once: the explorer's multi-selection, or every image of a folder. Each gets its
// outputs in its own run folder (as the viewer's "Save all"), and one page sums them up.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { describeModelDir } from '../model-status';
import { modelProblem, readConfig, resolveModelDir } from '../config';
import { errorMessage, type Logger } from '../log';
import type { AxesView, MetricsTable } from '../webview/messages';
import { choosePlanes, planeInput, type PlaneSelection } from '../image-planes';
import { createNucleiPanel } from '../webview/panel';
import { IMAGE_EXTENSIONS, isSupportedImage } from '../image-files';
import { pixelSizeFor, runFolder, saveOutputs } from '../segmentation-session';

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

export interface BatchResult {
  table: MetricsTable;
  failed: Array<{ file: string; reason: string }>;
  cancelled: boolean;
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
  const existing = files.filter((f) => fs.existsSync(runFolder(f, model.dir)));
  if (existing.length) {
    const choice = await vscode.window.showWarningMessage(
      `Nuclei: ${existing.length} of the ${files.length} images already have outputs from this model (${path.basename(runFolder(existing[0], model.dir))}${existing.length > 1 ? ', ...' : ''}). Replace them?`,
      { modal: true },
      'Replace',
    );
    if (choice !== 'Replace') return undefined;
  }
  log.info(`segment: ${files.length} images with ${model.dir}`);
  // The channel and plane of each image: the folder's choice, asked once per folder (before the
  // work starts, not in the middle of it); an image left without one is not segmented.
  const api0 = await import('../nuclei-api');
  const planes = new Map<string, { sel: PlaneSelection; axes: AxesView } | undefined>();
  const pixelSizes = new Map<string, number | undefined>();
  for (const file of files) {
    const axes = await api0.imageAxes(file);
    const sel = await choosePlanes(context, file, axes);
    planes.set(file, sel && { sel, axes });
    pixelSizes.set(file, await pixelSizeFor(file, config.pixelSize, log));
  }
  // One unit for the summary: square microns when every image has a pixel size, else pixels.
  const microns = files.every((f) => pixelSizes.get(f) !== undefined);
  const u = microns ? 'µm²' : 'px';
  const [meanCol, medianCol] = [`mean area (${u})`, `median area (${u})`];
  const columns = ['nuclei', meanCol, medianCol, 'covered (%)'];
  const rows: MetricsTable['rows'] = [];
  const failed: BatchResult['failed'] = [];
  let cancelled = false;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Nuclei: segmenting ${files.length} images`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      const api = await import('../nuclei-api');
      log.info(await api.ensureBackend(config.backend));
      const loaded = await api.loadModelCached(model.dir, config.engine);
      log.info(loaded.engineLine);
      for (const [i, file] of files.entries()) {
        if (controller.signal.aborted) break;
        progress.report({ message: `${i + 1}/${files.length} ${path.basename(file)}`, increment: 100 / files.length });
        try {
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
          const pixelSize = pixelSizes.get(file);
          const multi = plane.axes.channels.length > 1;
          const saved = await saveOutputs(
            {
              imagePath: file,
              image,
              result,
              modelDir: model.dir,
              pixelSize,
              ...(plane.sel.channel !== undefined ? { channel: plane.sel.channel } : {}),
              input: planeInput(plane.axes, plane.sel),
              ...(multi ? { channels: await api.readChannels(file, plane.sel.z) } : {}),
            },
            'all',
            false,
            log,
            { replace: true },
          );
          const areas = [...result.areas].sort((a, b) => a - b);
          const covered = (100 * areas.reduce((a, b) => a + b, 0)) / (result.width * result.height);
          rows.push({
            name: path.basename(file),
            values: {
              nuclei: result.count,
              [meanCol]: result.meanArea * (microns ? pixelSize! ** 2 : 1),
              [medianCol]: (areas.length ? areas[areas.length >> 1] : 0) * (microns ? pixelSize! ** 2 : 1),
              'covered (%)': covered,
            },
          });
          log.info(`segment: ${file}: ${result.count} nuclei -> ${path.dirname(saved[0] ?? file)}`);
        } catch (err) {
          if ((err as Error).name === 'AbortError') break;
          failed.push({ file, reason: errorMessage(err) });
          log.error(`segment: ${file} failed`, err);
        }
      }
      cancelled = controller.signal.aborted;
    },
  );
  const mean: Record<string, number> = {};
  for (const c of columns) mean[c] = rows.reduce((s, r) => s + r.values[c], 0) / Math.max(1, rows.length);
  const table: MetricsTable = { columns, rows, mean };
  const title = `${rows.length} of ${files.length} images${cancelled ? ' (cancelled)' : ''}`;
  const panel = createNucleiPanel(
    context.extensionUri,
    'evaluate',
    `Nuclei: ${title} · ${describeModelDir(model.dir, model.isDefault).label}`,
    [],
    () => undefined,
  );
  panel.send({
    type: 'evaluation',
    datasetName: title,
    table,
    text: failed.length ? `failed: ${failed.map((f) => `${path.basename(f.file)} (${f.reason})`).join('; ')}` : undefined,
  });
  if (failed.length) {
    void vscode.window
      .showErrorMessage(`Nuclei: ${failed.length} of ${files.length} images failed: ${failed.map((f) => path.basename(f.file)).join(', ')}`, 'Show log')
      .then((c) => {
        if (c === 'Show log') log.show();
      });
  }
  return { table, failed, cancelled };
}
