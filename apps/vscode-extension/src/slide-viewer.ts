// "Open slide result": a whole slide's result (`nuclei slide merge`, or `nuclei segment` block by
// block) in a viewer that, as QuPath and napari do, reads only the tiles in view: the page asks for
// tiles at the level its zoom needs, the host cuts them from the OME-Zarr labels and the slide.
import * as path from 'path';
import * as vscode from 'vscode';
import { errorMessage, type Logger } from './log';
import type { SlideView } from './nuclei-api';
import { nucleusRows } from './webview/nucleus-rows';
import { createNucleiPanel } from './webview/panel';
import type { SlidePayload } from './webview/messages';

/** What the page gets first: the slide's size, levels and counts (the rows follow). */
export function slidePayload(view: SlideView, tile: number): SlidePayload {
  const s = view.summary;
  return {
    fileName: path.basename(s.image),
    width: view.width,
    height: view.height,
    levels: view.levels,
    tile,
    count: s.count,
    unit: s.pixelSize ? 'um' : 'px',
    uncertain: s.uncertain,
    ...(view.imageProblem ? { imageProblem: view.imageProblem } : {}),
  };
}

/** Opens `uri` (a `NAME.ome.zarr` folder or its `NAME.json`), or one the user picks. */
export async function openSlideCommand(context: vscode.ExtensionContext, log: Logger, uri?: vscode.Uri): Promise<void> {
  const target =
    uri ??
    (
      await vscode.window.showOpenDialog({
        canSelectFiles: true,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: 'Open slide result',
        title: 'A slide result: NAME.ome.zarr (or its NAME.json), as nuclei slide merge writes it',
        filters: { 'Slide summary': ['json'] },
      })
    )?.[0];
  if (!target) return;
  const api = await import('./nuclei-api');
  let view: SlideView;
  try {
    view = await api.openSlideView(target.fsPath);
  } catch (err) {
    log.error(`slide: cannot open ${target.fsPath}`, err);
    void vscode.window.showErrorMessage(`Nuclei: ${errorMessage(err)}`);
    return;
  }
  log.info(`slide: ${view.summaryPath}: ${view.width}x${view.height}, ${view.summary.count} nuclei, ${view.levels} levels`);
  if (view.imageProblem) log.info(`slide: ${view.imageProblem}`);
  const panel = createNucleiPanel(context.extensionUri, 'slide', `Nuclei: ${path.basename(view.summary.image)} (slide)`, [], async (message, p) => {
    if (message.type !== 'tile') return;
    try {
      const t = await view.tile(message.level, message.tx, message.ty);
      // Not replayed: a rebuilt page asks again for the tiles it shows.
      p.poke({ type: 'tile', ...t });
    } catch (err) {
      log.error(`slide: tile ${message.level}/${message.tx},${message.ty} of ${view.summaryPath}`, err);
    }
  });
  panel.send({ type: 'slide', payload: slidePayload(view, api.VIEW_TILE) });
  try {
    const { rows, unit } = await view.measurements();
    const nuclei = nucleusRows(rows, view.summary.pixelSize ?? 1);
    panel.send({ type: 'slideRows', nuclei, unit: unit === 'um' ? 'um' : 'px' });
  } catch (err) {
    log.error(`slide: measurements of ${view.summaryPath}`, err);
    panel.send({ type: 'error', message: `No table: ${errorMessage(err)}` });
  }
}
