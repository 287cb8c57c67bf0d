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
import { runSegmentation, showSegmentation, type SegmentationSession } from '../segmentation-session';

type Key = Exclude<keyof EvaluationReport['rows'][number], 'id' | 'kind'>;

/**
 * The columns, nucleus detection first (what biologists read "precision" and "recall" as, and what
 * Cellpose and StarDist report), then the DSB score, the counts, and the pixel metrics, named so.
 */
const COLUMNS: Array<[Key, string]> = [
  ['f1', 'F1 @0.5'],
  ['nucleusPrecision', 'precision @0.5'],
  ['nucleusRecall', 'recall @0.5'],
  ['dsb', 'DSB score'],
  ['predCount', 'found'],
  ['trueCount', 'true'],
  ['ap50', 'AP@0.5'],
  ['iou', 'pixel IoU'],
  ['dice', 'pixel Dice'],
  ['accuracy', 'pixel accuracy'],
  ['precision', 'pixel precision'],
  ['recall', 'pixel recall'],
];
const COUNTS = new Set<Key>(['predCount', 'trueCount']);

/** What each column means, for the table's header tooltips. */
export const METRIC_TIPS: Record<string, string> = {
  'F1 @0.5': 'Nucleus detection: the harmonic mean of precision and recall @0.5',
  'precision @0.5': 'Nuclei found that match a true nucleus (IoU above 0.5), over all nuclei found',
  'recall @0.5': 'True nuclei that were found (a found nucleus with IoU above 0.5), over all true nuclei',
  'DSB score':
    'The 2018 Data Science Bowl score: per IoU threshold 0.5..0.95, matched nuclei / (matched + missed + spurious), averaged. It counts nuclei, so merged or split nuclei lower it',
  found: 'Nuclei the model found',
  true: 'Nuclei in the annotation',
  'AP@0.5': "The DSB score's count at IoU 0.5 only: matched / (matched + missed + spurious)",
  'pixel IoU': 'Pixels, not nuclei: nucleus pixels found and true, over nucleus pixels found or true (1 = the same mask)',
  'pixel Dice': 'Pixels, not nuclei: twice the overlap over the sum of the two masks',
  'pixel accuracy': 'Pixels, not nuclei: pixels labelled right (nucleus or background), over all pixels',
  'pixel precision': 'Pixels, not nuclei: found nucleus pixels that are true nucleus pixels',
  'pixel recall': 'Pixels, not nuclei: true nucleus pixels that were found',
};

/** What a row click shows (its tooltip). */
const OPENS = 'Open this image in the viewer: the nuclei found, over the true nuclei outlined in yellow';

function rowValue(r: EvaluationReport['rows'][number], key: Key): number {
  return Number(r[key]);
}

function meanOf(rows: MetricsTable['rows'], columns: string[]): Record<string, number> {
  const mean: Record<string, number> = {};
  for (const c of columns) mean[c] = rows.reduce((s, r) => s + r.values[c], 0) / Math.max(1, rows.length);
  return mean;
}

/** A difference with its sign, as shown (a rounding residue of 0 is +0.000). */
const signed = (v: number) => `${+v.toFixed(3) >= 0 ? '+' : '\u2212'}${Math.abs(v).toFixed(3)}`;

export function reportToTable(report: EvaluationReport): MetricsTable {
  const columns = COLUMNS.map(([, title]) => title);
  const rows = report.rows.map((r) => ({
    name: r.id,
    values: Object.fromEntries(COLUMNS.map(([key, title]) => [title, rowValue(r, key)])),
  }));
  const mean = meanOf(rows, columns);
  const decimals = Object.fromEntries(COLUMNS.filter(([k]) => COUNTS.has(k)).map(([, t]) => [t, 0]));
  const verdict = `Mean over ${rows.length} image${rows.length === 1 ? '' : 's'}: F1 @0.5 ${mean['F1 @0.5'].toFixed(3)} (precision ${mean['precision @0.5'].toFixed(3)}, recall ${mean['recall @0.5'].toFixed(3)}), DSB score ${mean['DSB score'].toFixed(3)}`;
  return { columns, rows, mean, tips: METRIC_TIPS, decimals, opens: OPENS, verdict };
}

/** Compared side by side with B - A; the rest of the metrics follow as A and B only. */
const DELTA: Key[] = ['f1', 'dsb'];

/**
 * Two reports on the same images side by side: F1 and DSB for A, B and B - A first (the key
 * columns), the counts, then the other metrics for A and B. The better value of each pair is
 * marked (for counts: the one nearer the truth), and the verdict says which model wins on how
 * many images (by DSB score) and by how much on average.
 */
export function comparisonTable(a: EvaluationReport, b: EvaluationReport): MetricsTable {
  const title = (k: Key) => COLUMNS.find(([key]) => key === k)![1];
  const rest = COLUMNS.filter(([k]) => !DELTA.includes(k) && !COUNTS.has(k)).map(([k]) => k);
  const columns = [
    ...DELTA.flatMap((k) => [`${title(k)} A`, `${title(k)} B`, `${title(k)} B\u2212A`]),
    'found A',
    'found B',
    'true',
    ...rest.flatMap((k) => [`${title(k)} A`, `${title(k)} B`]),
  ];
  const tips: Record<string, string> = { true: METRIC_TIPS.true };
  for (const k of [...DELTA, 'predCount' as Key, ...rest]) {
    const t = title(k);
    for (const side of ['A', 'B']) tips[`${t} ${side}`] = `${METRIC_TIPS[t]} (model ${side})`;
  }
  for (const k of DELTA) tips[`${title(k)} B\u2212A`] = `${title(k)} of B minus that of A: above 0, B is better`;
  const marksOf = (values: Record<string, number>): string[] => {
    const marks: string[] = [];
    for (const k of [...DELTA, ...rest]) {
      const [va, vb] = [values[`${title(k)} A`], values[`${title(k)} B`]];
      if (va !== vb) marks.push(`${title(k)} ${vb > va ? 'B' : 'A'}`);
    }
    const [da, db] = [Math.abs(values['found A'] - values.true), Math.abs(values['found B'] - values.true)];
    if (da !== db) marks.push(db < da ? 'found B' : 'found A');
    return marks;
  };
  const byId = new Map(b.rows.map((r) => [r.id, r]));
  const rows = a.rows
    .filter((r) => byId.has(r.id))
    .map((ra) => {
      const rb = byId.get(ra.id)!;
      const values: Record<string, number> = { true: ra.trueCount, 'found A': ra.predCount, 'found B': rb.predCount };
      for (const k of [...DELTA, ...rest]) {
        values[`${title(k)} A`] = rowValue(ra, k);
        values[`${title(k)} B`] = rowValue(rb, k);
      }
      for (const k of DELTA) values[`${title(k)} B\u2212A`] = values[`${title(k)} B`] - values[`${title(k)} A`];
      return { name: ra.id, values, marks: marksOf(values) };
    });
  const mean = meanOf(rows, columns);
  const dsb = title('dsb');
  const bWins = rows.filter((r) => r.values[`${dsb} B`] > r.values[`${dsb} A`]).length;
  const aWins = rows.filter((r) => r.values[`${dsb} A`] > r.values[`${dsb} B`]).length;
  const lead =
    bWins === aWins
      ? `A and B even: each better on ${aWins} of ${rows.length} images`
      : `${bWins > aWins ? 'B' : 'A'} better on ${Math.max(aWins, bWins)} of ${rows.length} images`;
  const verdict = `${lead} (by DSB score); mean B\u2212A: DSB ${signed(mean[`${dsb} B\u2212A`])}, F1 @0.5 ${signed(mean['F1 @0.5 B\u2212A'])}`;
  const decimals = { 'found A': 0, 'found B': 0, true: 0 };
  return { columns, rows, mean, meanMarks: marksOf(mean), tips, decimals, opens: OPENS.replace('the nuclei found', "model B's nuclei"), verdict };
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

/**
 * The evaluation page: its Export CSV button saves `table()` where the user says; a row opens that
 * image in the viewer, segmented by `model` again, with the true nuclei outlined.
 */
function evaluationPanel(
  context: vscode.ExtensionContext,
  log: Logger,
  title: string,
  table: () => MetricsTable | undefined,
  csvName: string,
  dataset: vscode.Uri,
  model: Model,
) {
  return createNucleiPanel(context.extensionUri, 'evaluate', title, [], async (m) => {
    const t = table();
    if (m.type === 'openRow' && t?.rows.some((r) => r.name === m.name)) {
      await openEvaluatedImage(context, log, dataset.fsPath, model, m.name);
      return;
    }
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

/** One evaluated image in the viewer: the model's nuclei (segmented again, as they were scored) over the true outlines. */
export async function openEvaluatedImage(
  context: vscode.ExtensionContext,
  log: Logger,
  dataset: string,
  model: Model,
  id: string,
): Promise<SegmentationSession | undefined> {
  const api = await import('../nuclei-api');
  let sample: Awaited<ReturnType<typeof api.loadSample>>;
  try {
    sample = await api.loadSample(dataset, id);
  } catch (err) {
    log.error(`evaluate: cannot open ${id}`, err);
    void vscode.window.showErrorMessage(`Nuclei: cannot open ${id}: ${errorMessage(err)}`);
    return undefined;
  }
  const session = await runSegmentation(context, log, sample.imagePath, { modelDir: model.dir, image: sample.image });
  if (!session) return undefined;
  session.truth = sample.labels;
  await showSegmentation(context, log, session);
  return session;
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
    dataset,
    model,
  );
  try {
    const [report] = await scoreModels(context, log, dataset, [model]);
    table = reportToTable(report);
    panel.send({ type: 'evaluation', heading: `${datasetName}: ${report.rows.length} image${report.rows.length === 1 ? '' : 's'}`, table });
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
    // B's list leaves out A, so the item VS Code preselects is never the model already chosen.
    const exclude = models.length ? (models[0].isDefault ? '' : models[0].dir) : undefined;
    const dir = await pickModelDir(context, `Nuclei: model ${side} of the comparison`, `Model ${side}`, exclude);
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
  const panel = evaluationPanel(context, log, `Nuclei: ${a} vs ${b} on ${datasetName}`, () => table, `${datasetName}-comparison.csv`, dataset, models[1]);
  try {
    const [ra, rb] = await scoreModels(context, log, dataset, models);
    table = comparisonTable(ra, rb);
    panel.send({ type: 'evaluation', heading: `${datasetName}, ${table.rows.length} images: A = ${a} (${models[0].dir}), B = ${b} (${models[1].dir})`, table });
    return table;
  } catch (err) {
    return failed(log, err, dataset, panel);
  }
}
