// The labels viewer: a saved label image (`*_labels.png`) opened from the explorer is shown as a
// result, over the image it was made from (found by source-image.ts), as QuPath and napari reopen
// a labels layer: the segment viewer's page, measurements, saving and Edit mode
// (presentSegmentation), not segmented again. Without its image the labels are shown alone on a
// dark background and "Open with image..." picks one (remembered for that file). A PNG that is not
// a label image says so in one line; VS Code's image preview stays one "Reopen Editor With" away.
import * as path from 'path';
import * as vscode from 'vscode';
import { IMAGE_EXTENSIONS } from './image-files';
import { errorMessage, type Logger } from './log';
import { readSavedLabels, savedResultSession, type SavedLabels } from './saved-result';
import { presentSegmentation, type SegmentationSession } from './segmentation-session';
import { findSourceImage, type SourceImage } from './source-image';
import type { FromWebview } from './webview/messages';
import { attachNucleiPage, type NucleiPanel } from './webview/panel';

export const LABELS_VIEW_TYPE = 'nuclei.labelsViewer';
export const PICK_IMAGE_COMMAND = 'nuclei.labelsViewer.pickImage';
/** The images picked for label files (label file -> image), in the workspace's state. */
const CHOSEN_KEY = 'nuclei.labelsImages';
/** VS Code's own image preview. */
const IMAGE_PREVIEW = 'imagePreview.previewEditor';
const PICK = 'Open with image...';
const PREVIEW = 'Open in image preview';

export class NucleiLabelsEditor implements vscode.CustomReadonlyEditorProvider {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Logger,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, webviewPanel: vscode.WebviewPanel): Promise<void> {
    const file = document.uri.fsPath;
    const name = path.basename(file);
    const source = findSourceImage(file, chosenImages(this.context)[file]);
    // The page's messages go to the session's handler once there is one.
    let handler: ((m: FromWebview, p: NucleiPanel) => Promise<void>) | undefined;
    const folders = [...new Set([path.dirname(file), ...(source.image ? [path.dirname(source.image)] : [])])];
    const page = attachNucleiPage(
      webviewPanel,
      this.context.extensionUri,
      'segment',
      `Nuclei: ${name}`,
      folders.map((d) => vscode.Uri.file(d)),
      (m, p) => handler?.(m, p),
    );
    let saved: SavedLabels;
    try {
      saved = await readSavedLabels(file);
    } catch (err) {
      this.log.error(`labels: ${file}`, err);
      page.send({ type: 'error', message: `Cannot show ${errorMessage(err)}` });
      void vscode.window.showErrorMessage(`Nuclei: cannot show ${errorMessage(err)}`, PREVIEW).then((choice) => {
        if (choice === PREVIEW) void vscode.commands.executeCommand('vscode.openWith', document.uri, IMAGE_PREVIEW);
      });
      return;
    }
    const session = await this.session(saved, source);
    if (!session) {
      page.send({ type: 'error', message: `Cannot show ${name}: see the Nuclei output channel` });
      return;
    }
    this.log.info(`labels: ${file}: ${saved.count} nuclei${source.image ? ` over ${source.image} (${source.via})` : ', no image'}`);
    await presentSegmentation(this.context, this.log, session, (onMessage) => {
      handler = onMessage;
      return page;
    });
  }

  /** The labels over their image, else alone (saying why, with a way to pick the image). */
  private async session(saved: SavedLabels, source: SourceImage): Promise<SegmentationSession | undefined> {
    const name = path.basename(saved.file);
    const { summary } = source;
    // The model the summary records, else a name that says it is not known.
    const modelDir = typeof summary?.model === 'string' && summary.model ? summary.model : path.join(source.outDir, 'unknown model');
    const input = summary?.input;
    const plane = { ...(typeof input?.channel === 'number' ? { channel: input.channel } : {}), ...(input?.z !== undefined ? { z: input.z } : {}) };
    // Outputs are written back where they came from; labels beside their image (a training pair) keep the run folder of the image.
    const back = { outDir: source.outDir, baseName: source.baseName };
    let why = `no image found for ${name}`;
    if (source.image) {
      try {
        return await savedResultSession(this.log, saved, { imagePath: source.image, plane, summary, modelDir, ...(source.isOutput ? back : {}) });
      } catch (err) {
        this.log.error(`labels: ${saved.file} over ${source.image}`, err);
        why = `cannot show ${name} over ${path.basename(source.image)}: ${errorMessage(err)}`;
      }
    }
    void vscode.window.showWarningMessage(`Nuclei: ${why}; the labels are shown alone.`, PICK).then((choice) => {
      if (choice === PICK) void vscode.commands.executeCommand(PICK_IMAGE_COMMAND, vscode.Uri.file(saved.file));
    });
    try {
      return await savedResultSession(this.log, saved, { summary, modelDir, ...back });
    } catch (err) {
      this.log.error(`labels: ${saved.file}`, err);
      return undefined;
    }
  }
}

function chosenImages(context: vscode.ExtensionContext): Record<string, string> {
  return context.workspaceState.get<Record<string, string>>(CHOSEN_KEY) ?? {};
}

/** The label file in the active tab, when the labels viewer shows it. */
function activeLabelsUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups?.activeTabGroup?.activeTab?.input as { uri?: vscode.Uri; viewType?: string } | undefined;
  return input?.viewType === LABELS_VIEW_TYPE ? input.uri : undefined;
}

/**
 * "Open with image...": the user picks the image of a label file; it is remembered for that file
 * and the labels viewer shows the labels over it (its open tab is closed, asking about unsaved
 * corrections as any viewer does, and opened again).
 */
export async function pickImageCommand(context: vscode.ExtensionContext, log: Logger, arg?: unknown): Promise<string | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : activeLabelsUri();
  if (!uri) return undefined;
  const file = uri.fsPath;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    defaultUri: vscode.Uri.file(path.dirname(file)),
    openLabel: 'Show the labels over it',
    title: `The image of ${path.basename(file)}`,
    filters: { Images: IMAGE_EXTENSIONS },
  });
  const image = picked?.[0]?.fsPath;
  if (!image) return undefined;
  await context.workspaceState.update(CHOSEN_KEY, { ...chosenImages(context), [file]: image });
  log.info(`labels: ${file} goes with ${image} (chosen)`);
  const open = (vscode.window.tabGroups?.all ?? [])
    .flatMap((g) => g.tabs)
    .filter((t) => {
      const input = t.input as { uri?: vscode.Uri; viewType?: string } | undefined;
      return input?.viewType === LABELS_VIEW_TYPE && input.uri?.fsPath === file;
    });
  if (open.length) await vscode.window.tabGroups.close(open);
  await vscode.commands.executeCommand('vscode.openWith', uri, LABELS_VIEW_TYPE);
  return image;
}
