// "Segment nuclei in image": picks the image (argument, active image editor, or a file dialog) and
// its channel, then hands it to the segmentation session (segment, show in the overlay viewer).
import * as path from 'path';
import * as vscode from 'vscode';
import { IMAGE_EXTENSIONS, isSupportedImage } from '../image-files';
import type { Logger } from '../log';
import { runSegmentation, showSegmentation, type SegmentationSession } from '../segmentation-session';

/** The image shown in the active editor tab (an image preview / custom editor, or a text editor). */
export function activeImageUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups?.activeTabGroup?.activeTab?.input as { uri?: vscode.Uri } | undefined;
  const candidates = [input?.uri, vscode.window.activeTextEditor?.document.uri];
  return candidates.find((u): u is vscode.Uri => !!u && u.scheme === 'file' && isSupportedImage(u.fsPath));
}

export async function pickImage(arg?: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const active = activeImageUri();
  if (active) return active;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Segment nuclei',
    title: 'Choose a microscopy image',
    filters: { Images: IMAGE_EXTENSIONS },
  });
  return picked?.[0];
}

/** Segments an image with the model in use, or with `modelDir` (a model just trained, tried before it is put to use). */
export async function segmentImageCommand(
  context: vscode.ExtensionContext,
  log: Logger,
  arg?: unknown,
  modelDir?: string,
): Promise<SegmentationSession | undefined> {
  const uri = await pickImage(arg);
  if (!uri) {
    log.info('segment: no image chosen');
    return undefined;
  }
  const file = uri.fsPath;
  if (!isSupportedImage(file)) {
    void vscode.window.showErrorMessage(`Nuclei: ${path.basename(file)} is not a supported image (${IMAGE_EXTENSIONS.join(', ')}).`);
    return undefined;
  }
  const channel = await pickChannel(file);
  if (channel === null) return undefined;
  const session = await runSegmentation(context, log, file, { modelDir, channel });
  if (session) await showSegmentation(context, log, session);
  return session;
}

/**
 * The nuclear channel of a multi-page image (ImageJ hyperstack / OME-TIFF channels), asked with a
 * quick pick; undefined for ordinary images (RGB goes to the model as it is), null when dismissed.
 */
export async function pickChannel(file: string): Promise<number | undefined | null> {
  const api = await import('../nuclei-api');
  const pages = await api.imagePages(file);
  if (pages <= 1) return undefined;
  const items = Array.from({ length: pages }, (_, c) => ({ label: `Channel ${c}`, description: `page ${c + 1} of ${pages}`, channel: c }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `${path.basename(file)} has ${pages} channels`,
    placeHolder: 'Which channel shows the nuclei (for example DAPI or Hoechst)?',
  });
  return picked ? picked.channel : null;
}
