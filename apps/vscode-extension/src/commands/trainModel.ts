// "Train nuclei model": dataset folder (DSB layout) + output folder, then training in a
// cancellable progress notification with live curves in a webview; offers to use the result.
import * as path from 'path';
import * as vscode from 'vscode';
import { segmentImageCommand } from './segmentImage';
import { rememberModel } from './selectModel';
import { modelProblem, readConfig, resolveModelDir, SECTION, trainingWorkerScript, wasmDir } from '../config';
import { errorMessage, type Logger } from '../log';
import { createNucleiPanel } from '../webview/panel';
import type { ProgressEvent } from '../engine';

async function pickFolder(title: string, openLabel: string, defaultUri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: false, canSelectFolders: true, canSelectMany: false, title, openLabel, defaultUri,
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
  const bundled = resolveModelDir({ ...config, modelPath: '' }, context.extensionPath);
  const current = resolveModelDir(config, context.extensionPath);
  const items: Array<vscode.QuickPickItem & { dir?: string }> = [
    { label: '$(sparkle) New model (random weights)', description: `the ${config.trainingRecipe} recipe` },
  ];
  if (!modelProblem(bundled)) items.push({ label: '$(package) Fine-tune the bundled model', description: 'adapt it to your images: a few epochs are often enough', dir: bundled.dir });
  if (!current.isDefault && !modelProblem(current)) items.push({ label: `$(history) Fine-tune the model in use: ${path.basename(current.dir)}`, description: current.dir, dir: current.dir });
  if (items.length === 1) return undefined;
  const picked = await vscode.window.showQuickPick(items, { title: 'Nuclei: start training from', placeHolder: 'Fine-tuning keeps the model\'s network and normalisation, at a tenth of its learning rate' });
  if (!picked) return null;
  return picked.dir;
}

export async function trainModelCommand(context: vscode.ExtensionContext, log: Logger, datasetArg?: unknown): Promise<TrainCommandResult | undefined> {
  const dataset = datasetArg instanceof vscode.Uri ? datasetArg
    : await pickFolder('Dataset folder (Data Science Bowl layout: <id>/images, <id>/masks)', 'Use dataset', vscode.workspace.workspaceFolders?.[0]?.uri);
  if (!dataset) return undefined;
  const out = await pickFolder('Output folder for the trained model', 'Save model here', vscode.Uri.file(path.dirname(dataset.fsPath)));
  if (!out) return undefined;
  const config = readConfig();
  const start = await pickStart(context, config);
  if (start === null) return undefined;
  const datasetName = path.basename(dataset.fsPath);
  log.info(`train: dataset ${dataset.fsPath} -> ${out.fsPath}; ${start ? `fine-tuning ${start}` : `recipe ${config.trainingRecipe}`}, epochs ${config.epochs ?? "the recipe's"}, batch ${config.batchSize}, size ${config.inputSize}`);

  const abort = new AbortController();
  const panel = createNucleiPanel(context.extensionUri, 'train', `Nuclei training: ${datasetName}${start ? ` · fine-tuning ${path.basename(start)}` : ''}`, [], (m) => {
    if (m.type === 'cancelTraining' && !abort.signal.aborted) {
      log.info('train: cancel requested from the webview');
      abort.abort();
    }
  });

  let result: TrainCommandResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Nuclei: training on ${datasetName}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => {
          log.info('train: cancel requested; stopping after the current batch (the last checkpoint is kept)');
          abort.abort();
        });
        const engine = await import('../engine');
        progress.report({ message: 'starting TF.js' });
        log.info(await engine.ensureBackend(config.backend, wasmDir(context.extensionPath)));
        progress.report({ message: 'loading the dataset' });
        let lastFraction = 0;
        const outcome = await engine.trainModel({
          datasetDir: dataset.fsPath,
          outDir: out.fsPath,
          epochs: config.epochs,
          batchSize: config.batchSize,
          inputSize: config.inputSize,
          recipe: config.trainingRecipe,
          fromModelDir: start,
          workers: config.trainingWorkers,
          workerScript: trainingWorkerScript(context.extensionPath),
          wasmDir: wasmDir(context.extensionPath),
          signal: abort.signal,
          onLoad: (p) => progress.report({ message: `loading the dataset: ${p.phase} ${p.done}/${p.total}` }),
          onStart: ({ samples, skipped, workers, epochs }) => {
            log.info(`train: ${samples} samples${skipped ? `, ${skipped} skipped (see the data loader's reasons)` : ''}; ${workers} replica${workers > 1 ? 's (data-parallel threads)' : ''} per batch`);
            panel.send({ type: 'trainStart', epochs, datasetName, samples });
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
              log.info(`train: epoch ${e.epoch + 1}/${e.epochs} loss ${l.loss.toFixed(4)}` +
                (l.iou !== undefined ? ` iou ${l.iou.toFixed(3)}` : '') +
                (l.val_loss !== undefined ? ` val_loss ${l.val_loss.toFixed(4)}` : '') +
                (l.val_iou !== undefined ? ` val_iou ${l.val_iou.toFixed(3)}` : '') + ` (${e.seconds.toFixed(1)} s)`);
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
  await rememberModel(context, result.modelDir);
  const verb = result.status === 'cancelled' ? 'Training cancelled; the last checkpoint is' : 'Training finished; the model is';
  const choice = await vscode.window.showInformationMessage(`Nuclei: ${verb} in ${result.modelDir}. Use it for segmentation?`, 'Use this model', 'Try it on an image', 'Not now');
  if (choice === 'Try it on an image') void segmentImageCommand(context, log, undefined, result.modelDir);
  if (choice === 'Use this model') {
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration(SECTION).update('modelPath', result.modelDir, target);
    log.info(`train: nuclei.modelPath = ${result.modelDir}`);
  }
  return result;
}
