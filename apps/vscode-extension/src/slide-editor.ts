// The TIFF viewer on a whole slide (above 50 megapixels): the slide page, shown by tiles, never the
// whole image in memory. A result made before with the model in use is shown at once; otherwise its
// Segment button segments block by block (slide-segmentation.ts) and the result replaces the bare
// slide in the same tab.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { readConfig, resolveModelDir } from './config';
import { choosePlanes } from './image-planes';
import { errorMessage, type Logger } from './log';
import { runFolder } from './segmentation-session';
import { segmentSlideCommand } from './slide-segmentation';
import { SlidePageHost } from './slide-viewer';
import { attachNucleiPage } from './webview/panel';

export async function resolveSlideEditor(
  context: vscode.ExtensionContext,
  log: Logger,
  file: string,
  webviewPanel: vscode.WebviewPanel,
  reason: string,
): Promise<void> {
  const name = path.basename(file);
  const api = await import('./nuclei-api');
  const host = new SlidePageHost(log);
  const axes = await api.imageAxes(file);
  // Several channels: the nuclear one, asked once per folder (shown and segmented).
  const planes = (await choosePlanes(context, file, axes)) ?? {};
  const page = attachNucleiPage(webviewPanel, context.extensionUri, 'slide', `Nuclei: ${name}`, [], async (m, p) => {
    if (await host.answer(m, p)) return;
    if (m.type !== 'segment') return;
    const made = await segmentSlideCommand(context, log, file, {
      channel: planes.channel,
      reason,
      show: async (summary) => host.show(p, await api.openSlideView(summary)),
    });
    if (!made) p.send({ type: 'error', message: `${name} was not segmented (see the notification); finished blocks are kept, and Segment resumes from them.` });
  });
  const summary = path.join(runFolder(file, resolveModelDir(readConfig(), context.extensionPath).dir), `${api.slideBase(file)}.json`);
  try {
    const view = fs.existsSync(summary) ? await api.openSlideView(summary) : await api.openSlideImage(file, { channel: planes.channel });
    log.info(`viewer: ${file} is ${reason}: shown by tiles${view.result ? `, with its result ${summary}` : ''}`);
    await host.show(page, view);
  } catch (err) {
    log.error(`viewer: ${file}`, err);
    page.send({ type: 'error', message: `Cannot show ${name}: ${errorMessage(err)}` });
  }
}
