// The model in use, always in sight: a status-bar item naming it (its figures in the tooltip) that
// opens the model picker. Reads nuclei-model.json as plain JSON, so TF.js stays unloaded.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { MODEL_METADATA, modelProblem, readConfig, resolveModelDir, SECTION } from './config';

/** A model folder's short name: its folder, or run/best and run/last for training checkpoints (joined by `sep`). */
export function modelName(dir: string, sep = '/'): string {
  const leaf = path.basename(dir);
  return leaf === 'best' || leaf === 'last' ? `${path.basename(path.dirname(dir))}${sep}${leaf}` : leaf;
}

/** A model folder's name and what its metadata says about it, for labels and tooltips. */
export function describeModelDir(dir: string, isDefault: boolean): { label: string; detail: string } {
  const label = isDefault ? 'bundled model' : modelName(dir);
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, MODEL_METADATA), 'utf8'));
    const m = meta.metrics ?? {};
    const figures =
      m.fullsize_dsb !== undefined
        ? `DSB ${Number(m.fullsize_dsb).toFixed(3)}, AP@0.5 ${Number(m.fullsize_ap50 ?? NaN).toFixed(3)} on held-out images at full size`
        : m.val_loss !== undefined
          ? `validation loss ${Number(m.val_loss).toFixed(4)}`
          : 'no figures recorded';
    return { label, detail: `${meta.preset ?? 'custom'} preset, ${meta.inputSize ?? '?'} px; ${figures}` };
  } catch {
    return { label, detail: `no ${MODEL_METADATA}` };
  }
}

export function createModelStatus(context: vscode.ExtensionContext): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('nuclei.model', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Nuclei model';
  item.command = 'nuclei.selectModel';
  const update = () => {
    const model = resolveModelDir(readConfig(), context.extensionPath);
    const problem = modelProblem(model);
    const { label, detail } = describeModelDir(model.dir, model.isDefault);
    item.text = `$(symbol-color) Nuclei: ${label}${problem ? ' $(warning)' : ''}`;
    item.tooltip = `${problem ?? `${model.dir}\n${detail}`}\nClick to choose another model.`;
    item.accessibilityInformation = { label: `Nuclei model: ${label}${problem ? ', missing' : ''}. Choose another model.` };
    item.show();
  };
  update();
  context.subscriptions.push(
    item,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.modelPath`)) update();
    }),
  );
  return item;
}
