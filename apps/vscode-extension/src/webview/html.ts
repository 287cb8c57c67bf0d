// The one function that builds every webview page: a strict content security policy with a
// fresh nonce, one nonce'd script (the page's browser bundle from dist/webview) and no
// remote content. Free of `vscode` imports so the browser test can call it directly.
import { randomBytes } from 'crypto';
import type { ViewKind } from './messages';

export interface WebviewHtmlOptions {
  view: ViewKind;
  title: string;
  /** `webview.cspSource` (the origin that serves the extension's and the image's files). */
  cspSource: string;
  /** `webview.asWebviewUri(dist/webview/<view>.js)` as a string. */
  scriptUri: string;
  /** A fresh nonce is made when omitted (tests pass one to check it). */
  nonce?: string;
}

export function makeNonce(): string {
  return randomBytes(18)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
  :root { color-scheme: light dark; }
  body { margin: 0; padding: 0; font-family: var(--vscode-font-family, sans-serif); font-size: var(--vscode-font-size, 13px);
    color: var(--vscode-foreground, #222); background: var(--vscode-editor-background, #fff); }
  header { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; padding: 6px 10px;
    border-bottom: 1px solid var(--vscode-panel-border, #8884); }
  header .group { display: flex; gap: 6px; align-items: center; }
  button { font: inherit; padding: 2px 8px; cursor: pointer; color: var(--vscode-button-foreground, #fff);
    background: var(--vscode-button-background, #0e639c); border: 0; border-radius: 2px; }
  button.secondary { color: var(--vscode-button-secondaryForeground, #fff); background: var(--vscode-button-secondaryBackground, #5a5d5e); }
  button:disabled { opacity: 0.5; cursor: default; }
  .stat b { font-variant-numeric: tabular-nums; }
  body[data-view="segment"], body[data-view="slide"] { display: flex; flex-direction: column; height: 100vh; }
  #main { display: flex; flex: 1; min-height: 200px; }
  #stage { position: relative; overflow: hidden; flex: 1; min-width: 120px; cursor: grab; }
  #side { width: min(44em, 45vw); display: flex; flex-direction: column; border-left: 1px solid var(--vscode-panel-border, #8884); }
  #side.hidden { display: none; }
  /* Save: one split button; its menu opens below it, over the image. */
  .split { position: relative; gap: 1px; }
  #save-menu { position: absolute; top: 100%; left: 0; z-index: 5; display: flex; flex-direction: column; gap: 1px; padding: 2px;
    background: var(--vscode-menu-background, var(--vscode-editorWidget-background, #eee)); border: 1px solid var(--vscode-menu-border, var(--vscode-panel-border, #8886)); }
  #save-menu button { text-align: left; white-space: nowrap; }
  #save-menu.hidden { display: none; }
  /* Narrow panels: the table, when shown, takes the lower part instead of a column beside the image. */
  @media (max-width: 760px) {
    #main { flex-direction: column; }
    #side { width: auto; height: 40%; border-left: 0; border-top: 1px solid var(--vscode-panel-border, #8884); }
  }
  #selected { padding: 6px 10px; min-height: 2.6em; border-bottom: 1px solid var(--vscode-panel-border, #8884); }
  #table-wrap { overflow: auto; flex: 1; }
  #nuclei-table { margin: 0; width: 100%; font-size: 0.92em; }
  #nuclei-table th { position: sticky; top: 0; cursor: pointer; background: var(--vscode-editor-background, #fff); white-space: nowrap; }
  #nuclei-table th[aria-sort="ascending"]::after { content: " \\25B2"; }
  #nuclei-table th[aria-sort="descending"]::after { content: " \\25BC"; }
  #nuclei-table tbody tr { cursor: pointer; }
  #nuclei-table tr.hovered { background: var(--vscode-list-hoverBackground, #8882); }
  #nuclei-table tr.selected { background: var(--vscode-list-activeSelectionBackground, #0e639c); color: var(--vscode-list-activeSelectionForeground, #fff); }
  :focus-visible { outline: 1px solid var(--vscode-focusBorder, #0090f1); outline-offset: -1px; }
  /* High-contrast themes: every control and cell gets the theme's contrast border. */
  body.vscode-high-contrast th, body.vscode-high-contrast td, body.vscode-high-contrast-light th, body.vscode-high-contrast-light td { border-color: var(--vscode-contrastBorder); }
  body.vscode-high-contrast button, body.vscode-high-contrast-light button { border: 1px solid var(--vscode-contrastBorder); }
  body.vscode-high-contrast #nuclei-table tr.selected, body.vscode-high-contrast-light #nuclei-table tr.selected { outline: 1px dashed var(--vscode-contrastActiveBorder, var(--vscode-contrastBorder)); }
  #stage.dragging { cursor: grabbing; }
  body[data-mode="edit"]:not([data-tool="select"]) #stage:not(.dragging) { cursor: crosshair; }
  #edit-bar button.tool[aria-pressed="true"] { outline: 1px solid var(--vscode-focusBorder, #0090f1); }
  #brush-size { min-width: 6.5em; text-align: center; font-variant-numeric: tabular-nums; }
  .dirty { color: var(--vscode-editorWarning-foreground, #b58900); }
  #nuclei-table tr.provisional td { font-style: italic; opacity: 0.75; }
  #nuclei-table td { white-space: nowrap; }
  #nuclei-table td:first-child { min-width: 5ch; }
  #stage canvas { position: absolute; left: 0; top: 0; image-rendering: pixelated; }
  #hover { min-width: 16em; }
  #status { padding: 6px 10px; }
  .charts { display: flex; flex-wrap: wrap; gap: 12px; padding: 10px; }
  .charts figure { margin: 0; max-width: 100%; }
  .charts canvas { max-width: 100%; height: auto; }
  .charts figcaption { font-weight: bold; margin-bottom: 4px; }
  table { border-collapse: collapse; margin: 10px; font-variant-numeric: tabular-nums; }
  th, td { border: 1px solid var(--vscode-panel-border, #8886); padding: 3px 8px; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  tr.mean td { font-weight: bold; }
  #metrics th { cursor: pointer; }
  #metrics th[aria-sort="ascending"]::after { content: " \\25B2"; }
  #metrics th[aria-sort="descending"]::after { content: " \\25BC"; }
  /* Results pages fit the panel: the table scrolls inside it, its header row and image column stay put. */
  body[data-view="evaluate"] { display: flex; flex-direction: column; height: 100vh; }
  #metrics-wrap { flex: 1; min-height: 0; overflow: auto; margin: 0 10px 10px; }
  #metrics { margin: 0; }
  #metrics thead th { position: sticky; top: 0; z-index: 1; background: var(--vscode-editor-background, #fff); }
  #metrics tbody td:first-child, #metrics tfoot td:first-child, #metrics th:first-child { position: sticky; left: 0; background: var(--vscode-editor-background, #fff); }
  #metrics thead th:first-child { z-index: 2; }
  #metrics tfoot td { position: sticky; bottom: 0; background: var(--vscode-editor-background, #fff); }
  #metrics td:first-child { white-space: nowrap; }
  #metrics tr.opens { cursor: pointer; }
  #metrics tr.opens:hover td { background: var(--vscode-list-hoverBackground, #8882); }
  #metrics td.better { font-weight: bold; }
  #metrics td.better::before { content: "\\25B2 "; font-size: 0.75em; color: var(--vscode-testing-iconPassed, #388a34); }
  #metrics td.up { color: var(--vscode-testing-iconPassed, #388a34); }
  #metrics td.down { color: var(--vscode-errorForeground, #c00); }
  #metrics tr.flagged td:first-child .flag { color: var(--vscode-editorWarning-foreground, #b58900); }
  #verdict { padding: 6px 10px; font-weight: bold; }
  .note { padding: 0 10px; }
  #level-low, #level-high { width: 72px; }
  #min-area, #max-area { width: 6em; }
  .loading { position: absolute; left: 12px; top: 12px; padding: 4px 8px; background: var(--vscode-editorWidget-background, #eee); border: 1px solid var(--vscode-contrastBorder, transparent); }
  .error { color: var(--vscode-errorForeground, #c00); padding: 6px 10px; }
  .hidden { display: none !important; }
  details#skipped { padding: 6px 10px; }
`;

const BODIES: Record<ViewKind, string> = {
  segment: `
  <header>
    <span class="group hidden" id="segment-group"><button id="segment-now" title="Segment this image with the model in use">Segment nuclei</button>
      <span class="group hidden" id="channel-group"><label for="channel">Nuclear channel</label> <select id="channel"></select></span>
      <span class="group hidden" id="plane-group"><label for="plane">Z</label> <select id="plane"></select></span></span>
    <span id="axes-status" class="hidden"></span>
    <span class="group"><label><input type="checkbox" id="fill" checked> Fill</label>
      <label><input type="checkbox" id="outline" checked> Outline</label></span>
    <span class="group"><label for="opacity">Opacity</label>
      <input type="range" id="opacity" min="0" max="100" value="45"> <span id="opacity-value">45%</span></span>
    <span class="group" title="Display only: what is segmented and measured never changes"><label><input type="checkbox" id="auto-contrast" checked> Auto contrast</label>
      <label for="level-low">Black</label><input type="range" id="level-low" min="0" max="255" value="0" aria-label="Black level">
      <label for="level-high">White</label><input type="range" id="level-high" min="0" max="255" value="255" aria-label="White level">
      <span id="levels">0&ndash;255</span></span>
    <span class="group"><button id="zoom-out" class="secondary" title="Zoom out">&minus;</button>
      <span id="zoom-value">100%</span>
      <button id="zoom-in" class="secondary" title="Zoom in">+</button>
      <button id="zoom-fit" class="secondary" title="Fit to window">Fit</button></span>
    <span class="stat">Nuclei: <b id="count">&ndash;</b></span>
    <span class="stat">Mean area: <b id="mean-area">&ndash;</b> <span id="area-unit">px</span></span>
    <span class="group" id="filter-group" title="As ImageJ's Analyze Particles: the table, the count and the overlay show only the nuclei kept (saved files hold them all)">
      <label for="min-area">Area</label> <input type="number" id="min-area" min="0" step="any" placeholder="min" aria-label="Minimum area">
      &ndash; <input type="number" id="max-area" min="0" step="any" placeholder="max" aria-label="Maximum area"> <span class="filter-unit">px</span>
      <label><input type="checkbox" id="exclude-edges"> Exclude on edges</label></span>
    <span class="group hidden" id="measure-group"><label for="measure-channel">Intensities</label> <select id="measure-channel"></select></span>
    <label><input type="checkbox" id="show-table" checked> Table</label>
    <span class="group hidden" id="edit-group"><button id="edit-toggle" class="secondary" aria-pressed="false" aria-controls="edit-bar"
      title="Correct the nuclei by hand: delete, merge, split, draw, paint, erase (E)">Edit</button>
      <span id="dirty" class="dirty hidden" title="Save corrections (Ctrl+S) writes them">&#9679; unsaved corrections</span></span>
    <span id="file-name"></span>
  </header>
  <header id="edit-bar" class="hidden" role="toolbar" aria-label="Edit tools">
    <span class="group">
      <button class="tool" id="tool-select" title="Select (V): click a nucleus; Shift or Ctrl + click adds one; drag pans">Select</button>
      <button class="tool secondary" id="tool-split" title="Split (S): drag a line across a nucleus; or Alt + click two or more seeds in it, then Enter">Split</button>
      <button class="tool secondary" id="tool-draw" title="Draw (D): outline a new nucleus freehand; it is filled on release">Draw</button>
      <button class="tool secondary" id="tool-brush" title="Brush (B): paint the selected nucleus, or a new one when none is selected">Brush</button>
      <button class="tool secondary" id="tool-erase" title="Eraser (X): paint background">Eraser</button></span>
    <span class="group">
      <button id="edit-delete" class="secondary" title="Delete the selected nuclei (Delete or Backspace)">Delete</button>
      <button id="edit-merge" class="secondary" title="Merge the selected nuclei into one (M)">Merge</button></span>
    <span class="group"><button id="brush-smaller" class="secondary" title="Smaller brush ([)">&minus;</button>
      <span id="brush-size">Brush 6 px</span>
      <button id="brush-larger" class="secondary" title="Larger brush (])">+</button>
      <label title="Brush and Draw leave other nuclei as they are"><input type="checkbox" id="only-background" checked> Paint only on background</label></span>
    <span class="group"><button id="edit-undo" class="secondary" title="Undo (Ctrl+Z)">Undo</button>
      <button id="edit-redo" class="secondary" title="Redo (Ctrl+Shift+Z or Ctrl+Y)">Redo</button>
      <button id="save-corrections" title="Save the corrected label image as training data (Ctrl+S)">Save corrections</button></span>
    <span id="edit-hint" aria-live="polite"></span>
    <span class="note">Pan: middle button or Space + drag; zoom: wheel</span>
  </header>
  <header id="saves">
    <span class="group split" id="save-group"><button id="save-all" title="Save every output (mask, labels, overlay, CSV, measurements, ROIs, GeoJSON, summary) in the run folder">Save all</button><button
      id="save-more" aria-haspopup="menu" aria-expanded="false" aria-controls="save-menu" title="Save one output, or all of them to a folder you pick">&#9662;</button>
      <span id="save-menu" class="menu hidden" role="menu" aria-label="Save">
        <button role="menuitem" id="save-mask" class="secondary">Mask</button>
        <button role="menuitem" id="save-labels" class="secondary">Labels</button>
        <button role="menuitem" id="save-overlay" class="secondary">Overlay</button>
        <button role="menuitem" id="save-csv" class="secondary">CSV (run-length)</button>
        <button role="menuitem" id="save-measurements" class="secondary" title="One row per nucleus: area, perimeter, axes, intensities (_measurements.csv)">Measurements</button>
        <button role="menuitem" id="save-rois" class="secondary" title="ImageJ ROI Manager outlines (_rois.zip)">ROIs (ImageJ)</button>
        <button role="menuitem" id="save-geojson" class="secondary" title="QuPath detections (.geojson)">GeoJSON (QuPath)</button>
        <button role="menuitem" id="save-pick" class="secondary">All to folder&hellip;</button></span></span>
    <span id="saved"></span>
    <span class="stat" id="hover" aria-live="polite">&nbsp;</span>
  </header>
  <div id="error" class="error hidden"></div>
  <div id="main">
    <div id="stage"><canvas id="view" role="img" aria-label="Image with the nuclei found"></canvas>
      <div id="loading" class="loading" role="status">Loading the image&hellip;</div></div>
    <aside id="side" aria-label="Measurements per nucleus">
      <div id="selected" aria-live="polite">Click a nucleus or a row to select it.</div>
      <div id="measuring" class="hidden" role="status">Measuring the nuclei&hellip;</div>
      <div id="table-wrap"><table id="nuclei-table"></table></div>
    </aside>
  </div>`,
  train: `
  <header>
    <span id="status">Waiting for training to start&hellip;</span>
    <span class="stat">Epoch <b id="epoch">&ndash;</b></span>
    <span class="stat">Batch <b id="batch">&ndash;</b></span>
    <span class="stat">Loss <b id="loss">&ndash;</b></span>
    <span class="stat">IoU <b id="iou">&ndash;</b></span>
    <span class="stat">ETA <b id="eta">&ndash;</b></span>
    <span class="stat">Validation <b id="val">&ndash;</b></span>
    <button id="cancel" class="secondary">Cancel</button>
  </header>
  <header id="done-actions" class="hidden">
    <span class="group">The trained model:
      <button id="action-use" title="Make it nuclei.modelPath: segmenting and evaluating use it">Use it</button>
      <button id="action-segment" title="Segment an image with it, without putting it in use">Segment an image with it</button>
      <button id="action-evaluate" title="Score it on a labelled folder">Evaluate it</button></span>
  </header>
  <div id="error" class="error hidden"></div>
  <details id="skipped" class="hidden"><summary id="skipped-title"></summary><ul id="skipped-list"></ul></details>
  <div class="charts">
    <figure><figcaption>Loss per epoch (dotted line: the best epoch, which best/ holds)</figcaption><canvas id="chart-loss" width="520" height="260" role="img" aria-label="Training and validation loss per epoch"></canvas></figure>
    <figure><figcaption>IoU per epoch (train, validation)</figcaption><canvas id="chart-iou" width="520" height="260" role="img" aria-label="Training and validation IoU per epoch"></canvas></figure>
  </div>`,
  slide: `
  <header>
    <button id="segment-now" class="hidden" title="Segment the whole slide block by block with the model in use (resumable: cancelled, the finished blocks are kept)">Segment nuclei</button>
    <span class="group"><label><input type="checkbox" id="fill" checked> Fill</label>
      <label><input type="checkbox" id="outline" checked> Outline</label></span>
    <span class="group"><label for="opacity">Opacity</label>
      <input type="range" id="opacity" min="0" max="100" value="45"> <span id="opacity-value">45%</span></span>
    <span class="group"><button id="zoom-out" class="secondary" title="Zoom out">&minus;</button>
      <span id="zoom-value">100%</span>
      <button id="zoom-in" class="secondary" title="Zoom in">+</button>
      <button id="zoom-fit" class="secondary" title="Fit to window">Fit</button>
      <span id="level" title="The resolution shown: tiles of the slide shrunk this much, full resolution once zoomed in"></span></span>
    <span class="stat">Nuclei: <b id="count">&ndash;</b></span>
    <span class="stat" id="size"></span>
    <label><input type="checkbox" id="show-table" checked> Table</label>
    <span id="file-name"></span>
    <span class="stat" id="hover" aria-live="polite">&nbsp;</span>
  </header>
  <div id="note" class="note hidden" role="status"></div>
  <div id="error" class="error hidden"></div>
  <div id="main">
    <div id="stage"><canvas id="view" role="img" aria-label="The slide with the nuclei found"></canvas>
      <div id="loading" class="loading" role="status">Loading tiles&hellip;</div></div>
    <aside id="side" aria-label="Measurements per nucleus">
      <div id="selected" aria-live="polite">Click a nucleus or a row to select it.</div>
      <div id="table-wrap"><table id="nuclei-table"></table></div>
    </aside>
  </div>`,
  evaluate: `
  <header><span id="status">Evaluating&hellip;</span>
    <button id="export-csv" class="secondary" disabled title="Save this table (every row, the mean, full precision) as CSV">Export CSV</button></header>
  <div id="error" class="error hidden"></div>
  <div id="verdict" class="hidden" role="status"></div>
  <div id="note" class="note"></div>
  <div id="metrics-wrap"><table id="metrics"></table></div>`,
};

/** Builds the HTML of a webview page. */
export function renderWebviewHtml(options: WebviewHtmlOptions): string {
  const nonce = options.nonce ?? makeNonce();
  const csp = [
    `default-src 'none'`,
    `img-src ${options.cspSource} data: blob:`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${options.cspSource} 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp.replace(/"/g, '&quot;')}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>${escapeHtml(options.title)}</title>
  <style nonce="${nonce}">${STYLE}</style>
</head>
<body data-view="${options.view}">${BODIES[options.view]}
  <script nonce="${nonce}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>`;
}
