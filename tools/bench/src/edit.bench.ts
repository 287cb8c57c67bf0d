// The segmentation viewer's Edit mode on a large image, in the real page: Debian's chromium (via
// playwright-core, as the extension's browser test) loads the page bundle, gets a 4096x4096 label
// image with 10,000 nuclei, and each tool is timed inside the page with performance.now() around
// the synchronous handling of its event (the edit, the layer update in its box, the table, the
// redraw of the view), zoomed in on the nucleus edited (as a click on its table row zooms) and with
// the whole image in view. Not a test: it prints figures (aim: under 16 ms, one frame). Skips without chromium.
// Run: npm run bench -- edit [-- --reps 20]
import { CHROMIUM, openViewerPage } from './viewer-page';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
const reps = Number(arg('reps', '20'));
const SIDE = 4096;
/** Nuclei on a 100 x 100 grid, one per 40 px cell. */
const GRID = 100;

/** The tools timed, in this order (each rep works on its own nuclei, so every edit is a real one). */
const TOOLS = ['select', 'delete', 'merge', 'split line', 'draw', 'brush stroke', 'erase', 'undo', 'redo'] as const;
type Timings = Record<(typeof TOOLS)[number] | 'stroke move (preview)', number[]>;

async function main(): Promise<void> {
  if (!CHROMIUM) {
    console.log('SKIPPED edit benchmark: chromium not found (apt-get install -y chromium, or set NUCLEI_CHROMIUM)');
    return;
  }
  const viewer = await openViewerPage({ width: 1400, height: 900 });
  try {
    const { page, errors } = viewer;
    // The scene is made in the page (16 M labels do not cross the wire): ellipses of 10-16 px radii
    // on a grid, their rows, a probability map, and a gray image as a blob URL.
    const t0 = Date.now();
    await page.evaluate(
      async ([side, grid]: [number, number]) => {
        const labels = new Int32Array(side * side);
        const probability = new Uint8Array(side * side);
        const gray = new Uint8ClampedArray(side * side * 4);
        const cell = 40;
        const nuclei = [];
        for (let gy = 0; gy < grid; gy++) {
          for (let gx = 0; gx < grid; gx++) {
            const id = gy * grid + gx + 1;
            const cx = 48 + gx * cell + 20;
            const cy = 48 + gy * cell + 20;
            const rx = 12 + (id % 5);
            const ry = 10 + (id % 7);
            let area = 0;
            for (let y = cy - ry; y <= cy + ry; y++) {
              for (let x = cx - rx; x <= cx + rx; x++) {
                const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
                if (d > 1) continue;
                labels[y * side + x] = id;
                probability[y * side + x] = Math.round(255 * (1 - 0.6 * d));
                area++;
              }
            }
            const r = Math.sqrt(rx * ry);
            nuclei.push({
              label: id,
              area,
              perimeter: 2 * Math.PI * r,
              equivalentDiameter: 2 * Math.sqrt(area / Math.PI),
              majorAxisLength: 2 * Math.max(rx, ry),
              minorAxisLength: 2 * Math.min(rx, ry),
              eccentricity: Math.sqrt(1 - (Math.min(rx, ry) / Math.max(rx, ry)) ** 2),
              solidity: 1,
              meanIntensity: 180,
              centroidX: cx,
              centroidY: cy,
              box: [cx - rx, cy - ry, 2 * rx + 1, 2 * ry + 1],
            });
          }
        }
        for (let i = 0; i < side * side; i++) {
          const v = labels[i] ? 170 + (i % 23) : 25 + (i % 11);
          gray[4 * i] = gray[4 * i + 1] = gray[4 * i + 2] = v;
          gray[4 * i + 3] = 255;
        }
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = side;
        canvas.getContext('2d')!.putImageData(new ImageData(gray, side, side), 0, 0);
        const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
        const count = nuclei.length;
        const meanArea = nuclei.reduce((a, n) => a + n.area, 0) / count;
        window.postMessage(
          {
            type: 'segmentation',
            payload: {
              fileName: 'bench.png',
              imageSrc: URL.createObjectURL(blob),
              width: side,
              height: side,
              labels,
              count,
              meanArea,
              nuclei,
              unit: 'px',
              probability,
            },
          },
          '*',
        );
      },
      [SIDE, GRID] as [number, number],
    );
    await page.waitForSelector('body[data-state="drawn"]', { timeout: 300_000 });
    const loadMs = Date.now() - t0;
    await page.keyboard.press('e');
    await page.waitForSelector('body[data-mode="edit"]');

    const timings = { zoomed: await runTools(page, 'zoomed', 0), fit: await runTools(page, 'fit', 50) };
    console.log(
      `${SIDE}x${SIDE}, ${GRID * GRID} nuclei, display step ${await page.getAttribute('body', 'data-display-step')}; ` +
        `scene made, posted and shown in ${(loadMs / 1000).toFixed(1)} s; ${reps} reps per tool; ms per event handled in the page (median / max):`,
    );
    const cell = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `${s[Math.floor(s.length / 2)].toFixed(1).padStart(6)} / ${s[s.length - 1].toFixed(1).padStart(6)}`;
    };
    console.log(`${'tool'.padEnd(24)}${'zoomed in'.padStart(18)}${'whole image'.padStart(18)}`);
    for (const t of [...TOOLS, 'stroke move (preview)'] as const)
      console.log(`${t.padEnd(24)}${cell(timings.zoomed[t]).padStart(18)}${cell(timings.fit[t]).padStart(18)}`);
    const posted = await page.evaluate(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type !== 'ready').length);
    console.log(`(${posted} messages posted to the host; page errors: ${errors.length ? errors.join('; ') : 'none'})`);
  } finally {
    await viewer.close();
  }
}

/**
 * Times every tool `reps` times inside the page, on nuclei from grid row `row0` on. `zoomed`: each
 * op's nucleus is centred at an editing zoom first (untimed); `fit`: the whole image is in view.
 */
async function runTools(page: any, view: 'zoomed' | 'fit', row0: number): Promise<Timings> {
  return page.evaluate(
    ([mode, n, grid, firstRow]: [string, number, number, number]) => {
      const canvas = document.getElementById('view') as HTMLCanvasElement;
      const centre = (id: number) => [48 + ((id - 1) % grid) * 40 + 20, 48 + Math.floor((id - 1) / grid) * 40 + 20];
      const client = (x: number, y: number) => {
        const r = canvas.getBoundingClientRect();
        const d = canvas.dataset;
        const k = r.width / canvas.width;
        return { clientX: r.left + (Number(d.offsetX) + x * Number(d.scale)) * k, clientY: r.top + (Number(d.offsetY) + y * Number(d.scale)) * k };
      };
      const pointer = (type: string, x: number, y: number, extra: PointerEventInit = {}) =>
        canvas.dispatchEvent(
          new PointerEvent(type, { ...client(x, y), button: 0, buttons: type === 'pointerup' ? 0 : 1, pointerId: 1, bubbles: true, ...extra }),
        );
      const key = (k: string, extra: KeyboardEventInit = {}) => window.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, ...extra }));
      const timed = (f: () => void) => {
        const t = performance.now();
        f();
        return performance.now() - t;
      };
      const click = (x: number, y: number, extra: PointerEventInit = {}) => {
        pointer('pointerdown', x, y, extra);
        pointer('pointerup', x, y, extra);
      };
      // Puts nucleus `id` in the middle of the view as a click on its table row does (zoomed to about
      // 80 screen pixels a nucleus), or the whole image in view.
      const look = (id: number) => {
        (document.getElementById('zoom-fit') as HTMLButtonElement).click();
        if (mode !== 'zoomed') return;
        // Hovering the nucleus brings its row into the table; a click on the row centres it.
        const [x, y] = centre(id);
        canvas.dispatchEvent(new PointerEvent('pointermove', { ...client(x, y), pointerId: 1, bubbles: true }));
        (document.querySelector(`#nuclei-table tr[data-label="${id}"]`) as HTMLElement).click();
      };
      const stroke = (pts: number[][], t: Timings[keyof Timings], moves: number[]) => {
        pointer('pointerdown', pts[0][0], pts[0][1]);
        for (const [x, y] of pts.slice(1, -1)) moves.push(timed(() => pointer('pointermove', x, y)));
        const last = pts[pts.length - 1];
        t.push(timed(() => pointer('pointerup', last[0], last[1])));
      };
      const out = Object.fromEntries(
        ['select', 'delete', 'merge', 'split line', 'draw', 'brush stroke', 'erase', 'undo', 'redo', 'stroke move (preview)'].map((k) => [k, [] as number[]]),
      ) as Timings;
      const moves = out['stroke move (preview)'];
      // Nucleus for tool k, rep i: its own grid row, spread along it.
      const id = (k: number, i: number) => (firstRow + k * 5) * grid + 1 + i * 4;
      const tool = (k: string) => key(k);
      for (let i = 0; i < n; i++) {
        tool('v');
        let c = centre(id(0, i));
        look(id(0, i));
        out.select.push(timed(() => click(c[0], c[1])));
        c = centre(id(1, i));
        look(id(1, i));
        click(c[0], c[1]);
        out.delete.push(timed(() => key('Delete')));
        const [a, b] = [id(2, i), id(2, i) + 1];
        look(a);
        click(...(centre(a) as [number, number]));
        click(...(centre(b) as [number, number]), { shiftKey: true });
        out.merge.push(timed(() => key('m')));
        // Split: a vertical line through the middle of the nucleus, top to bottom, in 12 moves.
        tool('s');
        c = centre(id(3, i));
        look(id(3, i));
        stroke(
          Array.from({ length: 14 }, (_, j) => [c[0] + 0.3, c[1] - 20 + (40 * j) / 13]),
          out['split line'],
          moves,
        );
        // Draw: a 40-point outline of radius 8 in the gap below a nucleus.
        tool('v');
        c = centre(id(4, i));
        look(id(4, i));
        click(c[0], c[1] + 19.5); // nothing selected (background)
        tool('d');
        stroke(
          Array.from({ length: 40 }, (_, j) => [c[0] + 8 * Math.cos((2 * Math.PI * j) / 40), c[1] + 20 + 8 * Math.sin((2 * Math.PI * j) / 40)]),
          out.draw,
          moves,
        );
        // Brush (6 px): a new nucleus, a 30 px stroke in 15 moves across the gap beside a nucleus.
        tool('v');
        c = centre(id(5, i));
        look(id(5, i));
        click(c[0] + 19.5, c[1]);
        tool('b');
        stroke(
          Array.from({ length: 16 }, (_, j) => [c[0] + 20, c[1] - 15 + 2 * j]),
          out['brush stroke'],
          moves,
        );
        // Eraser (6 px): across a nucleus.
        tool('x');
        c = centre(id(6, i));
        look(id(6, i));
        stroke(
          Array.from({ length: 16 }, (_, j) => [c[0] - 15 + 2 * j, c[1]]),
          out.erase,
          moves,
        );
      }
      look(id(0, 0));
      for (let i = 0; i < n; i++) out.undo.push(timed(() => key('z', { ctrlKey: true })));
      for (let i = 0; i < n; i++) out.redo.push(timed(() => key('y', { ctrlKey: true })));
      return out;
    },
    [view, reps, GRID, row0] as [string, number, number, number],
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
