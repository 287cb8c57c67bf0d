// The viewer at real sizes, in chromium: the panel VS Code gives it beside the image with the
// sidebar open at 1400x860 (about 526 px wide) and the editor alone (1400x860): every control in
// the window, the image fitted and fitted again when the panel or the table changes size, the
// table collapsed when narrow, Save as one split button; a row click on a tiny nucleus zooms to at
// most 400 %; zoomed in on an image above the display limit, the part in view is asked for and drawn
// at full resolution. Skips when chromium is absent.
import * as path from 'path';
import { packLabels, type NucleusRow, type SegmentationPayload } from '../src/webview/messages';
import { nucleusRows } from '../src/webview/nucleus-rows';
import { measureNuclei } from '../../../packages/segmentation/src/measurements';
import { CHROMIUM, describeBrowser, openStubbedPage, usePages } from './browser-page';
import { encodePng, makeSyntheticCase } from './fixtures';

const BESIDE = { width: 526, height: 780 };
const EDITOR = { width: 1400, height: 860 };

describeBrowser('viewer layout browser test')(`the viewer at real sizes in chromium${CHROMIUM ? '' : ' (SKIPPED: chromium not found)'}`, () => {
  jest.setTimeout(60_000);
  const c = makeSyntheticCase(640, 480);
  // One more nucleus of 2x2 pixels (label n + 1) in a corner.
  const n = c.areas.length;
  for (let y = 4; y < 6; y++) for (let x = 4; x < 6; x++) c.labels[y * c.width + x] = n + 1;
  const rows: NucleusRow[] = nucleusRows(measureNuclei(c.labels, c.width, c.height, n + 1, { width: c.width, height: c.height, data: c.rgb }));
  const pages = usePages('nuclei-layout-', async () => encodePng(c));
  const errors: string[] = [];
  afterEach(() => expect(errors).toEqual([]));

  async function viewer(viewport: { width: number; height: number }): Promise<any> {
    const page = await openStubbedPage(pages.browser, `${pages.origin}/`, { viewport, errors });
    const payload: SegmentationPayload = {
      fileName: 'cells.png',
      imageSrc: `${pages.origin}/image.png`,
      width: c.width,
      height: c.height,
      labels: packLabels(c.labels, n + 1),
      count: n + 1,
      meanArea: 1,
      nuclei: rows,
      unit: 'px',
    };
    await page.evaluate((p: SegmentationPayload) => window.postMessage({ type: 'segmentation', payload: p }, '*'), payload);
    await page.waitForSelector('body[data-state="drawn"]');
    return page;
  }

  /** Controls outside the window (hidden ones aside), and whether the page scrolls sideways. */
  const outside = (page: any): Promise<string[]> =>
    page.evaluate(() => {
      const out: string[] = [];
      const root = document.documentElement;
      if (root.scrollWidth > root.clientWidth) out.push(`page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
      for (const el of Array.from(document.querySelectorAll('header button, header select, header input, header label'))) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.left < 0 || r.top < 0 || r.right > window.innerWidth + 0.5 || r.bottom > window.innerHeight + 0.5)
          out.push(`${el.id || el.textContent} at ${Math.round(r.left)},${Math.round(r.top)}-${Math.round(r.right)},${Math.round(r.bottom)}`);
      }
      return out;
    });

  /** The image's drawn size in CSS pixels, and the stage's. */
  const drawnSize = (page: any): Promise<{ image: [number, number]; stage: [number, number] }> =>
    page.evaluate(
      ([w, h]: [number, number]) => {
        const v = document.getElementById('view') as HTMLCanvasElement;
        const k = v.getBoundingClientRect().width / v.width;
        const s = Number(v.dataset.scale) * k;
        const st = document.getElementById('stage')!.getBoundingClientRect();
        return { image: [w * s, h * s], stage: [st.width, st.height] };
      },
      [c.width, c.height],
    );
  const fits = ({ image, stage }: { image: [number, number]; stage: [number, number] }) =>
    image[0] <= stage[0] + 1 && image[1] <= stage[1] + 1 && (Math.abs(image[0] - stage[0]) < 2 || Math.abs(image[1] - stage[1]) < 2);

  it('beside the image (526 px): every control in view, the table collapsed, the image fitted to the whole width', async () => {
    const page = await viewer(BESIDE);
    expect(await outside(page)).toEqual([]);
    expect(await page.isVisible('#side')).toBe(false);
    expect(await page.isChecked('#show-table')).toBe(false);
    const size = await drawnSize(page);
    expect(fits(size)).toBe(true);
    expect(size.image[0]).toBeGreaterThan(500);
    // Save is one split button; its menu opens inside the window.
    expect(await page.isVisible('#save-geojson')).toBe(false);
    await page.click('#save-more');
    expect(await outside(page)).toEqual([]);
    const menu = await page.$eval('#save-menu', (m: Element) => m.getBoundingClientRect().toJSON());
    expect(menu.right).toBeLessThanOrEqual(BESIDE.width);
    await page.keyboard.press('Escape');
    // The table when asked for: below the image, the image fitted again to what is left.
    await page.check('#show-table');
    await page.waitForFunction(() => document.getElementById('side')!.getBoundingClientRect().height > 0);
    const side = await page.$eval('#side', (s: Element) => s.getBoundingClientRect().toJSON());
    expect(side.width).toBeGreaterThan(500);
    await page.waitForFunction(
      ([w, h]: [number, number]) => {
        const v = document.getElementById('view') as HTMLCanvasElement;
        const st = document.getElementById('stage')!.getBoundingClientRect();
        const s = (Number(v.dataset.scale) * v.getBoundingClientRect().width) / v.width;
        return w * s <= st.width + 1 && h * s <= st.height + 1;
      },
      [c.width, c.height],
    );
    expect(fits(await drawnSize(page))).toBe(true);
    expect(await outside(page)).toEqual([]);
    await page.screenshot({ path: path.join(__dirname, '../test-output/viewer-526.png') });
    await page.close();
  });

  it('the editor alone (1400x860): the table beside the image, its first columns in view, refit on resize and on hiding the table', async () => {
    const page = await viewer(EDITOR);
    expect(await outside(page)).toEqual([]);
    expect(await page.isVisible('#side')).toBe(true);
    // The label and the size columns show; the rest (axes, shape, intensities) scroll inside the table.
    const cols = await page.$$eval('#nuclei-table thead th', (ths: Element[]) => ths.map((th) => th.getBoundingClientRect().right));
    const wrap = await page.$eval('#table-wrap', (w: Element) => w.getBoundingClientRect().right);
    expect(cols.filter((r: number) => r <= wrap + 1).length).toBeGreaterThanOrEqual(5);
    expect(fits(await drawnSize(page))).toBe(true);
    await page.screenshot({ path: path.join(__dirname, '../test-output/viewer-1400.png') });
    const scale0 = Number(await page.getAttribute('#view', 'data-scale'));
    await page.uncheck('#show-table');
    await page.waitForFunction((s: number) => Number(document.getElementById('view')!.dataset.scale) > s, scale0);
    expect(fits(await drawnSize(page))).toBe(true);
    await page.setViewportSize({ width: 1000, height: 700 });
    await page.waitForFunction((s: number) => Number(document.getElementById('view')!.dataset.scale) < s, scale0);
    expect(fits(await drawnSize(page))).toBe(true);
    // Zoomed by the user, the view is kept on resize (not fitted again).
    await page.click('#zoom-in');
    const zoomed = Number(await page.getAttribute('#view', 'data-scale'));
    await page.setViewportSize(EDITOR);
    await page.waitForFunction(() => document.getElementById('stage')!.getBoundingClientRect().width > 1300);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(Number(await page.getAttribute('#view', 'data-scale'))).toBe(zoomed);
    await page.close();
  });

  it('a row click on a 2x2 px nucleus zooms to at most 400 %, and the selected row stays in view', async () => {
    const page = await viewer(EDITOR);
    // Sort by area: the tiny nucleus first.
    const area = page.locator('#nuclei-table th', { hasText: 'Area' });
    await area.click();
    while ((await area.getAttribute('aria-sort')) !== 'ascending') await area.click();
    await page.click('#nuclei-table tbody tr:first-child');
    expect(await page.getAttribute('#view', 'data-selected')).toBe(String(n + 1));
    expect(Number(await page.getAttribute('#view', 'data-scale'))).toBeLessThanOrEqual(4);
    expect(await page.textContent('#zoom-value')).toBe('400%');
    // The last row in view, selected from the image side: it is not left under the bottom edge.
    const label = await page.evaluate(() => {
      const wrap = document.getElementById('table-wrap')!.getBoundingClientRect();
      const trs = Array.from(document.querySelectorAll('#nuclei-table tbody tr')) as HTMLElement[];
      return Number(trs.filter((tr) => tr.getBoundingClientRect().top < wrap.bottom).pop()!.dataset.label);
    });
    await page.click(`#nuclei-table tbody tr[data-label="${label}"]`);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const [row, wrap] = await page.evaluate((l: number) => {
      const tr = document.querySelector(`#nuclei-table tbody tr[data-label="${l}"]`)!.getBoundingClientRect();
      const w = document.getElementById('table-wrap')!.getBoundingClientRect();
      return [tr.toJSON(), w.toJSON()];
    }, label);
    expect(row.bottom).toBeLessThanOrEqual(wrap.bottom + 1);
    await page.close();
  });

  it('zoomed in on an image above the display limit: the part in view is asked for and drawn at full resolution', async () => {
    const page = await openStubbedPage(pages.browser, `${pages.origin}/`, { viewport: EDITOR, errors });
    // 4100 x 4000 (16.4 MP): displayed at half resolution; one nucleus (label 1) at x 2001..2099, y 1001..1099.
    await page.evaluate((src: string) => {
      const [width, height] = [4100, 4000];
      const labels = new Uint16Array(width * height);
      for (let y = 1001; y < 1100; y++) labels.fill(1, y * width + 2001, y * width + 2100);
      const nucleus = { label: 1, area: 9801, perimeter: 392, equivalentDiameter: 111.7, majorAxisLength: 114, minorAxisLength: 114 };
      const row = { ...nucleus, eccentricity: 0, solidity: 1, meanIntensity: 1, centroidX: 2050.5, centroidY: 1050.5, box: [2001, 1001, 99, 99] };
      window.postMessage(
        { type: 'segmentation', payload: { fileName: 'big.png', imageSrc: src, width, height, labels, count: 1, meanArea: 9801, nuclei: [row], unit: 'px' } },
        '*',
      );
    }, `${pages.origin}/image.png`);
    await page.waitForSelector('body[data-state="drawn"]', { timeout: 60_000 });
    const asked = () =>
      page.evaluate(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'region')) as Promise<
        Array<{ x: number; y: number; width: number; height: number }>
      >;
    expect(await asked()).toEqual([]); // the whole image in view: the display copy is enough
    await page.click('#nuclei-table tbody tr:first-child'); // zooms on the nucleus, past the copy's resolution
    await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'region'));
    const [region] = await asked();
    expect(region.x).toBeLessThanOrEqual(2001);
    expect(region.y).toBeLessThanOrEqual(1001);
    expect(region.x + region.width).toBeGreaterThanOrEqual(2100);
    expect(region.y + region.height).toBeGreaterThanOrEqual(1100);
    // The host's answer: that part in pure red; it is drawn where it belongs, with the outline on it.
    await page.evaluate((r: { x: number; y: number; width: number; height: number }) => {
      const cv = document.createElement('canvas');
      cv.width = r.width;
      cv.height = r.height;
      const ctx = cv.getContext('2d')!;
      ctx.fillStyle = '#ff0000';
      ctx.fillRect(0, 0, r.width, r.height);
      window.postMessage({ type: 'region', src: cv.toDataURL('image/png'), ...r }, '*');
    }, region);
    await page.waitForFunction(() => document.body.dataset.detail !== '');
    expect(await page.getAttribute('body', 'data-detail')).toBe(`${region.x},${region.y},${region.x + region.width},${region.y + region.height}`);
    await page.uncheck('#fill');
    await page.uncheck('#auto-contrast'); // the levels 0..255: red stays red
    for (let k = 0; k < 4; k++) await page.click('#zoom-in'); // past 100 %: one image pixel over several screen pixels
    expect(Number(await page.getAttribute('#view', 'data-scale'))).toBeGreaterThan(1.5);
    expect(await page.getAttribute('body', 'data-detail')).not.toBe('');
    const pixel = (x: number, y: number) =>
      page.evaluate(
        ([ix, iy]: [number, number]) => {
          const v = document.getElementById('view') as HTMLCanvasElement;
          const s = Number(v.dataset.scale);
          const d = v
            .getContext('2d')!
            .getImageData(Math.floor(Number(v.dataset.offsetX) + (ix + 0.5) * s), Math.floor(Number(v.dataset.offsetY) + (iy + 0.5) * s), 1, 1).data;
          return [d[0], d[1], d[2]];
        },
        [x, y],
      );
    expect(await pixel(2040, 1040)).toEqual([255, 0, 0]); // inside the nucleus, off its outline: the full-resolution part
    const edge = await pixel(2001, 1050); // the outline, one image pixel wide, at full resolution
    expect(edge).not.toEqual([255, 0, 0]);
    expect(await pixel(2002, 1050)).toEqual([255, 0, 0]);
    await page.close();
  });
});
