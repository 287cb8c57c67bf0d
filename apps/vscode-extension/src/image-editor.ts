// The image viewer for TIFF (VS Code's own preview cannot show it): a read-only custom editor on
// the segment page. It shows the image (8-bit view; a page picker for multi-page files), and its
// Segment button puts the nuclei overlay and the measurement table into the same tab.
import * as path from 'path';
import * as vscode from 'vscode';
import { buildPayload, runSegmentation, saveFromPage, type SegmentationSession } from './commands/segmentImage';
import { errorMessage, type Logger } from './log';
import type { RgbImage } from './engine';
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
    // The page shown: decoded and encoded once, then reused by Segment (a large TIFF is not read again).
    let shown: { image: RgbImage; src: string; pages: number } | undefined;
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
          p.send(await show());
        } else if (m.type === 'segment') {
          const done = await runSegmentation(this.context, this.log, file, { channel: shown && shown.pages > 1 ? channel : undefined, image: shown?.image });
          if (done) {
            session = done;
            p.send({ type: 'segmentation', payload: await buildPayload(p, done, shown?.src) });
          }
        } else if (m.type === 'save' && session) {
          await saveFromPage(session, m.what, m.pickLocation, p, this.log, m.overlay);
        }
      },
    );
    const show = async (): Promise<ToWebview> => {
      const r = await this.imageMessage(file, channel);
      shown = r.shown;
      return r.message;
    };
    page.send(await show());
  }

  /** The image (one page) as the page shows it, or an error naming the file. */
  private async imageMessage(file: string, channel: number): Promise<{ message: ToWebview; shown?: { image: RgbImage; src: string; pages: number } }> {
    try {
      const engine = await import('./engine');
      const pages = await engine.imagePages(file);
      const image = await engine.readImage(file, pages > 1 ? channel : undefined);
      const src = `data:image/png;base64,${(await engine.encodePng(image, MAX_DISPLAY_PIXELS)).toString('base64')}`;
      this.log.info(`viewer: ${file} ${image.width}x${image.height}${pages > 1 ? `, page ${channel} of ${pages}` : ''}`);
      return {
        message: { type: 'image', payload: { fileName: path.basename(file), imageSrc: src, width: image.width, height: image.height, pages, channel } },
        shown: { image, src, pages },
      };
    } catch (err) {
      this.log.error(`viewer: ${file}`, err);
      return { message: { type: 'error', message: `Cannot show ${path.basename(file)}: ${errorMessage(err)}` } };
    }
  }
}
