// The `nuclei.*` settings and where the model comes from.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

export type BackendSetting = 'auto' | 'gpu' | 'node' | 'wasm' | 'cpu';
export type TilingSetting = 'auto' | 'tile' | 'resize';
export type EngineSetting = 'auto' | 'onnx' | 'tfjs';

export interface NucleiConfig {
  modelPath: string;
  backend: BackendSetting;
  /** What predicts: ONNX Runtime when it loads ('auto'), only it, or TF.js on `backend`. */
  engine: EngineSetting;
  /** Unset: the recipe's. */
  epochs: number | undefined;
  batchSize: number;
  inputSize: number;
  /** Unset: the model's recommendation. */
  threshold: number | undefined;
  tiling: TilingSetting;
  /** Data-parallel training replicas; 0 = one per core on wasm/cpu. */
  trainingWorkers: number;
  /** 'nuclei' (default) or 'seed': the same recipes as `nuclei train --recipe`. */
  trainingRecipe: 'nuclei' | 'seed';
  /** Microns per pixel; unset: the image's own (TIFF metadata), else pixels. */
  pixelSize: number | undefined;
  /** Where corrected labels go (with a copy of the image); empty: beside the image. */
  correctionsFolder: string;
  /** Fine-tuning on corrections: share of the training images from the base model's own training data. */
  fineTuneMixShare: number;
}

export const SECTION = 'nuclei';

export function readConfig(): NucleiConfig {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    modelPath: (c.get<string>('modelPath') ?? '').trim(),
    backend: c.get<BackendSetting>('backend') ?? 'auto',
    engine: c.get<EngineSetting>('engine') ?? 'auto',
    epochs: c.get<number | null>('epochs') ?? undefined,
    batchSize: c.get<number>('batchSize') ?? 16,
    inputSize: c.get<number>('inputSize') ?? 128,
    threshold: c.get<number | null>('threshold') ?? undefined,
    tiling: c.get<TilingSetting>('tiling') ?? 'auto',
    trainingWorkers: c.get<number>('trainingWorkers') ?? 0,
    trainingRecipe: c.get<'nuclei' | 'seed'>('trainingRecipe') ?? 'nuclei',
    pixelSize: positive(c.get<number | null>('pixelSize')),
    correctionsFolder: (c.get<string>('correctionsFolder') ?? '').trim(),
    fineTuneMixShare: Math.min(0.9, Math.max(0, c.get<number>('fineTuneMixShare') ?? 0.5)),
  };
}

function positive(v: number | null | undefined): number | undefined {
  return typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : undefined;
}

/**
 * The files of a model folder, as @nuclei/model names them (MODEL_JSON, METADATA_FILE); written
 * here so that activation does not load TF.js (a test keeps them equal).
 */
export const MODEL_JSON = 'model.json';
export const MODEL_METADATA = 'nuclei-model.json';

/** Whether a folder holds a saved model (@nuclei/model's isModelDir, without loading TF.js). */
export function hasModelJson(dir: string): boolean {
  return fs.existsSync(path.join(dir, MODEL_JSON));
}

/** The bundled default model inside the installed extension (build.js copies it to dist/models/default). */
export function bundledModel(extensionPath: string): { dir: string; isDefault: true } {
  return { dir: path.join(extensionPath, 'dist', 'models', 'default'), isDefault: true };
}

/** The bundle that data-parallel training threads run (built by build.js). */
export function trainingWorkerScript(extensionPath: string): string {
  return path.join(extensionPath, 'dist', 'training-worker.js');
}

/**
 * The model folder to use: `nuclei.modelPath` when set (`~` and `${workspaceFolder}` expanded,
 * relative paths taken from the first workspace folder), else the bundled default.
 */
export function resolveModelDir(config: NucleiConfig, extensionPath: string): { dir: string; isDefault: boolean } {
  if (!config.modelPath) return bundledModel(extensionPath);
  let p = resolveSettingPath(config.modelPath);
  // A path to model.json means its folder.
  if (path.basename(p) === MODEL_JSON) p = path.dirname(p);
  return { dir: p, isDefault: false };
}

/** A path typed in a setting: `~` and `${workspaceFolder}` expanded, relative paths taken from the first workspace folder. */
export function resolveSettingPath(setting: string): string {
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let p = setting.replace(/\$\{workspaceFolder\}/g, workspace ?? '');
  if (p === '~' || p.startsWith('~/')) p = path.join(os.homedir(), p.slice(1));
  return path.isAbsolute(p) ? p : path.resolve(workspace ?? process.cwd(), p);
}

/**
 * Why the model folder can't be used (before TF.js is even loaded), or undefined when it looks fine.
 */
export function modelProblem(model: { dir: string; isDefault: boolean }): string | undefined {
  if (hasModelJson(model.dir)) return undefined;
  return model.isDefault
    ? `the bundled default model is missing (${model.dir}); set nuclei.modelPath to a trained model folder`
    : `nuclei.modelPath points to ${model.dir}, which has no ${MODEL_JSON}`;
}
