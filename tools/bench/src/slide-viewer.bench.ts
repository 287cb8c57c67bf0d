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
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
