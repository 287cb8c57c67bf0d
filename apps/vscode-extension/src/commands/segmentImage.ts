// "Segment nuclei in image": picks the image (argument, active image editor, or a file dialog) and
// its channel and plane (image-planes.ts), then hands it to the segmentation session (segment,
// show in the overlay viewer).
import * as path from 'path';
import * as vscode from 'vscode';
import { IMAGE_EXTENSIONS, isSupportedImage } from '../image-files';
import { choosePlanes, planeInput } from '../image-planes';
import type { Logger } from '../log';
import { runSegmentation, showSegmentation, type SegmentationSession } from '../segmentation-session';
import { segmentSlideCommand } from '../slide-segmentation';

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
  // Several channels or planes: asked once per folder (remembered), never the first in silence.
  const api = await import('../nuclei-api');
  const axes = await api.imageAxes(file);
  const planes = await choosePlanes(context, file, axes);
  if (!planes) return undefined;
  // A whole slide: block by block, into the slide viewer (it never holds the whole image).
  const blockwise = await api.blockwiseReason(file, false);
  if (blockwise) {
    if (planes.z !== undefined) {
      void vscode.window.showErrorMessage(
        `Nuclei: ${path.basename(file)} is ${blockwise} with ${axes.planes} Z planes; slides are segmented one plane at a time: save the plane (or a projection) as its own file.`,
      );
      return undefined;
    }
    await segmentSlideCommand(context, log, file, { modelDir, channel: planes.channel, reason: blockwise });
    return undefined;
  }
  const session = await runSegmentation(context, log, file, { modelDir, ...planes, input: planeInput(axes, planes) });
  if (session) await showSegmentation(context, log, session);
  return session;
}
