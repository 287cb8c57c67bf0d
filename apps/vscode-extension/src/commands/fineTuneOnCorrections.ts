// "Fine-tune on my corrections": the Cellpose loop in the editor. Fine-tunes the model in use on the
// label images corrected and saved in this workspace (the measured fine-tuning defaults of
// @nuclei/training, optionally mixed with a share of the base model's own training data), on the
// training page with its curves and cancel; the new model names its base and its images, keeps
// its base's segmentation settings, and is offered for use and for the next image.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { modelProblem, readConfig, resolveModelDir, resolveSettingPath } from '../config';
import { savedCorrections, type SavedCorrection } from '../corrections/status';
import type { Logger } from '../log';
import { runStamp, runTraining, type TrainCommandResult } from './trainModel';

/**
 * A training folder in the pairs layout the loader reads (`NAME.ext` beside `NAME_labels.ext`),
 * made of links to the corrected images and their labels (copies where links are not allowed),
 * numbered so images of the same name in different folders do not clash.
 */
export function stageCorrections(saved: readonly SavedCorrection[], dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  saved.forEach((c, i) => {
    const stem = `${String(i + 1).padStart(3, '0')}-${path.basename(c.image, path.extname(c.image))}`;
    for (const [from, to] of [
      [c.image, `${stem}${path.extname(c.image)}`],
      [c.labels, `${stem}_labels${path.extname(c.labels)}`],
    ]) {
      const target = path.join(dir, to);
      try {
        fs.symlinkSync(from, target);
      } catch {
        fs.copyFileSync(from, target);
      }
    }
    names.push(stem);
  });
  return names;
}

/** Where fine-tuned models go: `<corrections folder>/models`, else `models/` beside the first corrected image. */
export function fineTunedModelsDir(saved: readonly SavedCorrection[], correctionsFolder: string): string {
  const root = correctionsFolder ? resolveSettingPath(correctionsFolder) : path.dirname(saved[0].labels);
  return path.join(root, 'models');
}

export async function fineTuneOnCorrectionsCommand(context: vscode.ExtensionContext, log: Logger): Promise<TrainCommandResult | undefined> {
  const saved = savedCorrections(context);
  if (saved.length === 0) {
    void vscode.window.showInformationMessage(
      'Nuclei: no corrections saved yet. Segment an image, correct it in the viewer (Edit), and Save corrections; then fine-tune on them.',
    );
    return undefined;
  }
  const config = readConfig();
  const base = resolveModelDir(config, context.extensionPath);
  const problem = modelProblem(base);
  if (problem) {
    void vscode.window.showErrorMessage(`Nuclei: cannot fine-tune the model in use: ${problem}.`);
    return undefined;
  }
  const nuclei = saved.reduce((s, c) => s + c.count, 0);
  const what = `${saved.length} corrected image${saved.length === 1 ? '' : 's'} (${nuclei} nuclei)`;
  const storage = (context.storageUri ?? context.globalStorageUri).fsPath;
  const stamp = runStamp();
  const dataDir = path.join(storage, 'fine-tune-data', stamp);
  stageCorrections(saved, dataDir);
  let outDir = path.join(fineTunedModelsDir(saved, config.correctionsFolder), `fine-tuned-${stamp}`);
  for (let k = 2; fs.existsSync(outDir); k++) outDir = path.join(path.dirname(outDir), `fine-tuned-${stamp}-${k}`);
  log.info(`fine-tune: ${base.dir} on ${what} (${dataDir}) -> ${outDir}; mix share ${config.fineTuneMixShare}`);
  try {
    return await runTraining(context, log, {
      datasetDir: dataDir,
      datasetName: what,
      outDir,
      start: base.dir,
      epochs: config.epochs,
      fineTune: { mixShare: config.fineTuneMixShare },
    });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
