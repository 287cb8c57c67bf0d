// Registers the commands; everything else lives in ./commands (and loads TF.js lazily).
import * as vscode from 'vscode';
import { compareModelsCommand, evaluateModelCommand } from './commands/evaluateModel';
import { segmentBatchCommand } from './commands/segmentBatch';
import { segmentImageCommand } from './commands/segmentImage';
import { selectModelCommand } from './commands/selectModel';
import { fineTuneOnCorrectionsCommand } from './commands/fineTuneOnCorrections';
import { trainModelCommand } from './commands/trainModel';
import { createCorrectionsStatus, FINE_TUNE_COMMAND } from './corrections/status';
import { IMAGE_VIEW_TYPE, NucleiImageEditor } from './image-editor';
import { LABELS_VIEW_TYPE, NucleiLabelsEditor, PICK_IMAGE_COMMAND, pickImageCommand } from './labels-editor';
import { createLogger } from './log';
import { createModelStatus } from './model-status';
import { openSlideCommand } from './slide-viewer';
import { VIEWER_ACTIONS } from './webview/messages';
import { activeViewer } from './webview/panel';

export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('Nuclei');
  const log = createLogger(channel);
  log.info(`Nuclei extension ${context.extension?.packageJSON?.version ?? ''} activated from ${context.extensionPath}`);
  context.subscriptions.push(
    channel,
    // The explorer passes the clicked file and the whole selection: several images are a batch.
    vscode.commands.registerCommand('nuclei.segmentImage', (uri?: vscode.Uri, selected?: vscode.Uri[]) =>
      selected && selected.length > 1 ? segmentBatchCommand(context, log, selected) : segmentImageCommand(context, log, uri),
    ),
    vscode.commands.registerCommand('nuclei.segmentFolder', (uri?: vscode.Uri) => segmentFolder(context, log, uri)),
    vscode.commands.registerCommand('nuclei.trainModel', (uri?: vscode.Uri) => trainModelCommand(context, log, uri)),
    vscode.commands.registerCommand('nuclei.evaluateModel', (uri?: vscode.Uri) => evaluateModelCommand(context, log, uri)),
    vscode.commands.registerCommand('nuclei.compareModels', (uri?: vscode.Uri) => compareModelsCommand(context, log, uri)),
    vscode.commands.registerCommand('nuclei.openSlide', (uri?: vscode.Uri) => openSlideCommand(context, log, uri)),
    vscode.commands.registerCommand('nuclei.selectModel', () => selectModelCommand(context, log)),
    vscode.commands.registerCommand(FINE_TUNE_COMMAND, () => fineTuneOnCorrectionsCommand(context, log)),
    // The viewer's commands act on the viewer in the active tab (the palette shows them only then).
    ...VIEWER_ACTIONS.map((action) => vscode.commands.registerCommand(`nuclei.viewer.${action}`, () => activeViewer()?.poke({ type: 'viewer', action }))),
    vscode.window.registerCustomEditorProvider(IMAGE_VIEW_TYPE, new NucleiImageEditor(context, log), { supportsMultipleEditorsPerDocument: true }),
    // One view per label file: each view is a session with its own corrections.
    vscode.window.registerCustomEditorProvider(LABELS_VIEW_TYPE, new NucleiLabelsEditor(context, log)),
    vscode.commands.registerCommand(PICK_IMAGE_COMMAND, (uri?: vscode.Uri) => pickImageCommand(context, log, uri)),
  );
  createModelStatus(context);
  createCorrectionsStatus(context);
}

async function segmentFolder(context: vscode.ExtensionContext, log: ReturnType<typeof createLogger>, uri?: vscode.Uri) {
  const folder =
    uri ??
    (
      await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        openLabel: 'Segment all images',
        title: 'A folder of microscopy images',
      })
    )?.[0];
  return folder ? segmentBatchCommand(context, log, [folder]) : undefined;
}

export function deactivate(): void {
  // Nothing to release: panels and the channel are disposed through context.subscriptions.
}
