// "Evaluate nuclei model": the configured model on a labelled dataset folder, the metrics table
// (per image and mean) in a webview and in the output channel.
import * as path from 'path';
import * as vscode from 'vscode';
import { describeModelDir } from '../model-status';
import { modelProblem, readConfig, resolveModelDir } from '../config';
import { errorMessage, type Logger } from '../log';
import type { MetricsTable } from '../webview/messages';
import { pickModelDir } from './selectModel';
import { createNucleiPanel } from '../webview/panel';
import type { EvaluationReport } from '../nuclei-api';

const COLUMNS: Array<[keyof EvaluationReport['mean'] | 'predCount' | 'trueCount', string]> = [
  ['iou', 'IoU'],
  ['dice', 'Dice'],
  ['accuracy', 'accuracy'],
  ['precision', 'precision'],
  ['recall', 'recall'],
  ['dsb', 'DSB score'],
  ['ap50', 'AP@0.5'],
  ['predCount', 'found'],
  ['trueCount', 'true'],
];

/** What each column means, for the table's header tooltips. */
export const METRIC_TIPS: Record<string, string> = {
  IoU: 'Pixel IoU: nucleus pixels found and true, over nucleus pixels found or true (1 = the same mask)',
  Dice: 'Pixel Dice: twice the overlap over the sum of the two masks',
  accuracy: 'Pixels labelled right (nucleus or background), over all pixels',
  precision: 'Found nucleus pixels that are true nucleus pixels',
  recall: 'True nucleus pixels that were found',
  'DSB score':
    'The 2018 Data Science Bowl score: per IoU threshold 0.5..0.95, matched nuclei / (matched + missed + spurious), averaged. It counts nuclei, so merged or split nuclei lower it',
  'AP@0.5': 'The same count at IoU 0.5 only: nuclei found roughly right',
  found: 'Nuclei the model found',
  true: 'Nuclei in the annotation',
};

function rowValue(r: EvaluationReport['rows'][number], key: (typeof COLUMNS)[number][0]): number {
  return Number(r[key]);
}

function meanValue(report: EvaluationReport, key: (typeof COLUMNS)[number][0]): number {
  const v = (report.mean as unknown as Record<string, number>)[key];
  return v !== undefined ? v : report.rows.reduce((s, r) => s + rowValue(r, key), 0) / Math.max(1, report.rows.length);
}

export function reportToTable(report: EvaluationReport): MetricsTable {
  const columns = COLUMNS.map(([, title]) => title);
  const rows = report.rows.map((r) => ({
    name: r.id,
    values: Object.fromEntries(COLUMNS.map(([key, title]) => [title, rowValue(r, key)])),
  }));
  const mean = Object.fromEntries(COLUMNS.map(([key, title]) => [title, meanValue(report, key)]));
  return { columns, rows, mean, tips: METRIC_TIPS };
}

/** Two reports on the same images side by side: each count metric for A then B, and the truth once. */
export function comparisonTable(a: EvaluationReport, b: EvaluationReport): MetricsTable {
  const keys = COLUMNS.filter(([key]) => key !== 'trueCount');
  const columns = [...keys.flatMap(([, t]) => [`${t} A`, `${t} B`]), 'true'];
  const tips: Record<string, string> = { true: METRIC_TIPS.true };
  for (const [, t] of keys) for (const side of ['A', 'B']) tips[`${t} ${side}`] = `${METRIC_TIPS[t]} (model ${side})`;
  const byId = new Map(b.rows.map((r) => [r.id, r]));
  const rows = a.rows
    .filter((r) => byId.has(r.id))
    .map((ra) => {
      const rb = byId.get(ra.id)!;
      const values: Record<string, number> = { true: ra.trueCount };
      for (const [key, t] of keys) {
        values[`${t} A`] = rowValue(ra, key);
        values[`${t} B`] = rowValue(rb, key);
      }
      return { name: ra.id, values };
    });
  const mean: Record<string, number> = {};
  for (const c of columns) mean[c] = rows.reduce((s, r) => s + r.values[c], 0) / Math.max(1, rows.length);
  return { columns, rows, mean, tips };
}

/** The table as CSV (one row per image, then the mean), numbers at full precision. */
export function tableCsv(table: MetricsTable): string {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const line = (name: string, values: Record<string, number>) =>
    [quote(name), ...table.columns.map((c) => (values[c] === undefined ? '' : String(values[c])))].join(',');
  return [['image', ...table.columns].map(quote).join(','), ...table.rows.map((r) => line(r.name, r.values)), line('mean', table.mean)].join('\n') + '\n';
}

/** A labelled folder: the argument, else a folder dialog. */
async function pickDataset(arg: unknown, openLabel: string): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  return (
    await vscode.window.showOpenDialog({
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      title: 'Labelled dataset folder to evaluate on (Data Science Bowl layout, or images beside label images)',
      openLabel,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    })
  )?.[0];
}

type Model = { dir: string; isDefault: boolean };

/** Scores each model on the dataset under one cancellable notification; the reports in order. */
async function scoreModels(context: vscode.ExtensionContext, log: Logger, dataset: vscode.Uri, models: Model[]): Promise<EvaluationReport[]> {
  const config = readConfig();
  const datasetName = path.basename(dataset.fsPath);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Nuclei: evaluating on ${datasetName}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      const api = await import('../nuclei-api');
      log.info(await api.ensureBackend(config.backend));
      const reports: EvaluationReport[] = [];
      let last = 0;
      for (const [k, model] of models.entries()) {
        const which = models.length > 1 ? `${'AB'[k] ?? k + 1}: ` : '';
        progress.report({ message: `${which}loading model` });
        const loaded = await api.loadModelCached(model.dir, config.engine);
        log.info(loaded.engineLine);
        const { report, text } = await api.evaluate(
          dataset.fsPath,
          loaded.predictor,
          loaded.metadata,
          { mode: config.tiling, threshold: config.threshold },
          (done, total, id) => {
            const pct = total > 0 ? ((k + done / total) / models.length) * 100 : 0;
            progress.report({ message: `${which}${done}/${total}${id ? ` ${id}` : ''}`, increment: Math.max(0, pct - last) });
            last = pct;
          },
          controller.signal,
        );
        log.info(`evaluate: ${model.dir} on ${datasetName}\n${text}`);
        reports.push(report);
      }
      return reports;
    },
  );
}

/** The evaluation page; its Export CSV button saves `table()` where the user says. */
function evaluationPanel(context: vscode.ExtensionContext, log: Logger, title: string, table: () => MetricsTable | undefined, csvName: string) {
  return createNucleiPanel(context.extensionUri, 'evaluate', title, [], async (m) => {
    const t = table();
    if (m.type !== 'exportCsv' || !t) return;
    const uri = await vscode.window.showSaveDialog({
      title: 'Save the table as CSV',
      filters: { CSV: ['csv'] },
      defaultUri: vscode.Uri.file(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', csvName)),
    });
    if (!uri) return;
    const api = await import('../nuclei-api');
    await api.writeTextAtomic(uri.fsPath, tableCsv(t));
    log.info(`evaluate: table saved to ${uri.fsPath}`);
    void vscode.window.showInformationMessage(`Nuclei: saved ${path.basename(uri.fsPath)}`);
  });
}

async function failed(log: Logger, err: unknown, dataset: vscode.Uri, panel: ReturnType<typeof evaluationPanel>): Promise<undefined> {
  const datasetName = path.basename(dataset.fsPath);
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

/** Evaluates the model in use, or `modelDir` (a model just trained), on a labelled folder. */
export async function evaluateModelCommand(
  context: vscode.ExtensionContext,
  log: Logger,
  datasetArg?: unknown,
  modelDir?: string,
): Promise<MetricsTable | undefined> {
  const dataset = await pickDataset(datasetArg, 'Evaluate');
  if (!dataset) return undefined;
  const model = modelDir ? { dir: modelDir, isDefault: false } : resolveModelDir(readConfig(), context.extensionPath);
  const datasetName = path.basename(dataset.fsPath);
  log.info(`evaluate: ${model.dir} on ${dataset.fsPath}`);
  const problem = modelProblem(model);
  if (problem) {
    log.error(`evaluate: ${problem}`);
    void vscode.window.showErrorMessage(`Nuclei: cannot evaluate on ${datasetName}: ${problem}.`);
    return undefined;
  }
  let table: MetricsTable | undefined;
  const panel = evaluationPanel(
    context,
    log,
    `Nuclei evaluation: ${datasetName} · ${describeModelDir(model.dir, model.isDefault).label}`,
    () => table,
    `${datasetName}-evaluation.csv`,
  );
  try {
    const [report] = await scoreModels(context, log, dataset, [model]);
    table = reportToTable(report);
    panel.send({ type: 'evaluation', datasetName, table });
    return table;
  } catch (err) {
    return failed(log, err, dataset, panel);
  }
}

/** "Compare two models": both scored on the same labelled folder, side by side in one table. */
export async function compareModelsCommand(context: vscode.ExtensionContext, log: Logger, datasetArg?: unknown): Promise<MetricsTable | undefined> {
  const dataset = await pickDataset(datasetArg, 'Compare models on it');
  if (!dataset) return undefined;
  const models: Model[] = [];
  for (const side of ['A', 'B']) {
    const dir = await pickModelDir(context, `Nuclei: model ${side} of the comparison`, `Model ${side}`);
    if (dir === undefined) return undefined;
    models.push(dir ? { dir, isDefault: false } : resolveModelDir({ ...readConfig(), modelPath: '' }, context.extensionPath));
  }
  for (const m of models) {
    const problem = modelProblem(m);
    if (problem) {
      void vscode.window.showErrorMessage(`Nuclei: cannot compare: ${problem}.`);
      return undefined;
    }
  }
  const datasetName = path.basename(dataset.fsPath);
  const [a, b] = models.map((m) => describeModelDir(m.dir, m.isDefault).label);
  log.info(`compare: A ${models[0].dir}, B ${models[1].dir} on ${dataset.fsPath}`);
  let table: MetricsTable | undefined;
  const panel = evaluationPanel(context, log, `Nuclei: ${a} vs ${b} on ${datasetName}`, () => table, `${datasetName}-comparison.csv`);
  try {
    const [ra, rb] = await scoreModels(context, log, dataset, models);
    table = comparisonTable(ra, rb);
    panel.send({ type: 'evaluation', datasetName: `${datasetName}: A = ${a} (${models[0].dir}), B = ${b} (${models[1].dir})`, table });
    return table;
  } catch (err) {
    return failed(log, err, dataset, panel);
  }
}
