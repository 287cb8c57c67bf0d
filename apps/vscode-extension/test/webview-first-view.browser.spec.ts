// The viewer's first view in a real browser (Debian chromium via playwright-core): an image sent as
// its pixels (the host's displayPixels: gray as one channel, a large image shrunk to the display
// step) is drawn where it belongs, and the image shows before the rows, which fill the table when
// their message comes. Skips when chromium is absent.
import type { NucleusRow } from '../src/webview/messages';
import { nucleusRows } from '../src/webview/nucleus-rows';
import { displayPixels } from '../src/viewer-payload';
import { measureNuclei } from '../../../packages/segmentation/src/measurements';
import { CHROMIUM, describeBrowser, openReadyPage, usePages } from './browser-page';
import { encodePng, makeSyntheticCase } from './fixtures';

describeBrowser('first view browser test')(`viewer first view in chromium${CHROMIUM ? '' : ' (SKIPPED: chromium not found)'}`, () => {
  jest.setTimeout(30_000);
  const c = makeSyntheticCase();
  const rows: NucleusRow[] = nucleusRows(measureNuclei(c.labels, c.width, c.height, c.areas.length, { width: c.width, height: c.height, data: c.rgb }));
  const pages = usePages('nuclei-first-view-', async () => encodePng(c));
  /** The image as it is (no auto levels), no overlay: the canvas shows the image's own pixels. */
  const plain = { fill: false, outline: false, opacity: 50, contrast: { auto: false, low: 0, high: 255 } };

  async function openPage(): Promise<any> {
    return openReadyPage(pages.browser, `${pages.origin}/`, { viewport: { width: 900, height: 560 }, state: plain });
  }

  /**
   * Posts a segmentation whose image is `pixels` (typed arrays rebuilt in the page, as VS Code
   * delivers them; carried as base64 to keep the test quick); `labels` undefined: all background.
   */
  async function post(
    page: any,
    pixels: ReturnType<typeof displayPixels>,
    options: { measuring?: boolean; width?: number; height?: number; labels?: Int32Array | null; fileName?: string } = {},
  ) {
    const lab = options.labels === undefined ? c.labels : options.labels;
    const base64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    await page.evaluate(
      ([payload, data, labels]: [Record<string, any>, string, string | null]) => {
        const bytes = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        const lab = labels === null ? new Uint16Array(payload.width * payload.height) : new Uint16Array(bytes(labels).buffer);
        window.postMessage({ type: 'segmentation', payload: { ...payload, imageSrc: { ...payload.imageSrc, data: bytes(data) }, labels: lab } }, '*');
      },
      [
        {
          fileName: options.fileName ?? 'mosaic.tif',
          imageSrc: { id: pixels.id, width: pixels.width, height: pixels.height, channels: pixels.channels },
          width: options.width ?? c.width,
          height: options.height ?? c.height,
          count: c.areas.length,
          meanArea: c.areas.reduce((a, b) => a + b, 0) / c.areas.length,
          nuclei: options.measuring ? [] : rows,
          ...(options.measuring ? { measuring: true } : {}),
          unit: 'px',
        },
        base64(pixels.data),
        lab ? base64(Uint16Array.from(lab)) : null,
      ],
    );
    await page.waitForSelector('body[data-state="drawn"]');
  }

  /** The view canvas pixel that shows image pixel (x, y). */
  function pixelAt(page: any, x: number, y: number): Promise<number[]> {
    return page.evaluate(
      ([ix, iy]: [number, number]) => {
        const canvas = document.getElementById('view') as HTMLCanvasElement;
        const s = Number(canvas.dataset.scale);
        const d = canvas
          .getContext('2d')!
          .getImageData(Math.floor(Number(canvas.dataset.offsetX) + (ix + 0.5) * s), Math.floor(Number(canvas.dataset.offsetY) + (iy + 0.5) * s), 1, 1).data;
        return [d[0], d[1], d[2]];
      },
      [x, y],
    );
  }
  const near = (a: number[], b: number[], tol = 3) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

  it('draws an RGB image sent as its pixels: nuclei and background in their colours, where they are', async () => {
    const page = await openPage();
    const pixels = displayPixels({ width: c.width, height: c.height, data: c.rgb });
    expect(pixels.channels).toBe(3);
    await post(page, pixels);
    for (const d of c.disks) expect(near(await pixelAt(page, d.x, d.y), c.nucleus)).toBe(true);
    expect(near(await pixelAt(page, 5, 5), c.background)).toBe(true);
    expect(near(await pixelAt(page, c.disks[0].x + c.disks[0].r + 3, c.disks[0].y), c.background)).toBe(true);
    expect(await page.getAttribute('#loading', 'class')).toContain('hidden');
    await page.close();
  });

  it('draws a gray image sent as one channel', async () => {
    const page = await openPage();
    // Gray levels that vary across the image: 8 * (x / 32) + 4 * (y / 32), so a misplaced block shows.
    const rgb = new Uint8Array(c.width * c.height * 3);
    const level = (x: number, y: number) => 8 * Math.floor(x / 32) + 4 * Math.floor(y / 32) + 30;
    for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) rgb.fill(level(x, y), (y * c.width + x) * 3, (y * c.width + x) * 3 + 3);
    const pixels = displayPixels({ width: c.width, height: c.height, data: rgb });
    expect(pixels.channels).toBe(1);
    expect(pixels.data).toHaveLength(c.width * c.height);
    await post(page, pixels);
    for (const [x, y] of [
      [16, 16],
      [240, 16],
      [16, 176],
      [150, 100],
    ])
      expect(await pixelAt(page, x, y)).toEqual([level(x, y), level(x, y), level(x, y)]);
    await page.close();
  });

  it('shows the image before the rows: the table says it is measuring, then fills when the rows come', async () => {
    const page = await openPage();
    await post(page, displayPixels({ width: c.width, height: c.height, data: c.rgb }), { measuring: true });
    // The image and the overlay's counts are there; the table is not yet.
    expect(await page.getAttribute('body', 'data-rows')).toBe('measuring');
    expect(await page.isVisible('#measuring')).toBe(true);
    expect(await page.$$eval('#nuclei-table tbody tr', (trs: Element[]) => trs.length)).toBe(0);
    expect(await page.textContent('#count')).toBe(String(c.areas.length));
    expect(near(await pixelAt(page, c.disks[1].x, c.disks[1].y), c.nucleus)).toBe(true);
    await page.evaluate((nuclei: NucleusRow[]) => window.postMessage({ type: 'rows', nuclei }, '*'), rows);
    await page.waitForSelector('body[data-rows="shown"]');
    expect(await page.isVisible('#measuring')).toBe(false);
    const labels = await page.$$eval('#nuclei-table tbody tr', (trs: HTMLElement[]) => trs.map((tr) => Number(tr.dataset.label)));
    expect(labels).toEqual(rows.map((r) => r.label));
    const mean = rows.reduce((a, r) => a + r.area, 0) / rows.length;
    expect(await page.textContent('#mean-area')).toBe(mean.toFixed(1));
    // A row click now selects and centres its nucleus.
    await page.click(`#nuclei-table tbody tr[data-label="${rows[3].label}"]`);
    expect(await page.getAttribute('#view', 'data-selected')).toBe(String(rows[3].label));
    await page.close();
  });

  it("the same pixels again (the TIFF viewer's image, then segmented) keep the zoom; other pixels are fitted anew", async () => {
    const page = await openPage();
    const pixels = displayPixels({ width: c.width, height: c.height, data: c.rgb });
    await post(page, pixels, { labels: null });
    const fitScale = await page.getAttribute('#view', 'data-scale');
    await page.click('#zoom-in');
    const zoomed = await page.getAttribute('#view', 'data-scale');
    expect(zoomed).not.toBe(fitScale);
    // Another name (the segmentation's), the same encoding: the view stays.
    await post(page, pixels, { fileName: 'mosaic.tif (segmented)' });
    expect(await page.getAttribute('#view', 'data-scale')).toBe(zoomed);
    await post(page, displayPixels({ width: c.width, height: c.height, data: c.rgb }), { fileName: 'other.tif' });
    expect(await page.getAttribute('#view', 'data-scale')).toBe(fitScale);
    await page.close();
  });

  it('a large image comes shrunk to the display step, and is drawn over the full-size labels', async () => {
    const page = await openPage();
    // 4200 x 4000 (above MAX_DISPLAY_PIXELS): its pixels come at step 2; a bright square at (1000..1999, 2000..2999).
    const W = 4200;
    const H = 4000;
    const rgb = new Uint8Array(W * H * 3).fill(20);
    for (let y = 2000; y < 3000; y++) rgb.fill(200, (y * W + 1000) * 3, (y * W + 2000) * 3);
    const pixels = displayPixels({ width: W, height: H, data: rgb });
    expect(pixels).toMatchObject({ width: 2100, height: 2000, channels: 1 });
    await post(page, pixels, { width: W, height: H, labels: null });
    expect(await page.getAttribute('body', 'data-display-step')).toBe('2');
    expect(near(await pixelAt(page, 1500, 2500), [200, 200, 200])).toBe(true);
    expect(near(await pixelAt(page, 500, 2500), [20, 20, 20])).toBe(true);
    expect(near(await pixelAt(page, 1500, 1500), [20, 20, 20])).toBe(true);
    await page.close();
  });
});
