// The slide viewer in chromium, with the test as its host: a real slide result (segmented block by
// block and merged), opened with @nuclei/slide's openSlideView, its tiles answered as the extension
// answers them. The page first shows a coarse level, asks only for the tiles in view, shows the
// nuclei filled, and a row click goes to full resolution around that nucleus. Skips without chromium.
import { openSlideView, VIEW_TILE, type SlideView } from '../../../packages/slide/src/slide-view';
import { writeSlideResult } from '../../../packages/slide/src/test-utils/slide-result';
import { isFromWebview } from '../src/webview/messages';
import { nucleusRows } from '../src/webview/nucleus-rows';
import { slidePayload } from '../src/slide-viewer';
import { CHROMIUM, describeBrowser, openReadyPage, openStubbedPage, usePages } from './browser-page';

describeBrowser('slide viewer browser test')(`the slide viewer in chromium${CHROMIUM ? '' : ' (SKIPPED: chromium not found)'}`, () => {
  jest.setTimeout(120_000);
  const W = 1800;
  const H = 1100;
  const pages = usePages('nuclei-slide-page-', async () => Buffer.alloc(0));
  let view: SlideView;
  const errors: string[] = [];
  /** Every tile the page asked for, in order. */
  const asked: string[] = [];

  beforeAll(async () => {
    const summary = await writeSlideResult(pages.tmp, W, H, { chunk: 256 });
    view = await openSlideView(summary.outputs.zarr);
  });
  afterEach(() => expect(errors).toEqual([]));

  /** Answers the page's tile requests (as slide-viewer.ts does) until it says the view is drawn. */
  async function serveUntilDrawn(page: any): Promise<void> {
    for (;;) {
      const posted: Array<{ type: string; level: number; tx: number; ty: number }> = await page.evaluate(() => {
        const w = window as unknown as { __posted: unknown[] };
        return w.__posted.splice(0);
      });
      for (const m of posted) {
        if (m.type !== 'tile') continue;
        expect(isFromWebview(m)).toBe(true);
        asked.push(`${m.level}/${m.tx}/${m.ty}`);
        const t = await view.tile(m.level, m.tx, m.ty);
        // Typed arrays as base64 through playwright; the page gets them as the host's message has them.
        await page.evaluate(
          ([meta, image, labels]: [Record<string, number>, string, string]) => {
            const bytes = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
            window.postMessage({ type: 'tile', ...meta, image: bytes(image), labels: new Uint32Array(bytes(labels).buffer) }, '*');
          },
          [
            { level: t.level, tx: t.tx, ty: t.ty, width: t.width, height: t.height },
            Buffer.from(t.image).toString('base64'),
            Buffer.from(t.labels.buffer, t.labels.byteOffset, t.labels.byteLength).toString('base64'),
          ],
        );
      }
      const state = await page.evaluate(() => document.body.dataset.state);
      if (state === 'drawn' && posted.length === 0) return;
      await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0 || document.body.dataset.state === 'drawn');
    }
  }

  it('shows the slide by the tiles in view: coarse first, full resolution around a nucleus picked in the table', async () => {
    const page = await openReadyPage(pages.browser, `${pages.origin}/?view=slide`, { viewport: { width: 1000, height: 700 }, errors });
    await page.evaluate((p: unknown) => window.postMessage({ type: 'slide', payload: p }, '*'), slidePayload(view, VIEW_TILE));
    await serveUntilDrawn(page);
    // Fitted: a coarse level, and only its tiles (plus the top one) were asked for.
    const fitted = await page.evaluate(() => ({ level: Number(document.body.dataset.level), scale: Number(document.getElementById('view')!.dataset.scale) }));
    expect(fitted.level).toBeGreaterThan(0);
    expect(fitted.level).toBe(Math.max(0, Math.min(view.levels - 1, Math.floor(Math.log2(1 / fitted.scale)))));
    expect(asked.every((k) => Number(k.split('/')[0]) >= fitted.level)).toBe(true);
    expect(await page.textContent('#count')).toBe(view.result!.summary.count.toLocaleString('en-US'));

    // The rows: every nucleus of the slide, in the virtualised table.
    const { rows, unit } = await view.measurements();
    const nuclei = nucleusRows(rows);
    await page.evaluate(
      ([n, u]: [unknown, string]) => window.postMessage({ type: 'slideRows', nuclei: n, unit: u, total: (n as unknown[]).length }, '*'),
      [nuclei, unit],
    );
    await page.waitForSelector(`body[data-rows="${rows.length}"]`);
    expect(await page.textContent('#note')).not.toMatch(/first/);
    // The last nucleus (the table sorted by label, descending): far from the first tiles asked for.
    await page.click('#nuclei-table th:first-child');
    expect(await page.getAttribute('#nuclei-table th:first-child', 'aria-sort')).toBe('descending');
    const target = nuclei.reduce((a, b) => (b.label > a.label ? b : a));
    // A row click: the view goes to that nucleus at full resolution and asks for level-0 tiles there only.
    asked.length = 0;
    await page.waitForSelector(`#nuclei-table tbody tr[data-label="${target.label}"]`);
    await page.click(`#nuclei-table tbody tr[data-label="${target.label}"]`);
    await serveUntilDrawn(page);
    expect(await page.evaluate(() => document.body.dataset.level)).toBe('0');
    expect(await page.evaluate(() => document.getElementById('view')!.dataset.selected)).toBe(String(target.label));
    const level0 = asked.filter((k) => k.startsWith('0/'));
    expect(level0.length).toBeGreaterThan(0);
    expect(level0.length).toBeLessThanOrEqual(4);
    const tx = Math.floor(target.centroidX / VIEW_TILE);
    const ty = Math.floor(target.centroidY / VIEW_TILE);
    expect(level0).toContain(`0/${tx}/${ty}`);

    // The nucleus at the centre of the view is drawn filled (its colour changes with Fill), and clicking it selects it.
    const centre = await page.evaluate(() => {
      const c = document.getElementById('view') as HTMLCanvasElement;
      const px = (x: number, y: number) => Array.from(c.getContext('2d')!.getImageData(x, y, 1, 1).data);
      return { x: Math.floor(c.width / 2), y: Math.floor(c.height / 2), withFill: px(Math.floor(c.width / 2), Math.floor(c.height / 2)) };
    });
    await page.click('#fill');
    const withoutFill = await page.evaluate(
      ([x, y]: [number, number]) => Array.from((document.getElementById('view') as HTMLCanvasElement).getContext('2d')!.getImageData(x, y, 1, 1).data),
      [centre.x, centre.y],
    );
    expect(withoutFill).not.toEqual(centre.withFill);
    await page.click('#fill');
    // Another nucleus in view, clicked on the canvas: the selection is the label under the pointer.
    const v = await page.evaluate(() => {
      const c = document.getElementById('view') as HTMLCanvasElement;
      return { scale: Number(c.dataset.scale), ox: Number(c.dataset.offsetX), oy: Number(c.dataset.offsetY), w: c.width, h: c.height };
    });
    const other = nuclei.find((r) => {
      const x = r.centroidX * v.scale + v.ox;
      const y = r.centroidY * v.scale + v.oy;
      return r.label !== target.label && x > 20 && y > 20 && x < v.w - 20 && y < v.h - 20;
    })!;
    expect(other).toBeDefined();
    const at = { x: Math.floor(other.centroidX * v.scale + v.ox), y: Math.floor(other.centroidY * v.scale + v.oy) };
    const sx = Math.floor((at.x + 0.5 - v.ox) / v.scale);
    const sy = Math.floor((at.y + 0.5 - v.oy) / v.scale);
    const t = await view.tile(0, Math.floor(sx / VIEW_TILE), Math.floor(sy / VIEW_TILE));
    const expected = t.labels[(sy % VIEW_TILE) * t.width + (sx % VIEW_TILE)];
    expect(expected).toBe(other.label);
    await page.click('#view', { position: at });
    expect(await page.evaluate(() => document.getElementById('view')!.dataset.selected)).toBe(String(expected));
    expect(await page.textContent('#hover')).toMatch(new RegExp(`nucleus #${expected}`));
    expect(await page.textContent('#selected')).toMatch(new RegExp(`#${expected}\\b|${expected}`));
  });

  it('says when the table holds only the first rows of a very large slide', async () => {
    const page = await openStubbedPage(pages.browser, `${pages.origin}/?view=slide`, { viewport: { width: 1000, height: 700 }, errors });
    await page.evaluate((p: unknown) => window.postMessage({ type: 'slide', payload: p }, '*'), slidePayload(view, VIEW_TILE));
    const nuclei = nucleusRows((await view.measurements(10)).rows);
    await page.evaluate((n: unknown) => window.postMessage({ type: 'slideRows', nuclei: n, unit: 'px', total: 1_234_567 }, '*'), nuclei);
    await page.waitForSelector('body[data-rows="10"]');
    expect(await page.textContent('#note')).toContain('The table lists the first 10 of 1,234,567 nuclei (by label); the measurements CSV holds every one.');
    await page.close();
  });

  it('accepts only whole, non-negative tile requests', () => {
    expect(isFromWebview({ type: 'tile', level: 0, tx: 1, ty: 2 })).toBe(true);
    expect(isFromWebview({ type: 'tile', level: -1, tx: 1, ty: 2 })).toBe(false);
    expect(isFromWebview({ type: 'tile', level: 0, tx: 1.5, ty: 2 })).toBe(false);
    expect(isFromWebview({ type: 'tile', level: 0, tx: 1 })).toBe(false);
  });
});
