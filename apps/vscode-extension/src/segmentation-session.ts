// The segmentation session, the service behind "Segment nuclei in image", the TIFF viewer, batches
// and trying a trained model: segments one image with the configured model under a progress
// notification, shows it in the overlay viewer with its corrections, and saves its outputs.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { describeModelDir, modelName } from './model-status';
import { bundledModel, modelProblem, readConfig, resolveModelDir } from './config';
import { errorMessage, type Logger } from './log';
import {
  type FromWebview,
  type OverlayView,
  type SaveKind,
  type ImageSource,
  type SegmentationPayload,
  type PlaneInput,
  type ViewFilters,
} from './webview/messages';
import { segmentationPayload } from './viewer-payload';
import { etaSeconds, formatEta } from './webview/eta';
import { createNucleiPanel, type NucleiPanel } from './webview/panel';
import type { IntensityChannel, RgbImage, Segmentation } from './nuclei-api';
import type { PlaneSelection } from './image-planes';
import { answerRegion } from './image-region';
import { correctedResult } from './corrections/corrected-result';
import { saveCorrections } from './corrections/save';
import { CorrectionSession, isEditMessage } from './corrections/session';
import { answerEdit, askRestore, findBackup, markDirtyTitle, postEditState, settleUnsaved } from './corrections/viewer';

export interface SegmentationSession {
  imagePath: string;
  image: RgbImage;
  result: Segmentation;
  modelDir: string;
  /** Microns per pixel (the setting, else the file's own); undefined: measurements in pixels. */
  pixelSize?: number;
  /** The channel segmented (absent: an RGB image as it is, or the only channel). */
  channel?: number;
  /** The channel and plane segmented, with what the image holds (for the page's pickers). */
  input?: PlaneInput;
  /** Every channel of the segmented plane, measured per nucleus (absent: the image segmented). */
  channels?: IntensityChannel[];
  /** The viewer's corrections (they edit `result.labels` in place). */
  corrections?: CorrectionSession;
  /** An evaluated image's true labels: the viewer shows their outlines drawn into the image. */
  truth?: Int32Array;
  /** Where its outputs go and under which name (a batch's results folder); default: runFolder, the image's name. */
  outDir?: string;
  baseName?: string;
  /** Saved labels shown without their image (`imagePath` is the label file): nothing to pair corrections with. */
  imageless?: boolean;
}

/** Microns per pixel for an image: `nuclei.pixelSize`, else what the file records, else undefined (pixels). */
export async function pixelSizeFor(file: string, setting: number | undefined, log: Logger): Promise<number | undefined> {
  if (setting !== undefined) return setting;
  const api = await import('./nuclei-api');
  const recorded = api.pixelSizeOf(file);
  if (recorded)
    log.info(`segment: ${path.basename(file)} records ${+recorded.microns.toPrecision(6)} um per pixel (${recorded.source}); measurements in microns`);
  return recorded?.microns;
}

/** The status bar's "cancelled" note per image, removed when that image gets a result. */
const cancelledNotes = new Map<string, vscode.Disposable>();

/** Reads and segments one image under a cancellable progress notification; errors are shown, naming the file. */
export async function runSegmentation(
  context: vscode.ExtensionContext,
  log: Logger,
  file: string,
  options: PlaneSelection & { modelDir?: string; image?: RgbImage; input?: PlaneInput } = {},
): Promise<SegmentationSession | undefined> {
  const name = path.basename(file);
  const config = readConfig();
  const model = options.modelDir ? { dir: options.modelDir, isDefault: false } : resolveModelDir(config, context.extensionPath);
  log.info(
    `segment: ${file}${options.channel === undefined ? '' : ` (channel ${options.channel})`} with ${model.isDefault ? 'the bundled default model' : 'model'} ${model.dir}`,
  );
  const problem = modelProblem(model);
  if (problem) {
    log.error(`segment: ${problem}`);
    void vscode.window.showErrorMessage(`Nuclei: cannot segment ${name}: ${problem}.`);
    return undefined;
  }
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Nuclei: segmenting ${name}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        const api = await import('./nuclei-api');
        progress.report({ message: 'starting TF.js' });
        const backend = await api.ensureBackend(config.backend);
        log.info(backend);
        progress.report({ message: 'loading model', increment: 10 });
        const loaded = await api.loadModelCached(model.dir, config.engine);
        log.info(loaded.engineLine);
        progress.report({ message: 'reading image', increment: 10 });
        // The TIFF viewer passes the page it has already decoded.
        const image = options.image ?? (await api.readImage(file, { channel: options.channel, z: options.z }));
        log.info(`segment: ${name} is ${image.width}x${image.height}; mode ${config.tiling}, threshold ${config.threshold}`);
        progress.report({ message: 'running the U-Net', increment: 10 });
        const started = Date.now();
        let reported = 0;
        // Tiles of a large image take minutes: the notification says how long is left once it can tell.
        const left = (done: number, total: number) => {
          const eta = etaSeconds(done, total, Date.now() - started);
          return eta !== undefined && eta >= 5 ? `, about ${formatEta(eta)} left` : '';
        };
        const result = await api.segmentImage(image, loaded.predictor, loaded.metadata, {
          mode: config.tiling,
          threshold: config.threshold,
          source: file,
          signal: controller.signal,
          onProgress: (done, total) => {
            const pct = total > 0 ? (60 * done) / total : 0;
            progress.report({ message: `running the U-Net (${done}/${total}${left(done, total)})`, increment: Math.max(0, pct - reported) });
            reported = pct;
          },
        });
        log.info(`segment: ${result.count} nuclei, mean area ${result.meanArea.toFixed(1)} px, in ${Date.now() - started} ms`);
        // A result: an earlier "cancelled" note of this image is out of date.
        cancelledNotes.get(file)?.dispose();
        cancelledNotes.delete(file);
        progress.report({ message: 'done', increment: 70 - reported });
        const pixelSize = await pixelSizeFor(file, config.pixelSize, log);
        // Every channel of the plane is measured (an image of one channel: the one segmented).
        const channels = options.input && options.input.axes.channels.length > 1 ? await api.readChannels(file, options.z) : undefined;
        return {
          imagePath: file,
          image,
          result,
          modelDir: model.dir,
          pixelSize,
          ...(options.channel === undefined ? {} : { channel: options.channel }),
          ...(options.input ? { input: options.input } : {}),
          ...(channels ? { channels } : {}),
        };
      },
    );
  } catch (err) {
    if ((err as Error).name === 'AbortError') {
      log.info(`segment: ${name} cancelled`);
      // In the status bar for a while, not a notification that outlives it: it goes when the image is segmented after all.
      cancelledNotes.get(file)?.dispose();
      cancelledNotes.set(file, vscode.window.setStatusBarMessage(`$(circle-slash) Nuclei: segmentation of ${name} cancelled`, 15_000));
      return undefined;
    }
    log.error(`segment: ${file} failed`, err);
    const hint = model.isDefault ? '' : ` (model: ${model.dir})`;
    void vscode.window.showErrorMessage(`Nuclei: could not segment ${name}: ${errorMessage(err)}${hint}`, 'Show log').then((choice) => {
      if (choice === 'Show log') log.show();
    });
    return undefined;
  }
}

/**
 * What the viewer page gets first: the image and labels, without the rows (`measuring`); see
 * showRows. `shownSrc`: the image the page already shows (not encoded again).
 */
export function buildPayload(panel: NucleiPanel, session: SegmentationSession, shownSrc?: ImageSource): Promise<SegmentationPayload> {
  return segmentationPayload(session, (file) => panel.panel.webview.asWebviewUri(vscode.Uri.file(file)).toString(), shownSrc, { rows: false });
}

/**
 * Measures the rows once `shown` (the segmentation message) has reached VS Code, so the image is on
 * its way before the host is busy measuring, and sends them to `panels`. A page rebuilt later gets
 * them in its segmentation message (not replayed).
 */
export async function showRows(corrections: CorrectionSession, shown: Promise<void>, panels: () => Iterable<NucleiPanel>, log: Logger): Promise<void> {
  await shown;
  // A turn of the event loop for the message's bytes to go out.
  await new Promise((resolve) => setTimeout(resolve, 0));
  try {
    const rows = corrections.measureRows();
    if (rows) for (const p of panels()) p.poke(rows);
  } catch (err) {
    log.error(`segment: measuring ${corrections.session.imagePath} failed`, err);
    for (const p of panels()) p.poke({ type: 'error', message: `Measuring the nuclei failed: ${errorMessage(err)}` });
  }
}

/** Shows a segmentation in a new viewer panel beside the image. */
export function showSegmentation(context: vscode.ExtensionContext, log: Logger, session: SegmentationSession): Promise<NucleiPanel> {
  return presentSegmentation(context, log, session, (onMessage) =>
    createNucleiPanel(context.extensionUri, 'segment', segmentationTitle(context, session), [vscode.Uri.file(path.dirname(session.imagePath))], onMessage),
  );
}

/**
 * Shows a segmentation in the page `open` makes with the handler it is given (a new panel, or a
 * custom editor's): measurements, saving, Edit mode and its corrections, asking before unsaved
 * ones go and offering a backup of them.
 */
export async function presentSegmentation(
  context: vscode.ExtensionContext,
  log: Logger,
  session: SegmentationSession,
  open: (onMessage: (message: FromWebview, p: NucleiPanel) => Promise<void>) => NucleiPanel,
): Promise<NucleiPanel> {
  let corrections: CorrectionSession | undefined;
  const nucleiPanel = open(async (message, p) => {
    if (message.type === 'save') await saveFromPage(session, message.what, message.pickLocation, p, log, message.overlay, message.filters);
    else if (message.type === 'region') await answerRegion(session.image, message, p);
    else if (corrections && isEditMessage(message)) answerEdit(corrections, message, p, log);
    else if (corrections && message.type === 'saveCorrections') await saveCorrections(context, log, corrections);
  });
  corrections = await CorrectionSession.create(context, log, session, await buildPayload(nucleiPanel, session));
  session.corrections = corrections;
  // A function: a page rebuilt after a tab switch gets the labels as corrected by then.
  void showRows(
    corrections,
    nucleiPanel.send(() => corrections.message()),
    () => [nucleiPanel],
    log,
  );
  postEditState(corrections, () => [nucleiPanel]);
  markDirtyTitle(corrections, nucleiPanel, () => segmentationTitle(context, session));
  // VS Code closes a panel without asking; the host still holds the corrections, so it asks then.
  nucleiPanel.panel.onDidDispose(async () => {
    await settleUnsaved(context, log, corrections, (name) => `the viewer of ${name} was closed with unsaved corrections`);
    corrections.dispose();
  });
  const backup = await findBackup(corrections.backupDir, session.imagePath, session.result.width, session.result.height);
  if (backup && (await askRestore(log, backup)) && !corrections.edited) {
    corrections.restore(backup);
    const restored = corrections.message();
    if (restored) nucleiPanel.poke(restored);
    log.info(`corrections: restored ${corrections.edits} unsaved edits of ${session.imagePath}`);
  }
  return nucleiPanel;
}

/** A page's title: the image and the model that segmented it. */
export function segmentationTitle(context: vscode.ExtensionContext, session: SegmentationSession): string {
  const bundled = bundledModel(context.extensionPath).dir;
  return `Nuclei: ${path.basename(session.imagePath)} · ${describeModelDir(session.modelDir, session.modelDir === bundled).label}`;
}

/** A Save button of the page: writes, tells the page and offers Reveal / Open; failures are shown, naming the image. */
export async function saveFromPage(
  session: SegmentationSession,
  what: SaveKind,
  pickLocation: boolean,
  p: NucleiPanel,
  log: Logger,
  overlay?: OverlayView,
  filters?: ViewFilters,
): Promise<void> {
  const name = path.basename(session.imagePath);
  try {
    const files = await saveOutputs(session, what, pickLocation, log, { overlay, filters });
    if (files.length > 0) {
      p.send({ type: 'saved', files });
      const folder = path.dirname(files[0]);
      void vscode.window
        .showInformationMessage(
          `Nuclei: saved ${files.length === 1 ? path.basename(files[0]) : `${files.length} files`} in ${folder}`,
          'Reveal in File Explorer',
          'Open Folder',
        )
        .then((choice) => {
          if (choice === 'Reveal in File Explorer') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(files[0]));
          if (choice === 'Open Folder') void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(folder));
        });
    }
  } catch (err) {
    log.error(`save: ${name} failed`, err);
    void vscode.window.showErrorMessage(`Nuclei: could not save the outputs of ${name}: ${errorMessage(err)}`);
    p.send({ type: 'error', message: `Saving failed: ${errorMessage(err)}` });
  }
}

/**
 * The folder one segmentation's outputs go to by default: beside the image, named after the image
 * and the model (`cells.nuclei-default`, `cells.nuclei-run1-best`), so runs with other models
 * never write over each other.
 */
export function runFolder(imagePath: string, modelDir: string): string {
  const base = path.basename(imagePath, path.extname(imagePath));
  const model = modelName(modelDir, '-');
  return path.join(path.dirname(imagePath), `${base}.nuclei-${model.replace(/[^A-Za-z0-9._-]+/g, '_')}`);
}

/**
 * Writes the outputs into the run folder (or a folder the user picks). Files that would replace
 * earlier ones are named and need a confirmation; each is written atomically by the writer, so an
 * interrupted save leaves old or new files whole.
 */
export async function saveOutputs(
  session: SegmentationSession,
  what: SaveKind,
  pickLocation: boolean,
  log: Logger,
  options: { replace?: boolean; overlay?: OverlayView; filters?: ViewFilters } = {},
): Promise<string[]> {
  const api = await import('./nuclei-api');
  const baseName = session.baseName ?? path.basename(session.imagePath, path.extname(session.imagePath));
  let outDir = session.outDir ?? runFolder(session.imagePath, session.modelDir);
  if (pickLocation) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      defaultUri: vscode.Uri.file(path.dirname(session.imagePath)),
      openLabel: 'Save here',
      title: `Save the outputs of ${path.basename(session.imagePath)}`,
    });
    if (!picked?.[0]) return [];
    outDir = picked[0].fsPath;
  }
  const kinds = what === 'all' ? undefined : [what];
  const existing = api.outputFiles(outDir, baseName, kinds).filter((t) => fs.existsSync(t));
  if (existing.length && !options.replace) {
    const shown =
      existing
        .slice(0, 3)
        .map((f) => path.basename(f))
        .join(', ') + (existing.length > 3 ? ` and ${existing.length - 3} more` : '');
    const choice = await vscode.window.showWarningMessage(
      `Nuclei: ${shown} already exist${existing.length === 1 ? 's' : ''} in ${outDir}. Replace ${existing.length === 1 ? 'it' : 'them'}?`,
      { modal: true },
      'Replace',
    );
    if (choice !== 'Replace') {
      log.info(`save: kept the existing outputs in ${outDir}`);
      return [];
    }
  }
  // After corrections, what is saved describes the corrected nuclei; the viewer's filters keep what it shows.
  const corrected = session.corrections?.edited ? correctedResult(session.result) : session.result;
  const filters = pixelFilters(options.filters, session.pixelSize);
  const { result, removed } = filters ? api.filterSegmentation(corrected, filters) : { result: corrected, removed: undefined };
  const input = session.input;
  const info = {
    ...(session.imageless ? {} : { imagePath: session.imagePath }),
    model: session.modelDir,
    pixelSize: session.pixelSize,
    ...(session.channels ? { channels: session.channels } : {}),
    ...(input && (input.channel !== undefined || input.z !== undefined)
      ? {
          input: {
            ...(input.channel !== undefined ? { channel: input.channel, channelName: input.axes.channels[input.channel]?.name ?? `ch${input.channel}` } : {}),
            ...(input.z !== undefined ? { z: input.z } : {}),
          },
        }
      : {}),
    ...(filters ? { filters: { ...filters, removed } } : {}),
    ...(options.overlay ? { overlay: options.overlay } : {}),
    ...(kinds ? { outputs: kinds } : {}),
  };
  const paths = await api.writeOutputs(result, session.image, outDir, baseName, info);
  const files = Object.values(paths).filter((f): f is string => typeof f === 'string');
  log.info(`save: ${files.join(', ')}`);
  return files;
}

/** The viewer's filters in pixels (its areas are in the unit it shows: µm² once a pixel size is known). */
export function pixelFilters(
  f: ViewFilters | undefined,
  pixelSize: number | undefined,
): { minArea?: number; maxArea?: number; excludeEdges?: boolean } | undefined {
  if (!f || (f.min === undefined && f.max === undefined && !f.edges)) return undefined;
  const k = f.unit === 'um' && pixelSize ? 1 / (pixelSize * pixelSize) : 1;
  return {
    ...(f.min !== undefined ? { minArea: Math.ceil(f.min * k - 1e-9) } : {}),
    ...(f.max !== undefined ? { maxArea: Math.floor(f.max * k + 1e-9) } : {}),
    ...(f.edges ? { excludeEdges: true } : {}),
  };
}
