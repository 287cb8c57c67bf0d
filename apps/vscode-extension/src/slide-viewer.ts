// "Open slide result": a whole slide's result (`nuclei slide merge`, or `nuclei segment` block by
// block) in a viewer that, as QuPath and napari do, reads only the tiles in view: the page asks for
// tiles at the level its zoom needs, the host cuts them from the OME-Zarr labels and the slide.
// The TIFF viewer shows a slide not segmented yet the same way (SlidePageHost without a result).
import * as path from 'path';
import * as vscode from 'vscode';
import { errorMessage, type Logger } from './log';
import type { SlideView } from './nuclei-api';
import { nucleusRows } from './webview/nucleus-rows';
import { createNucleiPanel, type NucleiPanel } from './webview/panel';
import { MAX_SLIDE_ROWS, type FromWebview, type SlidePayload } from './webview/messages';

/** What the page gets first: the slide's size, levels and counts (the rows follow). */
export function slidePayload(view: SlideView, tile: number): SlidePayload {
  const s = view.result?.summary;
  return {
    fileName: path.basename(view.image),
    width: view.width,
    height: view.height,
    levels: view.levels,
    tile,
    count: s?.count ?? 0,
    segmented: Boolean(s),
    unit: s?.pixelSize ? 'um' : 'px',
    uncertain: s?.uncertain ?? 0,
    ...(view.imageProblem ? { imageProblem: view.imageProblem } : {}),
  };
}

/** Serves a slide page: what it shows (a result, or a slide not segmented yet) and the tiles it asks for. */
export class SlidePageHost {
  private view: SlideView | undefined;

  constructor(private readonly log: Logger) {}

  /** Shows `view` (the page starts over with it), then its measurement rows. */
  async show(panel: NucleiPanel, view: SlideView): Promise<void> {
    this.view = view;
    const api = await import('./nuclei-api');
    panel.send({ type: 'slide', payload: slidePayload(view, api.VIEW_TILE) });
    if (!view.result) return;
    try {
      const { rows, unit, total } = await view.measurements(MAX_SLIDE_ROWS);
      panel.send({ type: 'slideRows', nuclei: nucleusRows(rows, view.result.summary.pixelSize ?? 1), unit: unit === 'um' ? 'um' : 'px', total });
    } catch (err) {
      this.log.error(`slide: measurements of ${view.result.summaryPath}`, err);
      panel.send({ type: 'error', message: `No table: ${errorMessage(err)}` });
    }
  }

  /** A tile the page asks for (not replayed: a rebuilt page asks again for the tiles it shows). True when handled. */
  async answer(message: FromWebview, panel: NucleiPanel): Promise<boolean> {
    if (message.type !== 'tile') return false;
    const view = this.view;
    if (!view) return true;
    try {
      const t = await view.tile(message.level, message.tx, message.ty);
      if (view === this.view) panel.poke({ type: 'tile', ...t });
    } catch (err) {
      this.log.error(`slide: tile ${message.level}/${message.tx},${message.ty} of ${view.image}`, err);
    }
    return true;
  }
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
  log.info(`slide: ${view.result!.summaryPath}: ${view.width}x${view.height}, ${view.result!.summary.count} nuclei, ${view.levels} levels`);
  if (view.imageProblem) log.info(`slide: ${view.imageProblem}`);
  const host = new SlidePageHost(log);
  const panel = createNucleiPanel(context.extensionUri, 'slide', `Nuclei: ${path.basename(view.image)} (slide)`, [], (m, p) =>
    host.answer(m, p).then(() => undefined),
  );
  await host.show(panel, view);
}
