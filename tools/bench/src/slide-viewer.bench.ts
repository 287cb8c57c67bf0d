// The VS Code slide viewer's host side at real sizes: a synthetic slide of SIZE x SIZE (a tiled TIFF) segmented
// block by block (a threshold stands in for the U-Net: the viewer's work does not depend on it) and
// merged, then what "Open slide result" does, timed: opening the result, the first view (the tiles
// a 1400x860 window shows fitted, the overview read once), a zoom to full resolution at the centre,
// a pan by half a view, and reading the measurement table. Peak RSS says what the host holds.
// Run: npm run bench -- slide-viewer [-- --size 8192]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openSlideView, VIEW_TILE, type SlideView } from '@nuclei/slide';
import { writeSlideResult } from '../../../packages/slide/src/test-utils/slide-result';
import { nucleusRows } from '../../../apps/vscode-extension/src/webview/nucleus-rows';
import { CHROMIUM, openViewerPage } from './viewer-page';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
const SIZE = Number(arg('size', '8192'));
/** The image area of the viewer at 1400x860 with the table shown (measured in the layout test's window). */
const STAGE = { width: 784, height: 780 };

/** The tiles of `level` a view of the stage shows at `scale` with the slide pixel (cx, cy) at its centre. */
function tilesFor(view: SlideView, level: number, scale: number, cx: number, cy: number): [number, number][] {
  const side = VIEW_TILE * 2 ** level;
  const x0 = Math.max(0, cx - STAGE.width / 2 / scale);
  const y0 = Math.max(0, cy - STAGE.height / 2 / scale);
  const x1 = Math.min(view.width, cx + STAGE.width / 2 / scale);
  const y1 = Math.min(view.height, cy + STAGE.height / 2 / scale);
  const out: [number, number][] = [];
  for (let ty = Math.floor(y0 / side); ty * side < y1; ty++) for (let tx = Math.floor(x0 / side); tx * side < x1; tx++) out.push([tx, ty]);
  return out;
}

/** Peak resident memory of this process so far, MB. */
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-slide-viewer-bench-'));
  try {
    const [summary, makeMs] = await timed(() => writeSlideResult(dir, SIZE, SIZE, { chunk: 1024, format: 'tif' }));
    console.log(
      `slide ${SIZE}x${SIZE} (${((SIZE * SIZE) / 1e6).toFixed(0)} MP), ${summary.count} nuclei; result written in ${(makeMs / 1000).toFixed(0)} s (not the viewer)`,
    );
    const rssBefore = peakRssMb();
    const [view, openMs] = await timed(() => openSlideView(summary.outputs.zarr));
    const fitScale = Math.min(STAGE.width / SIZE, STAGE.height / SIZE);
    const fitLevel = Math.max(0, Math.min(view.levels - 1, Math.floor(Math.log2(1 / fitScale))));
    const read = async (level: number, list: [number, number][]) => {
      const times: number[] = [];
      for (const [tx, ty] of list) times.push((await timed(() => view.tile(level, tx, ty)))[1]);
      return times;
    };
    const [, topMs] = await timed(() => view.tile(view.levels - 1, 0, 0));
    const fitTiles = tilesFor(view, fitLevel, fitScale, SIZE / 2, SIZE / 2);
    const fit = await read(fitLevel, fitTiles);
    const zoom = tilesFor(view, 0, 1, SIZE / 2, SIZE / 2);
    const zoomMs = await read(0, zoom);
    const pan = tilesFor(view, 0, 1, SIZE / 2 + STAGE.width / 2, SIZE / 2).filter(([tx, ty]) => !zoom.some(([a, b]) => a === tx && b === ty));
    const panMs = await read(0, pan);
    const [table, tableMs] = await timed(() => view.measurements());
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    console.log(`levels ${view.levels}; window 1400x860 (image area ${STAGE.width}x${STAGE.height}); fitted at level ${fitLevel}`);
    console.log(`open the result (summary, pyramid, slide):   ${openMs.toFixed(0)} ms`);
    console.log(
      `first view: top tile (reads the overview once) ${topMs.toFixed(0)} ms, then ${fit.length} tiles of level ${fitLevel}: ${sum(fit).toFixed(0)} ms`,
    );
    console.log(`  -> first view on the host:                  ${(openMs + topMs + sum(fit)).toFixed(0)} ms`);
    console.log(`zoom to full resolution at the centre:       ${zoom.length} tiles, ${sum(zoomMs).toFixed(0)} ms (median ${med(zoomMs).toFixed(0)} ms a tile)`);
    console.log(`pan by half a view:                          ${pan.length} new tiles, ${sum(panMs).toFixed(0)} ms`);
    console.log(`measurement table: ${table.rows.length} rows read in ${tableMs.toFixed(0)} ms`);
    console.log(`peak RSS: ${peakRssMb().toFixed(0)} MB (${rssBefore.toFixed(0)} MB before opening: writing the result)`);
    await pageFigures(view, table.rows.length ? nucleusRows(table.rows) : []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The page in chromium at 1400x860: every tile it asks for is answered at once (their bytes made
 * in Node beforehand and fetched untimed), so this times the page's own work: from the slide
 * message to the view drawn (fitted), then a row click to the nucleus drawn at full resolution.
 */
async function pageFigures(view: SlideView, rows: unknown[]): Promise<void> {
  if (!CHROMIUM) {
    console.log('page: SKIPPED (chromium not found: apt-get install -y chromium, or set NUCLEI_CHROMIUM)');
    return;
  }
  // Every tile of the levels a fitted view and a zoom around any nucleus can ask for is too many at
  // full resolution: the fitted view's levels whole, and level 0 around the first row's nucleus.
  const files: Record<string, Uint8Array> = {};
  const put = async (level: number, tx: number, ty: number) => {
    const t = await view.tile(level, tx, ty);
    files[`/tile/${level}/${tx}/${ty}`] = Buffer.concat([
      Buffer.from(Uint32Array.of(t.width, t.height).buffer),
      Buffer.from(t.image),
      Buffer.from(t.labels.buffer),
    ]);
  };
  for (let level = 2; level < view.levels; level++) {
    const side = VIEW_TILE * 2 ** level;
    for (let ty = 0; ty * side < view.height; ty++) for (let tx = 0; tx * side < view.width; tx++) await put(level, tx, ty);
  }
  const first = rows[0] as { centroidX: number; centroidY: number } | undefined;
  for (let l = 0; l < 2 && first; l++) {
    const side = VIEW_TILE * 2 ** l;
    const [cx, cy] = [Math.floor(first.centroidX / side), Math.floor(first.centroidY / side)];
    for (let ty = Math.max(0, cy - 2); ty <= cy + 2 && ty * side < view.height; ty++)
      for (let tx = Math.max(0, cx - 2); tx <= cx + 2 && tx * side < view.width; tx++) await put(l, tx, ty);
  }
  const viewer = await openViewerPage({ width: 1400, height: 860 }, files, 'slide');
  try {
    const { page, errors } = viewer;
    const payload = {
      fileName: 'slide.tif',
      width: view.width,
      height: view.height,
      levels: view.levels,
      tile: VIEW_TILE,
      count: rows.length,
      segmented: true,
      unit: 'px',
      uncertain: 0,
    };
    // The host's part, played in the page: tile requests answered from the bytes served.
    // (void: the loop runs on in the page; evaluate returns at once.)
    const serve = `void (async () => {
      const w = window;
      w.__served = 0;
      for (;;) {
        const asked = w.__posted.splice(0).filter((m) => m.type === 'tile');
        for (const m of asked) {
          const r = await fetch('/tile/' + m.level + '/' + m.tx + '/' + m.ty);
          if (!r.ok) continue;
          const buf = await r.arrayBuffer();
          const [width, height] = new Uint32Array(buf, 0, 2);
          const image = new Uint8Array(buf, 8, width * height * 3).slice();
          const labels = new Uint32Array(buf.slice(8 + width * height * 3));
          w.postMessage({ type: 'tile', level: m.level, tx: m.tx, ty: m.ty, width, height, image, labels }, '*');
          w.__served++;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })()`;
    await page.evaluate(serve);
    const drawn = (after: () => void) =>
      page.evaluate(`new Promise((resolve) => {
        const t0 = performance.now();
        (${after.toString()})();
        const check = () => (document.body.dataset.state === 'drawn' && !document.getElementById('loading').offsetParent ? resolve(performance.now() - t0) : requestAnimationFrame(check));
        requestAnimationFrame(check);
      })`);
    await page.evaluate((p: unknown) => ((window as unknown as { __payload: unknown }).__payload = p), payload);
    // Three first views (each slide message starts the page over: tiles asked and drawn again).
    const fits: number[] = [];
    for (let i = 0; i < 3; i++)
      fits.push((await drawn(() => window.postMessage({ type: 'slide', payload: (window as unknown as { __payload: unknown }).__payload }, '*'))) as number);
    const level = await page.evaluate(() => document.body.dataset.level);
    // The rows staged in the page first (untimed), then timed from the message to the table filled.
    await page.evaluate((r: unknown) => ((window as unknown as { __rows: unknown }).__rows = r), rows);
    const rowsMs = (await page.evaluate(`new Promise((resolve) => {
      const t0 = performance.now();
      window.postMessage({ type: 'slideRows', nuclei: window.__rows, unit: 'px', total: window.__rows.length }, '*');
      const check = () => (document.body.dataset.rows === String(window.__rows.length) && document.querySelector('#nuclei-table tbody tr') ? requestAnimationFrame(() => resolve(performance.now() - t0)) : requestAnimationFrame(check));
      requestAnimationFrame(check);
    })`)) as number;
    const clickMs = (await drawn(() => (document.querySelector('#nuclei-table tbody tr') as HTMLElement).click())) as number;
    const served = await page.evaluate(() => (window as unknown as { __served: number }).__served);
    console.log(`page (chromium, 1400x860; tiles answered at once): first view drawn ${fits.map((t) => t.toFixed(0)).join(', ')} ms at level ${level}`);
    console.log(
      `  ${rows.length} rows into the table ${rowsMs.toFixed(0)} ms; row click -> full resolution drawn ${clickMs.toFixed(0)} ms (level ${await page.evaluate(() => document.body.dataset.level)}); ${served} tiles served in all`,
    );
    console.log(`  (page errors: ${errors.length ? errors.join('; ') : 'none'})`);
  } finally {
    await viewer.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
