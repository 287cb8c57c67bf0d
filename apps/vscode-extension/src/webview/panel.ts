// Creates a webview panel for one of the pages: scripts on, resources limited to the
// extension's dist/webview (plus the given folders, e.g. the image's), HTML from renderWebviewHtml.
// Messages sent before the page says 'ready' are held, and all are replayed when the page
// reloads (a hidden webview is discarded and rebuilt), so the page always has the full story.
// A message can be given as a function: it is made when posted, so a rebuilt page gets the state
// of that moment (the corrected labels, not the first segmentation).
import * as vscode from 'vscode';
import { renderWebviewHtml } from './html';
import { isFromWebview, type FromWebview, type ToWebview, type ViewKind } from './messages';

export interface NucleiPanel {
  panel: vscode.WebviewPanel;
  /**
   * Sends now if the page is ready, else when it is; kept for replay (a function: made at each post;
   * undefined: nothing). Settles once VS Code has taken the message (or the panel is gone), so work
   * that would hold up the host (measuring every nucleus) can wait until the page has what to show.
   */
  send(message: ToWebview | (() => ToWebview | undefined)): Promise<void>;
  /** Sends now if the page is ready, else drops it; never replayed (a key press, not state). */
  poke(message: ToWebview): void;
  readonly disposed: boolean;
}

/** Open segmentation viewers (panels and TIFF editors), for the viewer commands. */
const viewers = new Set<NucleiPanel>();

/** The viewer in the active tab, if any. */
export function activeViewer(): NucleiPanel | undefined {
  return [...viewers].find((v) => v.panel.active);
}

export function createNucleiPanel(
  extensionUri: vscode.Uri,
  view: ViewKind,
  title: string,
  extraRoots: vscode.Uri[],
  onMessage: (message: FromWebview, panel: NucleiPanel) => void | Promise<void>,
): NucleiPanel {
  // The viewer opens beside the image (both stay in sight); the training and evaluation pages in place.
  const column = view === 'segment' ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
  const panel = vscode.window.createWebviewPanel(`nuclei.${view}`, title, column, { enableScripts: true });
  return attachNucleiPage(panel, extensionUri, view, title, extraRoots, onMessage);
}

/** Puts a page into a webview panel made elsewhere (a custom editor's), with the same options and message handling. */
export function attachNucleiPage(
  panel: vscode.WebviewPanel,
  extensionUri: vscode.Uri,
  view: ViewKind,
  title: string,
  extraRoots: vscode.Uri[],
  onMessage: (message: FromWebview, panel: NucleiPanel) => void | Promise<void>,
): NucleiPanel {
  const scriptsDir = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  panel.webview.options = { enableScripts: true, localResourceRoots: [scriptsDir, ...extraRoots] };
  const sent: Array<ToWebview | (() => ToWebview | undefined)> = [];
  const post = async (m: ToWebview | (() => ToWebview | undefined)) => {
    const message = typeof m === 'function' ? m() : m;
    if (message) await panel.webview.postMessage(message);
  };
  let ready = false;
  let disposed = false;
  /** Sends waiting for the page to be ready: settled at its first replay, or when the panel goes. */
  const waiting: Array<() => void> = [];
  const result: NucleiPanel = {
    panel,
    send(message) {
      sent.push(message);
      if (disposed) return Promise.resolve();
      if (ready) return post(message).catch(() => undefined);
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    poke(message) {
      if (ready && !disposed) void panel.webview.postMessage(message);
    },
    get disposed() {
      return disposed;
    },
  };
  panel.onDidDispose(() => {
    disposed = true;
    for (const resolve of waiting.splice(0)) resolve();
    viewers.delete(result);
  });
  if (view === 'segment' || view === 'slide') viewers.add(result);
  panel.webview.html = renderWebviewHtml({
    view,
    title,
    cspSource: panel.webview.cspSource,
    scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(scriptsDir, `${view}.js`)).toString(),
  });
  panel.webview.onDidReceiveMessage(async (m: unknown) => {
    if (!isFromWebview(m)) return;
    if (m.type === 'ready') {
      ready = true;
      try {
        for (const message of sent) await post(message);
      } finally {
        for (const resolve of waiting.splice(0)) resolve();
      }
    }
    await onMessage(m, result);
  });
  return result;
}
