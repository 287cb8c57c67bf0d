// The image viewer for TIFF (VS Code's own preview cannot show it): a read-only custom editor on
// the segment page. It shows the image (8-bit view; a page picker for multi-page files), and its
// Segment button puts the nuclei overlay and the measurement table into the same tab.
import * as path from 'path';
import * as vscode from 'vscode';
import { buildPayload, runSegmentation, saveFromPage, type SegmentationSession } from './commands/segmentImage';
import { errorMessage, type Logger } from './log';
import { MAX_DISPLAY_PIXELS, type ToWebview } from './webview/messages';
import { attachNucleiPage } from './webview/panel';

export const IMAGE_VIEW_TYPE = 'nuclei.imageViewer';

export class NucleiImageEditor implements vscode.CustomReadonlyEditorProvider {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Logger,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, webviewPanel: vscode.WebviewPanel): Promise<void> {
    const file = document.uri.fsPath;
    let channel = 0;
    let session: SegmentationSession | undefined;
    const page = attachNucleiPage(
      webviewPanel,
      this.context.extensionUri,
      'segment',
      `Nuclei: ${path.basename(file)}`,
      [vscode.Uri.file(path.dirname(file))],
      async (m, p) => {
        if (m.type === 'channel') {
          channel = m.channel;
          session = undefined;
          p.send(await this.imageMessage(file, channel));
        } else if (m.type === 'segment') {
          const done = await runSegmentation(this.context, this.log, file, { channel: (await this.pages(file)) > 1 ? channel : undefined });
          if (done) {
            session = done;
            p.send({ type: 'segmentation', payload: await buildPayload(p, done) });
          }
        } else if (m.type === 'save' && session) {
          await saveFromPage(session, m.what, m.pickLocation, p, this.log, m.overlay);
        }
      },
    );
    page.send(await this.imageMessage(file, channel));
  }

  private async pages(file: string): Promise<number> {
    return (await import('./engine')).imagePages(file);
  }

  /** The image (one page) as the page shows it, or an error naming the file. */
  private async imageMessage(file: string, channel: number): Promise<ToWebview> {
    try {
      const engine = await import('./engine');
      const pages = await engine.imagePages(file);
      const image = await engine.readImage(file, pages > 1 ? channel : undefined);
      const png = await engine.encodePng(image, MAX_DISPLAY_PIXELS);
      this.log.info(`viewer: ${file} ${image.width}x${image.height}${pages > 1 ? `, page ${channel} of ${pages}` : ''}`);
      return {
        type: 'image',
        payload: {
          fileName: path.basename(file),
          imageSrc: `data:image/png;base64,${png.toString('base64')}`,
          width: image.width,
          height: image.height,
          pages,
          channel,
        },
      };
    } catch (err) {
      this.log.error(`viewer: ${file}`, err);
      return { type: 'error', message: `Cannot show ${path.basename(file)}: ${errorMessage(err)}` };
    }
  }
}
