// The segmentation webview page in a real browser (Debian chromium via playwright-core): the
// page from renderWebviewHtml with its real script bundle, a stub acquireVsCodeApi and a
// synthetic image + label image. Skips when chromium is absent.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { packLabels, type NucleusRow, type SegmentationPayload } from '../src/webview/messages';
import { nucleusRows } from '../src/webview/nucleus-rows';
import { measureNuclei } from '../../../packages/segmentation/src/measurements';
import { CHROMIUM, describeBrowser, launchChromium, openStubbedPage, servePages, type PageServer } from './browser-page';
import { encodePng, makeSyntheticCase } from './fixtures';

type Rgba = [number, number, number, number];

describeBrowser('webview browser test')(`segmentation webview page in chromium${CHROMIUM ? '' : ' (SKIPPED: chromium not found)'}`, () => {
  jest.setTimeout(30_000);
  const c = makeSyntheticCase();
  // As the host builds them (buildPayload), in pixels.
  const rows: NucleusRow[] = nucleusRows(measureNuclei(c.labels, c.width, c.height, c.areas.length, { width: c.width, height: c.height, data: c.rgb }));

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-webview-'));
  let server: PageServer | undefined;
  let origin = '';
  let browser: any;
  let page: any;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    server = await servePages(tmp, await encodePng(c));
    origin = server.origin;
    browser = await launchChromium();
    page = await openStubbedPage(browser, `${origin}/`, { viewport: { width: 900, height: 560 }, errors: consoleErrors });
    await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
    const payload: SegmentationPayload = {
      fileName: 'synthetic.png',
      imageSrc: `${origin}/image.png`,
      width: c.width,
      height: c.height,
      labels: packLabels(c.labels, c.areas.length),
      count: c.areas.length,
      meanArea: c.areas.reduce((a, b) => a + b, 0) / c.areas.length,
      nuclei: rows,
      unit: 'px',
    };
    await page.evaluate((p: SegmentationPayload) => window.postMessage({ type: 'segmentation', payload: p }, '*'), payload);
    await page.waitForSelector('body[data-state="drawn"]');
    // Auto contrast is on by default; the pixel checks below compare with the image's own colours.
    autoLevels = (await page.getAttribute('body', 'data-levels')) ?? '';
    autoBackground = await pixelAt(5, 5);
    await page.uncheck('#auto-contrast');
  });
  let autoLevels = '';
  let autoBackground: Rgba = [0, 0, 0, 0];

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  /** A new page of `view` with a stub VS Code API (its posts in `__posted`, `state` as the saved state). */
  async function openPage(view = 'segment', state?: unknown, size = { width: 900, height: 560 }): Promise<any> {
    return openStubbedPage(browser, view === 'segment' ? `${origin}/` : `${origin}/?view=${view}`, { viewport: size, state });
  }

  /** Sends the synthetic case's segmentation to a page (labels as a typed array, as the host does). */
  async function postSegmentation(p: any, fileName = 'synthetic.png'): Promise<void> {
    await p.evaluate(
      ([payload, lab]: [Record<string, unknown>, number[]]) =>
        window.postMessage({ type: 'segmentation', payload: { ...payload, labels: Uint16Array.from(lab) } }, '*'),
      [
        { fileName, imageSrc: `${origin}/image.png`, width: c.width, height: c.height, count: c.areas.length, meanArea: 1, nuclei: rows, unit: 'px' },
        Array.from(c.labels),
      ],
    );
  }

  /** Reads the view canvas pixel that shows image pixel (x, y). */
  async function pixelAt(x: number, y: number): Promise<Rgba> {
    return page.evaluate(
      ([ix, iy]: [number, number]) => {
        const canvas = document.getElementById('view') as HTMLCanvasElement;
        const s = Number(canvas.dataset.scale),
          ox = Number(canvas.dataset.offsetX),
          oy = Number(canvas.dataset.offsetY);
        const d = canvas.getContext('2d')!.getImageData(Math.floor(ox + (ix + 0.5) * s), Math.floor(oy + (iy + 0.5) * s), 1, 1).data;
        return [d[0], d[1], d[2], d[3]];
      },
      [x, y],
    );
  }

  async function cssPointOf(x: number, y: number): Promise<[number, number]> {
    return page.evaluate(
      ([ix, iy]: [number, number]) => {
        const canvas = document.getElementById('view') as HTMLCanvasElement;
        const r = canvas.getBoundingClientRect();
        const k = r.width / canvas.width;
        const s = Number(canvas.dataset.scale),
          ox = Number(canvas.dataset.offsetX),
          oy = Number(canvas.dataset.offsetY);
        return [r.left + (ox + (ix + 0.5) * s) * k, r.top + (oy + (iy + 0.5) * s) * k];
      },
      [x, y],
    );
  }

  const near = (a: number[], b: number[], tol = 3) => a.slice(0, 3).every((v, i) => Math.abs(v - b[i]) <= tol);
  const setRange = (id: string, value: number) =>
    page.evaluate(
      ([i, v]: [string, number]) => {
        const el = document.getElementById(i) as HTMLInputElement;
        el.value = String(v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      },
      [id, value],
    );

  it('draws the overlay inside nuclei and leaves the background alone', async () => {
    const d = c.disks[1];
    const inside = await pixelAt(d.x, d.y);
    const outside = await pixelAt(5, 5);
    expect(near(outside, c.background)).toBe(true);
    expect(near(inside, c.nucleus)).toBe(false);
    expect(await page.textContent('#count')).toBe(String(c.disks.length));
    const mean = c.areas.reduce((a, b) => a + b, 0) / c.areas.length;
    expect(await page.textContent('#mean-area')).toBe(mean.toFixed(1));
    fs.mkdirSync(path.join(__dirname, '../test-output'), { recursive: true });
    await page.screenshot({ path: path.join(tmp, 'segment-view.png') });
    await page.screenshot({ path: path.join(__dirname, '../test-output/segment-view.png') });
    expect(consoleErrors).toEqual([]);
  });

  it('auto contrast stretches the display between percentile levels; off shows the image as it is; sliders set levels', async () => {
    // The synthetic image has two grays: background (mean 28) and nuclei (mean 177): they become black and white.
    expect(autoLevels).toBe('28,177');
    expect(autoBackground.slice(0, 3).every((v, k) => v < c.background[k])).toBe(true);
    expect(await page.getAttribute('body', 'data-levels')).toBe('0,255');
    expect(near(await pixelAt(5, 5), c.background)).toBe(true);
    await setRange('level-low', 20);
    expect(await page.getAttribute('body', 'data-levels')).toBe('20,255');
    expect(await page.isChecked('#auto-contrast')).toBe(false);
    const darker = await pixelAt(5, 5);
    expect(darker[0]).toBe(0); // red 20 is now the black level
    await setRange('level-low', 0);
    expect(near(await pixelAt(5, 5), c.background)).toBe(true);
  });

  it('fill toggle and opacity slider change the overlay', async () => {
    const d = c.disks[3];
    const before = await pixelAt(d.x, d.y);
    await page.uncheck('#fill');
    expect(near(await pixelAt(d.x, d.y), c.nucleus)).toBe(true);
    await page.check('#fill');
    expect(near(await pixelAt(d.x, d.y), before)).toBe(true);
    await setRange('opacity', 100);
    const full = await pixelAt(d.x, d.y);
    await setRange('opacity', 0);
    expect(near(await pixelAt(d.x, d.y), c.nucleus)).toBe(true);
    await setRange('opacity', 45);
    // At 100% the pixel is the label colour; at 45% it is between that and the image colour.
    for (let k = 0; k < 3; k++) {
      const expected = 0.45 * full[k] + 0.55 * c.nucleus[k];
      expect(Math.abs(before[k] - expected)).toBeLessThanOrEqual(3);
    }
    expect(near(full, before)).toBe(false);
    // The outline: a border pixel is yellow-ish when the outline is on, not when off.
    const edge = await pixelAt(d.x + d.r, d.y);
    await page.uncheck('#outline');
    const edgeOff = await pixelAt(d.x + d.r, d.y);
    await page.check('#outline');
    expect(near(edge, edgeOff)).toBe(false);
  });

  it('hovering a nucleus shows its id and area', async () => {
    const d = c.disks[4];
    const [x, y] = await cssPointOf(d.x, d.y);
    await page.mouse.move(x, y);
    await page.waitForFunction((t: string) => document.getElementById('hover')!.textContent!.includes(t), `Nucleus #5: ${c.areas[4]} px`);
    const [bx, by] = await cssPointOf(2, 2);
    await page.mouse.move(bx, by);
    await page.waitForFunction(() => document.getElementById('hover')!.textContent!.includes('Background'));
  });

  it('lists every nucleus in a table that sorts by a column, and hovering a nucleus marks its row', async () => {
    const labelsInOrder = () => page.$$eval('#nuclei-table tbody tr', (trs: HTMLElement[]) => trs.map((tr) => Number(tr.dataset.label)));
    expect(await labelsInOrder()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await page.$$eval('#nuclei-table th', (ths: Element[]) => ths.slice(0, 3).map((t) => t.textContent))).toEqual(['#', 'Area (px)', 'Perimeter (px)']);
    const byArea = [...c.areas.keys()].sort((a, b) => c.areas[b] - c.areas[a] || a - b).map((i) => i + 1);
    await page.click('#nuclei-table th[data-key="area"]');
    expect(await labelsInOrder()).toEqual(byArea); // largest first
    expect(await page.getAttribute('#nuclei-table th[data-key="area"]', 'aria-sort')).toBe('descending');
    await page.click('#nuclei-table th[data-key="area"]');
    expect(await labelsInOrder()).toEqual([...byArea].reverse());
    expect(await page.textContent('#nuclei-table tr[data-label="2"] td:nth-child(2)')).toBe(c.areas[1].toFixed(1));
    const d = c.disks[2];
    await page.mouse.move(...(await cssPointOf(d.x, d.y)));
    await page.waitForSelector('#nuclei-table tr.hovered[data-label="3"]');
    expect(await page.$$eval('#nuclei-table tr.hovered', (trs: Element[]) => trs.length)).toBe(1);
  });

  it('a row click selects and centres its nucleus; a click on a nucleus selects its row; a click on background clears', async () => {
    await page.click('#nuclei-table tr[data-label="6"]');
    expect(await page.getAttribute('#view', 'data-selected')).toBe('6');
    expect(await page.getAttribute('#nuclei-table tr[data-label="6"]', 'aria-selected')).toBe('true');
    expect(await page.textContent('#selected')).toMatch(new RegExp(`^Nucleus #6: area ${c.areas[5].toFixed(1)} px, perimeter [\\d.]+ px`));
    // Centred: the nucleus' centroid is at the middle of the canvas.
    const [x, y] = await cssPointOf(c.disks[5].x - 0.5, c.disks[5].y - 0.5);
    const box = await page.$eval('#view', (e: Element) => {
      const r = e.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    });
    expect(Math.abs(x - box[0])).toBeLessThan(2);
    expect(Math.abs(y - box[1])).toBeLessThan(2);
    await page.screenshot({ path: path.join(__dirname, '../test-output/segment-view-selected.png') });
    await page.click('#zoom-fit');
    const d = c.disks[0];
    await page.mouse.click(...(await cssPointOf(d.x, d.y)));
    expect(await page.getAttribute('#view', 'data-selected')).toBe('1');
    expect(await page.$$eval('#nuclei-table tr.selected', (trs: HTMLElement[]) => trs.map((t) => t.dataset.label))).toEqual(['1']);
    await page.mouse.click(...(await cssPointOf(2, 2)));
    expect(await page.getAttribute('#view', 'data-selected')).toBe('0');
    // The table can be hidden to give the image the whole width.
    const wide = async () => page.$eval('#stage', (e: Element) => e.getBoundingClientRect().width);
    const before = await wide();
    await page.uncheck('#show-table');
    expect(await wide()).toBeGreaterThan(before);
    await page.check('#show-table');
  });

  it('zoom buttons, wheel and drag change the view; save buttons post typed messages', async () => {
    const scale0 = Number(await page.getAttribute('#view', 'data-scale'));
    await page.click('#zoom-in');
    const scale1 = Number(await page.getAttribute('#view', 'data-scale'));
    expect(scale1).toBeCloseTo(scale0 * 1.25, 5);
    const [x, y] = await cssPointOf(c.width / 2, c.height / 2);
    await page.mouse.move(x, y);
    await page.mouse.wheel(0, 200);
    expect(Number(await page.getAttribute('#view', 'data-scale'))).toBeLessThan(scale1);
    const ox = Number(await page.getAttribute('#view', 'data-offset-x'));
    await page.mouse.down();
    await page.mouse.move(x + 40, y, { steps: 4 });
    await page.mouse.up();
    expect(Number(await page.getAttribute('#view', 'data-offset-x'))).toBeCloseTo(ox + 40, 0);
    await page.click('#zoom-in');
    await page.click('#zoom-in');
    await page.screenshot({ path: path.join(__dirname, '../test-output/segment-view-zoomed.png') });
    await page.click('#zoom-fit');
    expect(Number(await page.getAttribute('#view', 'data-scale'))).toBeCloseTo(scale0, 5);
    // Save is one split button: Save all, and a menu of the single outputs (it closes on a choice).
    const fromMenu = async (id: string) => {
      await page.click('#save-more');
      expect(await page.getAttribute('#save-more', 'aria-expanded')).toBe('true');
      await page.click(id);
      expect(await page.isVisible('#save-menu')).toBe(false);
    };
    await page.uncheck('#fill');
    await fromMenu('#save-overlay');
    await page.check('#fill');
    for (const id of ['#save-mask', '#save-measurements', '#save-rois', '#save-geojson', '#save-pick']) await fromMenu(id);
    await page.click('#save-all');
    // Escape closes the menu without saving.
    await page.click('#save-more');
    await page.keyboard.press('Escape');
    expect(await page.isVisible('#save-menu')).toBe(false);
    const posted = await page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
    // Every save says how the viewer draws the overlay, so the saved overlay is what it shows.
    const shown = { fill: true, outline: true, alpha: 0.45 };
    expect(posted).toEqual(
      expect.arrayContaining([
        { type: 'save', what: 'overlay', pickLocation: false, overlay: { ...shown, fill: false } },
        { type: 'save', what: 'mask', pickLocation: false, overlay: shown },
        { type: 'save', what: 'measurements', pickLocation: false, overlay: shown },
        { type: 'save', what: 'rois', pickLocation: false, overlay: shown },
        { type: 'save', what: 'geojson', pickLocation: false, overlay: shown },
        { type: 'save', what: 'all', pickLocation: true, overlay: shown },
        { type: 'save', what: 'all', pickLocation: false, overlay: shown },
      ]),
    );
    await page.evaluate(() => window.postMessage({ type: 'saved', files: ['/x/a_mask.png', '/x/a.csv'] }, '*'));
    await page.waitForFunction(() => document.getElementById('saved')!.textContent!.includes('a_mask.png, a.csv'));
  });

  it('viewer commands from the extension toggle layers and zoom; a rebuilt page keeps the zoom and pan', async () => {
    const d = c.disks[3];
    const before = await pixelAt(d.x, d.y);
    await page.evaluate(() => window.postMessage({ type: 'viewer', action: 'toggleFill' }, '*'));
    await page.waitForFunction(() => !(document.getElementById('fill') as HTMLInputElement).checked);
    expect(near(await pixelAt(d.x, d.y), c.nucleus)).toBe(true);
    await page.evaluate(() => window.postMessage({ type: 'viewer', action: 'toggleFill' }, '*'));
    await page.waitForFunction(() => (document.getElementById('fill') as HTMLInputElement).checked);
    expect(near(await pixelAt(d.x, d.y), before)).toBe(true);
    const s0 = Number(await page.getAttribute('#view', 'data-scale'));
    await page.evaluate(() => window.postMessage({ type: 'viewer', action: 'zoomIn' }, '*'));
    await page.waitForFunction((s: number) => Number(document.getElementById('view')!.dataset.scale) > s, s0);
    const view = await page.evaluate(() => ({ ...(document.getElementById('view') as HTMLCanvasElement).dataset }));
    const state = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    // A page rebuilt from that state (VS Code discards hidden webviews) shows the same view of the image.
    const again = await openPage('segment', state);
    expect(await again.isVisible('#loading')).toBe(true); // until the image is drawn
    await postSegmentation(again);
    await again.waitForSelector('body[data-state="drawn"]');
    expect(await again.isVisible('#loading')).toBe(false);
    expect(await again.evaluate(() => ({ ...(document.getElementById('view') as HTMLCanvasElement).dataset }))).toMatchObject({
      scale: view.scale,
      offsetX: view.offsetX,
      offsetY: view.offsetY,
    });
    await again.close();
    await page.evaluate(() => window.postMessage({ type: 'viewer', action: 'fit' }, '*'));
    await page.waitForFunction((s: number) => Math.abs(Number(document.getElementById('view')!.dataset.scale) - s) < 1e-9, s0);
  });

  it('shows an image above the display limit downsampled, with hover and the table still exact', async () => {
    const big = await openPage();
    // 4100 x 4000 (16.4 MP, over the 16 MP limit): one square nucleus, label 1, at x 2001..2099, y 1001..1099.
    const [w, h] = [4100, 4000];
    await big.evaluate(
      ([width, height, src]: [number, number, string]) => {
        const labels = new Uint16Array(width * height);
        for (let y = 1001; y < 1100; y++) labels.fill(1, y * width + 2001, y * width + 2100);
        const nuclei = [
          {
            label: 1,
            area: 99 * 99,
            perimeter: 392,
            equivalentDiameter: 111.7,
            majorAxisLength: 114,
            minorAxisLength: 114,
            eccentricity: 0,
            solidity: 1,
            meanIntensity: 1,
            centroidX: 2050,
            centroidY: 1050,
            box: [2001, 1001, 99, 99],
          },
        ];
        window.postMessage(
          { type: 'segmentation', payload: { fileName: 'big.png', imageSrc: src, width, height, labels, count: 1, meanArea: 9801, nuclei, unit: 'px' } },
          '*',
        );
      },
      [w, h, `${origin}/image.png`],
    );
    await big.waitForSelector('body[data-state="drawn"]', { timeout: 60_000 });
    expect(await big.getAttribute('body', 'data-display-step')).toBe('2');
    expect(await big.$$eval('#nuclei-table tbody tr', (trs: Element[]) => trs.length)).toBe(1);
    // The layers are halved, but hover reads the full-resolution label image.
    const at = await big.evaluate(
      ([ix, iy]: [number, number]) => {
        const canvas = document.getElementById('view') as HTMLCanvasElement;
        const r = canvas.getBoundingClientRect();
        const k = r.width / canvas.width;
        const sc = Number(canvas.dataset.scale),
          ox = Number(canvas.dataset.offsetX),
          oy = Number(canvas.dataset.offsetY);
        return [r.left + (ox + (ix + 0.5) * sc) * k, r.top + (oy + (iy + 0.5) * sc) * k];
      },
      [2050, 1050],
    );
    await big.mouse.move(at[0], at[1]);
    await big.waitForFunction(() => document.getElementById('hover')!.textContent!.startsWith('Nucleus #1: 9801 px'));
    await big.close();
  });

  it('a table of 2,000 nuclei keeps only the rows in view in the page; sorting, scrolling and selecting bring the right rows', async () => {
    const many = await openPage();
    // 50 x 40 squares of 6 px on a 10 px grid: nucleus k + 1 at column k % 50, row k / 50, area 36 (the last ten 25).
    const [w, h] = [500, 400];
    const lab = new Int32Array(w * h);
    for (let k = 0; k < 2000; k++) {
      const [x0, y0, side] = [(k % 50) * 10 + 2, Math.floor(k / 50) * 10 + 2, k >= 1990 ? 5 : 6];
      for (let y = y0; y < y0 + side; y++) lab.fill(k + 1, y * w + x0, y * w + x0 + side);
    }
    const nuclei = nucleusRows(measureNuclei(lab, w, h, 2000));
    await many.evaluate(
      ([p, l]: [Record<string, unknown>, number[]]) => window.postMessage({ type: 'segmentation', payload: { ...p, labels: Uint16Array.from(l) } }, '*'),
      [{ fileName: 'many.png', imageSrc: `${origin}/image.png`, width: w, height: h, count: 2000, meanArea: 35.8, nuclei, unit: 'px' }, Array.from(lab)],
    );
    await many.waitForSelector('body[data-state="drawn"]');
    const inPage = () => many.$$eval('#nuclei-table tbody tr', (trs: HTMLElement[]) => trs.map((tr) => Number(tr.dataset.label)));
    const first = await inPage();
    expect(first.length).toBeLessThan(100);
    expect(first.slice(0, 3)).toEqual([1, 2, 3]);
    expect(await many.getAttribute('#nuclei-table', 'aria-rowcount')).toBe('2001');
    // The scroll height stands for every row: scrolled to the end, the last rows are there.
    await many.$eval('#table-wrap', (e: HTMLElement) => (e.scrollTop = e.scrollHeight));
    await many.waitForFunction(() => document.querySelector('#nuclei-table tbody tr:last-child')?.getAttribute('data-label') === '2000');
    expect(await many.isVisible('#nuclei-table tr[data-label="2000"]')).toBe(true);
    // Sorted by area (smallest first): the ten small ones lead.
    await many.click('#nuclei-table th[data-key="area"]');
    await many.click('#nuclei-table th[data-key="area"]');
    await many.$eval('#table-wrap', (e: HTMLElement) => (e.scrollTop = 0));
    await many.waitForFunction(() => document.querySelector('#nuclei-table tbody tr')?.getAttribute('data-label') === '1991');
    expect((await inPage()).slice(0, 11)).toEqual([1991, 1992, 1993, 1994, 1995, 1996, 1997, 1998, 1999, 2000, 1]);
    // A click on a nucleus far down the table selects it and brings its row into view.
    const at = await many.evaluate(() => {
      const canvas = document.getElementById('view') as HTMLCanvasElement;
      const r = canvas.getBoundingClientRect();
      const d = canvas.dataset;
      return [r.left + Number(d.offsetX) + 255 * Number(d.scale), r.top + Number(d.offsetY) + 295 * Number(d.scale)];
    });
    await many.mouse.click(at[0], at[1]);
    expect(await many.getAttribute('#view', 'data-selected')).toBe('1476'); // column 25, row 29
    await many.waitForSelector('#nuclei-table tr.selected[data-label="1476"]');
    expect(await many.isVisible('#nuclei-table tr[data-label="1476"]')).toBe(true);
    await many.close();
  });

  it('TIFF viewer mode: the image alone with Segment and a channel picker, then the overlay in place, zoom kept', async () => {
    const viewer = await openPage();
    await viewer.evaluate(
      (src: string) =>
        window.postMessage(
          {
            type: 'image',
            payload: {
              fileName: 'stack.tif',
              imageSrc: src,
              width: 256,
              height: 192,
              input: { axes: { channels: [{ index: 0 }, { index: 1 }, { index: 2 }], planes: 1, rgb: false }, channel: 1 },
            },
          },
          '*',
        ),
      `${origin}/image.png`,
    );
    await viewer.waitForSelector('body[data-mode="image"][data-state="drawn"]');
    expect(await viewer.isVisible('#segment-now')).toBe(true);
    expect(await viewer.isVisible('#saves')).toBe(false); // nothing to save yet
    expect(await viewer.$$eval('#channel option', (os: HTMLOptionElement[]) => os.map((o) => [o.textContent, o.selected]))).toEqual([
      ['1 of 3', false],
      ['2 of 3', true],
      ['3 of 3', false],
    ]);
    expect(await viewer.textContent('#count')).toBe('\u2013');
    await viewer.selectOption('#channel', '2');
    await viewer.click('#zoom-in');
    const zoomed = await viewer.getAttribute('#view', 'data-scale');
    await viewer.click('#segment-now');
    expect(await viewer.isDisabled('#segment-now')).toBe(true); // until the result (or an error) comes
    const posted = await viewer.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
    expect(posted).toEqual([{ type: 'ready' }, { type: 'channel', channel: 2 }, { type: 'segment' }]);
    await postSegmentation(viewer, 'stack.tif');
    await viewer.waitForSelector('body[data-mode="segmented"]');
    expect(await viewer.textContent('#count')).toBe(String(c.areas.length));
    expect(await viewer.getAttribute('#view', 'data-scale')).toBe(zoomed);
    expect(await viewer.isVisible('#saves')).toBe(true);
    expect(await viewer.isDisabled('#segment-now')).toBe(false);
    await viewer.close();
  });

  it.each([
    ['dark', 'vscode-dark', { '--vscode-editor-background': 'rgb(30, 30, 30)', '--vscode-foreground': 'rgb(204, 204, 204)' }],
    [
      'high contrast',
      'vscode-high-contrast',
      { '--vscode-editor-background': 'rgb(0, 0, 0)', '--vscode-foreground': 'rgb(255, 255, 255)', '--vscode-contrastBorder': 'rgb(111, 195, 223)' },
    ],
  ] as const)('follows a %s theme: colours from the theme, contrast borders on cells and buttons', async (name, bodyClass, vars) => {
    const themed = await openPage();
    // What VS Code does to a webview: a theme class on <body>, the theme's colours as CSS variables.
    await themed.evaluate(
      ([cls, v]: [string, Record<string, string>]) => {
        document.body.classList.add(cls);
        for (const [k, value] of Object.entries(v)) document.documentElement.style.setProperty(k, value);
      },
      [bodyClass, vars] as [string, Record<string, string>],
    );
    await postSegmentation(themed);
    await themed.waitForSelector('body[data-state="drawn"]');
    const style = await themed.evaluate(() => {
      const cs = (sel: string) => getComputedStyle(document.querySelector(sel)!);
      return {
        background: cs('body').backgroundColor,
        text: cs('body').color,
        cell: cs('#nuclei-table td').borderTopColor,
        button: cs('#save-mask').borderTopStyle,
        buttonColour: cs('#save-mask').borderTopColor,
      };
    });
    expect(style.background).toBe(vars['--vscode-editor-background']);
    expect(style.text).toBe(vars['--vscode-foreground']);
    if ('--vscode-contrastBorder' in vars) {
      expect(style.cell).toBe(vars['--vscode-contrastBorder']);
      expect([style.button, style.buttonColour]).toEqual(['solid', vars['--vscode-contrastBorder']]);
    } else expect(style.button).toBe('none');
    await themed.screenshot({ path: path.join(__dirname, `../test-output/segment-view-${name.replace(' ', '-')}.png`) });
    await themed.close();
  });

  it('training page draws live loss and IoU curves from progress messages', async () => {
    const train = await openPage('train', undefined, { width: 1120, height: 380 });
    await train.evaluate(() => {
      window.postMessage(
        { type: 'trainStart', epochs: 4, datasetName: 'stage1_train', samples: 64, skipped: [{ id: 'bad1', reason: 'mask 3 is not a PNG' }] },
        '*',
      );
      for (let e = 1; e <= 3; e++) {
        for (let b = 1; b <= 8; b++) {
          const t = e - 1 + b / 8;
          window.postMessage(
            {
              type: 'trainProgress',
              progress: {
                epoch: e,
                epochs: 4,
                batch: b,
                batches: 8,
                loss: 0.7 * Math.exp(-t / 1.5) + 0.05,
                iou: 0.8 * (1 - Math.exp(-t / 1.2)),
                etaSeconds: (32 - (e - 1) * 8 - b) * 2.5,
              },
            },
            '*',
          );
        }
      }
    });
    await train.waitForFunction(() => document.getElementById('chart-loss')!.dataset.points === '24');
    expect(await train.getAttribute('#chart-iou', 'data-points')).toBe('24');
    // Validation per epoch: drawn, and the best (lowest validation loss) epoch marked.
    await train.evaluate(() => {
      [
        [1, 0.5, 0.6],
        [2, 0.3, 0.7],
        [3, 0.35, 0.72],
      ].forEach(([epoch, valLoss, valIou]) => window.postMessage({ type: 'trainEpoch', epoch, loss: 0.4, iou: 0.7, valLoss, valIou }, '*'));
    });
    await train.waitForFunction(() => document.getElementById('chart-loss')!.dataset.validation === '3');
    expect(await train.getAttribute('#chart-loss', 'data-best')).toBe('2');
    expect(await train.getAttribute('#chart-iou', 'data-validation')).toBe('3');
    expect(await train.textContent('#val')).toBe('loss 0.3500, IoU 0.720 (best epoch 2)');
    expect(await train.textContent('#epoch')).toBe('3/4');
    expect(await train.textContent('#eta')).toBe('20 s');
    expect(await train.textContent('#skipped-title')).toBe('1 sample skipped');
    expect(await train.textContent('#skipped-list')).toBe('bad1: mask 3 is not a PNG');
    expect(await train.isVisible('#done-actions')).toBe(false);
    await train.click('#cancel');
    await train.evaluate(() => window.postMessage({ type: 'trainDone', status: 'cancelled', modelDir: '/runs/r1/last' }, '*'));
    await train.waitForSelector('#done-actions:not(.hidden)');
    await train.click('#action-evaluate');
    await train.click('#action-use');
    const posted = await train.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
    expect(posted).toEqual([
      { type: 'ready' },
      { type: 'cancelTraining' },
      { type: 'modelAction', action: 'evaluate' },
      { type: 'modelAction', action: 'use' },
    ]);
    await train.screenshot({ path: path.join(__dirname, '../test-output/train-view.png') });
    await train.close();
  });

  it('evaluation page shows the per-image rows and the mean, sorts by a column, explains columns, exports CSV', async () => {
    const ev = await openPage('evaluate', undefined, { width: 900, height: 260 });
    expect(await ev.isDisabled('#export-csv')).toBe(true);
    await ev.evaluate(() =>
      window.postMessage(
        {
          type: 'evaluation',
          heading: 'stage1_test: 3 images',
          table: {
            columns: ['IoU', 'Dice', 'DSB score', 'found'],
            rows: [
              { name: 'img_a', values: { IoU: 0.81, Dice: 0.895, 'DSB score': 0.52, found: 14 } },
              { name: 'img_b', values: { IoU: 0.7, Dice: 0.824, 'DSB score': 0.4, found: 9 } },
              { name: 'img_c', values: { IoU: 0.75, Dice: 0.85, 'DSB score': 0.6, found: 11 } },
            ],
            mean: { IoU: 0.753, Dice: 0.856, 'DSB score': 0.507, found: 11.333 },
            tips: { 'DSB score': 'The 2018 Data Science Bowl score' },
            decimals: { found: 0 },
          },
        },
        '*',
      ),
    );
    await ev.waitForSelector('body[data-state="done"]');
    const cells = () => ev.$$eval('#metrics tr', (trs: Element[]) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)));
    expect(await cells()).toEqual([
      ['image', 'IoU', 'Dice', 'DSB score', 'found'],
      ['img_a', '0.810', '0.895', '0.520', '14'],
      ['img_b', '0.700', '0.824', '0.400', '9'],
      ['img_c', '0.750', '0.850', '0.600', '11'],
      ['mean', '0.753', '0.856', '0.507', '11.3'],
    ]);
    expect(await ev.getAttribute('#metrics th:nth-child(4)', 'title')).toBe('The 2018 Data Science Bowl score. Click to sort.');
    await ev.click('#metrics th:nth-child(4)'); // DSB score, best first; the mean stays last
    expect((await cells()).map((r: Array<string | null>) => r[0])).toEqual(['image', 'img_c', 'img_a', 'img_b', 'mean']);
    expect(await ev.getAttribute('#metrics th:nth-child(4)', 'aria-sort')).toBe('descending');
    await ev.click('#metrics th:nth-child(4)');
    expect((await cells()).map((r: Array<string | null>) => r[0])).toEqual(['image', 'img_b', 'img_a', 'img_c', 'mean']);
    await ev.click('#export-csv');
    expect(await ev.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted)).toEqual([{ type: 'ready' }, { type: 'exportCsv' }]);
    await ev.screenshot({ path: path.join(__dirname, '../test-output/evaluate-view.png') });
    await ev.close();
  });
});
