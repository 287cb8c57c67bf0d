// "Train nuclei model": a short dialog (dataset, starting model, run name, epochs), then training
// in a cancellable progress notification with live curves in a webview; the Done page and the
// notification offer to use, try or evaluate the result.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { evaluateModelCommand } from './evaluateModel';
import { segmentImageCommand } from './segmentImage';
import { rememberModel, USE_MODEL, useModel } from './selectModel';
import { bundledModel, hasModelJson, modelProblem, readConfig, resolveModelDir, trainingWorkerScript } from '../config';
import { errorMessage, type Logger } from '../log';
import type { ModelAction } from '../webview/messages';
import { createNucleiPanel } from '../webview/panel';
import type { ProgressEvent } from '../nuclei-api';

async function pickFolder(title: string, openLabel: string, defaultUri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    title,
    openLabel,
    defaultUri,
  });
  return picked?.[0];
}

export function formatEta(seconds?: number): string {
  if (seconds === undefined || !isFinite(seconds)) return 'ETA unknown';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `ETA ${Math.floor(s / 60)} min ${s % 60} s` : `ETA ${s} s`;
}

export interface TrainCommandResult {
  status: 'completed' | 'cancelled' | 'failed';
  modelDir?: string;
}

/**
 * Where training starts: random weights (a new model), or fine-tuning the bundled model or the one
 * in use on the user's images. Returns the model folder to fine-tune, undefined for random weights,
 * null when the pick is dismissed.
 */
async function pickStart(context: vscode.ExtensionContext, config: ReturnType<typeof readConfig>): Promise<string | undefined | null> {
  const bundled = bundledModel(context.extensionPath);
  const current = resolveModelDir(config, context.extensionPath);
  const items: Array<vscode.QuickPickItem & { dir?: string }> = [
    { label: '$(sparkle) New model (random weights)', description: `the ${config.trainingRecipe} recipe` },
  ];
  if (!modelProblem(bundled))
    items.push({ label: '$(package) Fine-tune the bundled model', description: 'adapt it to your images: a few epochs are often enough', dir: bundled.dir });
  if (!current.isDefault && !modelProblem(current))
    items.push({ label: `$(history) Fine-tune the model in use: ${path.basename(current.dir)}`, description: current.dir, dir: current.dir });
  if (items.length === 1) return undefined;
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Nuclei: start training from',
    placeHolder: "Fine-tuning keeps the model's network, normalisation and segmentation settings",
  });
  if (!picked) return null;
  return picked.dir;
}

/** `YYYY-MM-DD-HHMM` in local time, for run folder names. */
export function runStamp(d = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}`;
}

/**
 * The run's folder: `<dataset>/models/<name>-<date>` (the data loader skips `models/`), numbered
 * if taken, or a full path typed instead of a name. A folder that already holds a run, or the
 * model in use, is never trained into. Undefined when dismissed.
 */
async function pickRunFolder(dataset: string, fineTuning: boolean, inUse: string): Promise<string | undefined> {
  const models = path.join(dataset, 'models');
  const name = await vscode.window.showInputBox({
    title: 'Nuclei: name of this training run',
    value: fineTuning ? 'fine-tuned' : 'run',
    prompt: `Saved in ${models}${path.sep}<name>-<date>. A full folder path instead of a name saves there.`,
    validateInput: (v) => (path.isAbsolute(v) || /^[A-Za-z0-9._-]+$/.test(v) ? undefined : 'Letters, digits, . _ - (or a full folder path)'),
  });
  if (name === undefined) return undefined;
  if (path.isAbsolute(name)) {
    const api = await import('../nuclei-api');
    const holdsRun = hasModelJson(name) || api.holdsTrainingRun(name);
    if (path.resolve(name) === path.resolve(inUse) || path.resolve(name, 'best') === path.resolve(inUse) || holdsRun) {
      void vscode.window.showErrorMessage(
        `Nuclei: ${name} already holds a model${holdsRun ? ' or a training run' : ' (the one in use)'}; choose a new folder.`,
      );
      return undefined;
    }
    return name;
  }
  const base = path.join(models, `${name}-${runStamp()}`);
  let dir = base;
  for (let k = 2; fs.existsSync(dir); k++) dir = `${base}-${k}`;
  return dir;
}

/** Epochs for the run: empty = the recipe's; fine-tuning suggests its measured default. Undefined when dismissed, null for the recipe's. */
async function pickEpochs(config: ReturnType<typeof readConfig>, fineTuning: boolean): Promise<number | null | undefined> {
  const api = await import('../nuclei-api');
  const suggested = config.epochs ?? (fineTuning ? api.FINE_TUNE.epochs : undefined);
  const v = await vscode.window.showInputBox({
    title: 'Nuclei: epochs',
    value: suggested === undefined ? '' : String(suggested),
    placeHolder: `empty: the recipe's (${api.recipeEpochs()})`,
    prompt: fineTuning
      ? `Fine-tuning on a few images: ${api.FINE_TUNE.epochs} epochs of ${api.FINE_TUNE.cropsPerImage} crops per image`
      : 'One epoch passes over every training image (4 random crops each for the nuclei recipe)',
    validateInput: (t) =>
      t.trim() === '' || (/^\d+$/.test(t.trim()) && Number(t) >= 1 && Number(t) <= 10000) ? undefined : 'A whole number of epochs, 1 or more (or empty)',
  });
  if (v === undefined) return undefined;
  return v.trim() === '' ? null : Number(v);
}

export async function trainModelCommand(context: vscode.ExtensionContext, log: Logger, datasetArg?: unknown): Promise<TrainCommandResult | undefined> {
  const dataset =
    datasetArg instanceof vscode.Uri
      ? datasetArg
      : await pickFolder(
          'Dataset folder (Data Science Bowl layout, or images beside NAME_labels / NAME_masks label images)',
          'Use dataset',
          vscode.workspace.workspaceFolders?.[0]?.uri,
        );
  if (!dataset) return undefined;
  const config = readConfig();
  const start = await pickStart(context, config);
  if (start === null) return undefined;
  const outDir = await pickRunFolder(dataset.fsPath, start !== undefined, resolveModelDir(config, context.extensionPath).dir);
  if (!outDir) return undefined;
  const picked = await pickEpochs(config, start !== undefined);
  if (picked === undefined) return undefined;
  return runTraining(context, log, {
    datasetDir: dataset.fsPath,
    outDir,
    start,
    epochs: picked ?? undefined,
  });
}

/** One training run as the user sees it: the curves page, a cancellable notification, and the offers at the end. */
export interface TrainingRun {
  datasetDir: string;
  outDir: string;
  /** The model to fine-tune; undefined: random weights with the configured recipe. */
  start?: string;
  /** Unset: the recipe's (or the fine-tuning defaults). */
  epochs?: number;
  /** Fine-tuning settings beyond the starting model (see api.trainModel). */
  fineTune?: import('../nuclei-api').FineTuneSettings;
  /** What the page and the notification call the data (default: the dataset folder's name). */
  datasetName?: string;
}

export async function runTraining(context: vscode.ExtensionContext, log: Logger, run: TrainingRun): Promise<TrainCommandResult> {
  const config = readConfig();
  const { start, epochs } = run;
  const out = vscode.Uri.file(run.outDir);
  const dataset = vscode.Uri.file(run.datasetDir);
  const datasetName = run.datasetName ?? path.basename(dataset.fsPath);
  log.info(
    `train: dataset ${dataset.fsPath} -> ${out.fsPath}; ${start ? `fine-tuning ${start}` : `recipe ${config.trainingRecipe}`}, epochs ${epochs ?? "the recipe's"}, batch ${config.batchSize}, size ${config.inputSize}`,
  );

  const abort = new AbortController();
  let trained: string | undefined;
  const panel = createNucleiPanel(
    context.extensionUri,
    'train',
    `Nuclei training: ${datasetName}${start ? ` · fine-tuning ${path.basename(start)}` : ''}`,
    [],
    async (m) => {
      if (m.type === 'cancelTraining' && !abort.signal.aborted) {
        log.info('train: cancel requested from the webview');
        abort.abort();
      }
      if (m.type === 'modelAction' && trained) await modelAction(context, log, m.action, trained);
    },
  );

  let result: TrainCommandResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Nuclei: training on ${datasetName}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => {
          log.info('train: cancel requested; stopping after the current batch (the last checkpoint is kept)');
          abort.abort();
        });
        const api = await import('../nuclei-api');
        progress.report({ message: 'starting TF.js' });
        log.info(await api.ensureBackend(config.backend));
        progress.report({ message: 'loading the dataset' });
        let lastFraction = 0;
        const outcome = await api.trainModel({
          datasetDir: dataset.fsPath,
          outDir: out.fsPath,
          epochs,
          batchSize: config.batchSize,
          inputSize: config.inputSize,
          recipe: config.trainingRecipe,
          fromModelDir: start,
          fineTune: run.fineTune,
          workers: config.trainingWorkers,
          workerScript: trainingWorkerScript(context.extensionPath),
          signal: abort.signal,
          onLoad: (p) => progress.report({ message: `loading the dataset: ${p.phase} ${p.done}/${p.total}` }),
          onStart: ({ samples, skipped, workers, epochs: total, mixNote }) => {
            if (mixNote) log.info(`train: ${mixNote}`);
            log.info(
              `train: ${samples} samples${skipped.length ? `, ${skipped.length} skipped` : ''}; ${workers} replica${workers > 1 ? 's (data-parallel threads)' : ''} per batch`,
            );
            for (const s of skipped) log.info(`train: skipped ${s.id}: ${s.reason}`);
            panel.send({ type: 'trainStart', epochs: total, datasetName, samples, skipped: skipped.map(({ id, reason }) => ({ id, reason })) });
          },
          onProgress: (e: ProgressEvent) => {
            if (e.type === 'batch') {
              const increment = Math.max(0, (e.fraction - lastFraction) * 100);
              lastFraction = e.fraction;
              const iou = e.iou === undefined ? '' : `, IoU ${e.iou.toFixed(3)}`;
              progress.report({
                increment,
                message: `epoch ${e.epoch + 1}/${e.epochs}, batch ${e.batch + 1}/${e.batches}, loss ${e.loss.toFixed(4)}${iou}, ${formatEta(e.etaSeconds)}`,
              });
              panel.send({
                type: 'trainProgress',
                progress: { epoch: e.epoch + 1, epochs: e.epochs, batch: e.batch + 1, batches: e.batches, loss: e.loss, iou: e.iou, etaSeconds: e.etaSeconds },
              });
            } else if (e.type === 'epoch-end') {
              const l = e.logs;
              log.info(
                `train: epoch ${e.epoch + 1}/${e.epochs} loss ${l.loss.toFixed(4)}` +
                  (l.iou !== undefined ? ` iou ${l.iou.toFixed(3)}` : '') +
                  (l.val_loss !== undefined ? ` val_loss ${l.val_loss.toFixed(4)}` : '') +
                  (l.val_iou !== undefined ? ` val_iou ${l.val_iou.toFixed(3)}` : '') +
                  ` (${e.seconds.toFixed(1)} s)`,
              );
              panel.send({ type: 'trainEpoch', epoch: e.epoch + 1, loss: l.loss, iou: l.iou, valLoss: l.val_loss, valIou: l.val_iou });
            } else if (e.type === 'train-end') {
              log.info(`train: ${e.stopReason} after ${e.epochsCompleted} epoch(s) in ${e.seconds.toFixed(1)} s`);
            }
          },
        });
        const status = outcome.result.stopReason === 'aborted' ? 'cancelled' : 'completed';
        return { status, modelDir: outcome.modelDir } as TrainCommandResult;
      },
    );
  } catch (err) {
    log.error(`train: ${dataset.fsPath} failed`, err);
    panel.send({ type: 'trainDone', status: 'failed', message: errorMessage(err) });
    void vscode.window.showErrorMessage(`Nuclei: training on ${datasetName} failed: ${errorMessage(err)}`);
    return { status: 'failed' };
  }

  panel.send({ type: 'trainDone', status: result.status, modelDir: result.modelDir });
  if (!result.modelDir) {
    void vscode.window.showWarningMessage(`Nuclei: training ${result.status}, but no checkpoint was written to ${out.fsPath}.`);
    return result;
  }
  log.info(`train: model in ${result.modelDir}`);
  trained = result.modelDir;
  await rememberModel(context, result.modelDir);
  const verb = result.status === 'cancelled' ? 'Training cancelled; the last checkpoint is' : 'Training finished; the model is';
  const choice = await vscode.window.showInformationMessage(
    `Nuclei: ${verb} in ${result.modelDir}. Use it for segmentation?`,
    USE_MODEL,
    'Try it on an image',
    'Not now',
  );
  if (choice === 'Try it on an image') void modelAction(context, log, 'segment', result.modelDir);
  if (choice === USE_MODEL) await modelAction(context, log, 'use', result.modelDir);
  return result;
}

/** What the Done page and the notification offer for a trained model. */
async function modelAction(context: vscode.ExtensionContext, log: Logger, action: ModelAction, modelDir: string): Promise<void> {
  if (action === 'segment') {
    await segmentImageCommand(context, log, undefined, modelDir);
  } else if (action === 'evaluate') {
    await evaluateModelCommand(context, log, undefined, modelDir);
  } else {
    await useModel(context, log, modelDir);
  }
}
