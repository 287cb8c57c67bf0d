// "Nuclei: Select model...": the bundled model, recently trained or chosen ones, or a folder.
import * as vscode from 'vscode';
import { bundledModel, MODEL_JSON, MODEL_METADATA, modelProblem, readConfig, resolveModelDir, SECTION } from '../config';
import type { Logger } from '../log';
import { describeModelDir } from '../model-status';

const RECENT_KEY = 'nuclei.recentModels';
const MAX_RECENT = 8;
/** The button that puts a model to use (the picker's, and the offer after training). */
export const USE_MODEL = 'Use this model';

/** Remembers a model folder at the top of the recent list (training runs and picked folders). */
export async function rememberModel(context: vscode.ExtensionContext, dir: string): Promise<void> {
  const recent = (context.globalState.get<string[]>(RECENT_KEY) ?? []).filter((d) => d !== dir);
  await context.globalState.update(RECENT_KEY, [dir, ...recent].slice(0, MAX_RECENT));
}

interface Choice extends vscode.QuickPickItem {
  dir?: string;
  browse?: boolean;
}

/**
 * A quick pick of models: the bundled one, recent runs and chosen folders, or a folder to browse
 * to (checked), without `exclude` (a folder, '' for the bundled model). Returns the folder ('' for
 * the bundled model), undefined when dismissed.
 */
export async function pickModelDir(context: vscode.ExtensionContext, title: string, openLabel = USE_MODEL, exclude?: string): Promise<string | undefined> {
  const current = resolveModelDir(readConfig(), context.extensionPath);
  const bundled = bundledModel(context.extensionPath);
  const choices: Choice[] = exclude === '' ? [] : [{ label: '$(package) Bundled model', description: describeModelDir(bundled.dir, true).detail, dir: '' }];
  const recent = (context.globalState.get<string[]>(RECENT_KEY) ?? []).filter((d) => d !== exclude && !modelProblem({ dir: d, isDefault: false }));
  if (recent.length && choices.length) choices.push({ label: 'Recent', kind: vscode.QuickPickItemKind.Separator });
  for (const dir of recent) {
    const { label, detail } = describeModelDir(dir, false);
    choices.push({ label: `$(history) ${label}`, description: detail, detail: dir, dir });
  }
  choices.push({ label: '$(folder-opened) Choose a model folder...', browse: true });
  for (const c of choices) if (c.dir !== undefined && (c.dir || bundled.dir) === current.dir) c.description = `(in use) ${c.description ?? ''}`;
  const picked = await vscode.window.showQuickPick(choices, { title, placeHolder: `In use: ${current.dir}` });
  if (!picked) return undefined;
  if (!picked.browse) return picked.dir;
  const uris = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel,
    title: `A model folder (${MODEL_JSON}, weights.bin, ${MODEL_METADATA})`,
  });
  if (!uris?.length) return undefined;
  const dir = uris[0].fsPath;
  const problem = modelProblem({ dir, isDefault: false });
  if (problem) {
    void vscode.window.showErrorMessage(`Nuclei: ${problem}.`);
    return undefined;
  }
  return dir;
}

export async function selectModelCommand(context: vscode.ExtensionContext, log: Logger): Promise<string | undefined> {
  const dir = await pickModelDir(context, 'Nuclei: model for segmentation and evaluation');
  if (dir === undefined) return undefined;
  await useModel(context, log, dir);
  return dir;
}

/**
 * Puts a model folder to use ('' for the bundled model): `nuclei.modelPath` in the workspace
 * (user settings without one), and at the top of the recent list.
 */
export async function useModel(context: vscode.ExtensionContext, log: Logger, dir: string): Promise<void> {
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration(SECTION).update('modelPath', dir, target);
  if (dir) await rememberModel(context, dir);
  log.info(`model: nuclei.modelPath = ${dir || '(the bundled model)'}`);
}
