// Saves corrected labels as training data: NAME_labels.png (16-bit; NAME_labels.tif, 32-bit, above
// 65,535 labels) beside the image, the image + label-image pairs layout the dataset loader reads,
// or into `nuclei.correctionsFolder` with a copy of the image so that folder alone is a training
// set. A sidecar NAME_labels.nuclei.json says where the labels came from; it is also how a label
// file nuclei wrote is told from one the user made, which is never replaced without asking.
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { EditTally } from '@nuclei/segmentation/label-edit';
import { readConfig, resolveSettingPath } from '../config';
import { errorMessage, type Logger } from '../log';
import { modelName } from '../model-status';
import type { CorrectionSession } from './session';
import { FINE_TUNE_COMMAND, recordSavedCorrection } from './status';

/** What the sidecar records. */
export interface CorrectionSidecar {
  tool: 'nuclei';
  /** The image these labels go with (its file name, in the same folder). */
  image: string;
  /** The label image (file name) and its SHA-1: a file changed since is no longer taken as nuclei's. */
  labels: string;
  labelsSha1: string;
  /** The image copied here (corrections folder, Save As). */
  source?: string;
  /** The page of a multi-page image. */
  channel?: number;
  /** The model that made the starting labels. */
  model: { dir: string; name: string };
  created: string;
  updated: string;
  count: number;
  tally: EditTally;
}

export const sidecarPath = (dir: string, stem: string): string => path.join(dir, `${stem}_labels.nuclei.json`);

function readSidecar(file: string): CorrectionSidecar | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as CorrectionSidecar;
    return s && s.tool === 'nuclei' && typeof s.labels === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

const sha1 = (data: Uint8Array) => createHash('sha1').update(data).digest('hex');

/** Whether nuclei wrote `labelsFile` as it is now (its sidecar names it and its hash matches). */
export function writtenByNuclei(labelsFile: string, sidecar = readSidecar(sidecarPath(path.dirname(labelsFile), stemOfLabels(labelsFile)))): boolean {
  if (!sidecar || sidecar.labels !== path.basename(labelsFile)) return false;
  try {
    return sha1(fs.readFileSync(labelsFile)) === sidecar.labelsSha1;
  } catch {
    return false;
  }
}

function stemOfLabels(labelsFile: string): string {
  return path.basename(labelsFile, path.extname(labelsFile)).replace(/_labels$/, '');
}

/**
 * Another image named like the one about to be copied into `dir` (the same stem, any image
 * extension), which would make the pair ambiguous or be overwritten; `fine` says which file of that
 * name may be replaced (the copy made earlier, or what Save As already asked about). `isImage`:
 * what the dataset loader would pair (@nuclei/data's isDatasetImage).
 */
function imageClash(dir: string, imageName: string, isImage: (name: string) => boolean, fine: (file: string) => boolean): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const stem = path.basename(imageName, path.extname(imageName));
  return fs
    .readdirSync(dir)
    .filter((f) => isImage(f) && path.basename(f, path.extname(f)) === stem)
    .find((f) => !fine(f));
}

/** Copies a file so that the target is its old self or a whole copy (temp file, then rename). */
async function copyFileAtomic(from: string, to: string): Promise<void> {
  const tmp = path.join(path.dirname(to), `.${path.basename(to)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.promises.copyFile(from, tmp);
    await fs.promises.rename(tmp, to);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** Where the pair goes: the folder, the image's name there, and the image to copy there (if any). */
function pairLocation(imagePath: string, imageDest?: string): { dir: string; imageName: string; copyFrom?: string } {
  const dest =
    imageDest ?? (readConfig().correctionsFolder ? path.join(resolveSettingPath(readConfig().correctionsFolder), path.basename(imagePath)) : imagePath);
  return { dir: path.dirname(dest), imageName: path.basename(dest), ...(path.resolve(dest) !== path.resolve(imagePath) ? { copyFrom: imagePath } : {}) };
}

/**
 * Writes the corrected labels (and, elsewhere than beside the image, a copy of the image) with
 * the sidecar, each file atomically; marks the corrections saved, counts them in the status bar
 * and offers fine-tuning. `imageDest`: Save As (the image goes there, the labels beside it).
 * Returns the label file written, or undefined when refused or cancelled.
 */
export async function saveCorrections(
  context: vscode.ExtensionContext,
  log: Logger,
  corrections: CorrectionSession,
  options: { imageDest?: string } = {},
): Promise<string | undefined> {
  const { imagePath, channel, imageless } = corrections.session;
  const name = path.basename(imagePath);
  if (imageless) {
    // Training data is an image with its labels: labels alone would teach nothing.
    void vscode.window.showErrorMessage(
      `Nuclei: ${name} is shown without its image, so its corrections cannot be saved as training data; choose the image (Open with image...) first. They stay backed up.`,
    );
    return undefined;
  }
  if (channel !== undefined && channel > 0) {
    // The loader reads page 0 of a multi-page TIFF: these labels would be paired with the wrong page.
    void vscode.window.showErrorMessage(
      `Nuclei: corrections of channel ${channel} of ${name} cannot be saved as training data yet (the dataset loader reads the first page of a multi-page image). They stay backed up.`,
    );
    return undefined;
  }
  const { dir, imageName, copyFrom } = pairLocation(imagePath, options.imageDest);
  const stem = path.basename(imageName, path.extname(imageName));
  const sidecarFile = sidecarPath(dir, stem);
  const previous = readSidecar(sidecarFile);
  try {
    const api = await import('../nuclei-api');
    const clash =
      copyFrom &&
      imageClash(dir, imageName, api.isDatasetImage, (f) => (options.imageDest ? f === imageName : f === imageName && previous?.source === copyFrom));
    if (clash) {
      void vscode.window.showErrorMessage(
        `Nuclei: ${dir} already holds another image named ${stem} (${clash}); rename one of them or choose another nuclei.correctionsFolder. The corrections are not saved yet.`,
      );
      return undefined;
    }
    const snapshot = corrections.snapshot();
    const file = await api.encodeLabelImage(snapshot.labels, snapshot.width, snapshot.height);
    const labelsFile = path.join(dir, `${stem}_labels.${file.ext}`);
    const otherFile = path.join(dir, `${stem}_labels.${file.ext === 'png' ? 'tif' : 'png'}`);
    if (fs.existsSync(labelsFile) && !writtenByNuclei(labelsFile, previous)) {
      const choice = await vscode.window.showWarningMessage(
        `Nuclei: ${path.basename(labelsFile)} already exists in ${dir} and was not written by Nuclei. Replace it with the corrected labels of ${name}?`,
        { modal: true },
        'Replace',
      );
      if (choice !== 'Replace') {
        log.info(`corrections: kept ${labelsFile}; the corrections of ${name} are not saved`);
        return undefined;
      }
    }
    await fs.promises.mkdir(dir, { recursive: true });
    if (copyFrom) await copyFileAtomic(copyFrom, path.join(dir, imageName));
    await api.writeFileAtomic(labelsFile, file.data);
    // A label image of the other format written earlier (fewer or more labels then) would be a second label image.
    if (fs.existsSync(otherFile) && writtenByNuclei(otherFile, previous)) await fs.promises.rm(otherFile, { force: true });
    const now = new Date().toISOString();
    const sidecar: CorrectionSidecar = {
      tool: 'nuclei',
      image: imageName,
      labels: path.basename(labelsFile),
      labelsSha1: sha1(file.data),
      ...(copyFrom ? { source: copyFrom } : {}),
      ...(channel === undefined ? {} : { channel }),
      model: { dir: corrections.startModelDir, name: modelName(corrections.startModelDir) },
      created: previous?.created ?? now,
      updated: now,
      count: snapshot.count,
      tally: snapshot.tally,
    };
    await api.writeFileAtomic(sidecarFile, JSON.stringify(sidecar, null, 2) + '\n');
    await corrections.markSaved(snapshot, labelsFile);
    await recordSavedCorrection(context, { labels: labelsFile, image: path.join(dir, imageName), count: snapshot.count, tally: snapshot.tally, savedAt: now });
    log.info(`corrections: ${name}: ${snapshot.count} nuclei saved to ${labelsFile}${copyFrom ? ` with a copy of the image` : ''}`);
    void vscode.window
      .showInformationMessage(
        `Nuclei: saved the corrected labels of ${name} (${snapshot.count} nuclei) as training data: ${path.basename(labelsFile)} in ${dir}`,
        'Fine-tune on my corrections',
        'Reveal',
      )
      .then((choice) => {
        if (choice === 'Fine-tune on my corrections')
          vscode.commands.executeCommand(FINE_TUNE_COMMAND, vscode.Uri.file(dir)).then(undefined, (err) => log.error('corrections: fine-tuning', err));
        if (choice === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(labelsFile));
      });
    return labelsFile;
  } catch (err) {
    log.error(`corrections: saving the corrections of ${name} failed`, err);
    void vscode.window.showErrorMessage(`Nuclei: could not save the corrections of ${name}: ${errorMessage(err)}. They stay backed up.`);
    return undefined;
  }
}
