// "Evaluate nuclei model": the configured model on a labelled dataset folder, the metrics table
// (per image and mean) in a webview and in the output channel.
import * as path from 'path';
import * as vscode from 'vscode';
import { describeModelDir } from '../model-status';
import { modelProblem, readConfig, resolveModelDir, wasmDir } from '../config';
import { errorMessage, type Logger } from '../log';
import type { MetricsTable } from '../webview/messages';
import { createNucleiPanel } from '../webview/panel';
import type { EvaluationReport } from '../engine';

const COLUMNS: Array<[keyof EvaluationReport['mean'] | 'predCount' | 'trueCount', string]> = [
  ['iou', 'IoU'], ['dice', 'Dice'], ['accuracy', 'accuracy'], ['precision', 'precision'], ['recall', 'recall'],
  ['dsb', 'DSB score'], ['ap50', 'AP@0.5'], ['predCount', 'found'], ['trueCount', 'true'],
];

export function reportToTable(report: EvaluationReport): MetricsTable {
  const columns = COLUMNS.map(([, title]) => title);
  const rows = report.rows.map((r) => ({
    name: r.id,
    values: Object.fromEntries(COLUMNS.map(([key, title]) => [title, Number(r[key])])),
  }));
  const mean: Record<string, number> = {};
  for (const [key, title] of COLUMNS) {
    const v = (report.mean as unknown as Record<string, number>)[key];
    if (v !== undefined) mean[title] = v;
    else mean[title] = report.rows.reduce((s, r) => s + Number(r[key]), 0) / Math.max(1, report.rows.length);
  }
  return { columns, rows, mean };
}

/** Evaluates the model in use, or `modelDir` (a model just trained), on a labelled folder. */
export async function evaluateModelCommand(context: vscode.ExtensionContext, log: Logger, datasetArg?: unknown, modelDir?: string): Promise<MetricsTable | undefined> {
  const dataset = datasetArg instanceof vscode.Uri ? datasetArg : (await vscode.window.showOpenDialog({
    canSelectFiles: false, canSelectFolders: true, canSelectMany: false,
    title: 'Labelled dataset folder to evaluate on (Data Science Bowl layout)', openLabel: 'Evaluate',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  }))?.[0];
  if (!dataset) return undefined;
  const config = readConfig();
  const model = modelDir ? { dir: modelDir, isDefault: false } : resolveModelDir(config, context.extensionPath);
  const datasetName = path.basename(dataset.fsPath);
  log.info(`evaluate: ${model.dir} on ${dataset.fsPath}`);
  const problem = modelProblem(model);
  if (problem) {
    log.error(`evaluate: ${problem}`);
    void vscode.window.showErrorMessage(`Nuclei: cannot evaluate on ${datasetName}: ${problem}.`);
    return undefined;
  }
  const panel = createNucleiPanel(context.extensionUri, 'evaluate', `Nuclei evaluation: ${datasetName} · ${describeModelDir(model.dir, model.isDefault).label}`, [], () => undefined);
  try {
    const { report, text } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Nuclei: evaluating on ${datasetName}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        const engine = await import('../engine');
        log.info(await engine.ensureBackend(config.backend, wasmDir(context.extensionPath)));
        progress.report({ message: 'loading model' });
        const loaded = await engine.loadModelCached(model.dir, config.engine);
        log.info(loaded.engineLine);
        let last = 0;
        return engine.evaluate(dataset.fsPath, loaded.predictor, loaded.metadata, { mode: config.tiling, threshold: config.threshold }, (done, total, id) => {
          const pct = total > 0 ? (done / total) * 100 : 0;
          progress.report({ message: `${done}/${total}${id ? ` ${id}` : ''}`, increment: Math.max(0, pct - last) });
          last = pct;
        }, controller.signal);
      },
    );
    log.info(`evaluate: ${datasetName}\n${text}`);
    const table = reportToTable(report);
    panel.send({ type: 'evaluation', datasetName, table, text });
    return table;
  } catch (err) {
    if ((err as Error).name === 'AbortError') {
      log.info(`evaluate: ${datasetName} cancelled`);
      panel.send({ type: 'error', message: 'Evaluation cancelled.' });
      return undefined;
    }
    log.error(`evaluate: ${dataset.fsPath} failed`, err);
    panel.send({ type: 'error', message: `Evaluation failed: ${errorMessage(err)}` });
    void vscode.window.showErrorMessage(`Nuclei: could not evaluate on ${datasetName}: ${errorMessage(err)}`);
    return undefined;
  }
}
