// The viewer's channel and Z pickers, its measurement-channel selector, live filters and units, in
// a real browser (Debian chromium via playwright-core); skips when chromium is absent.
import * as os from 'os';
import type { AxesView, SegmentationPayload } from '../src/webview/messages';
import { nucleusRows } from '../src/webview/nucleus-rows';
import { measureNuclei } from '../../../packages/segmentation/src/measurements';
import { CHROMIUM, describeBrowser, openReadyPage, usePages } from './browser-page';
import { encodePng, makeSyntheticCase } from './fixtures';

describeBrowser('webview channels browser test')(
  `viewer channels, planes, filters and units in chromium${CHROMIUM ? '' : ' (SKIPPED: chromium not found)'}`,
  () => {
    jest.setTimeout(30_000);
    const c = makeSyntheticCase();
    // A seventh nucleus in the top-left corner: on the image's edge.
    const labels = Int32Array.from(c.labels);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) labels[y * c.width + x] = 7;
    const count = 7;
    const n = c.width * c.height;
    const channels = [
      { name: 'DAPI', values: Float32Array.from({ length: n }, (_, i) => (labels[i] ? 200 : 10)) },
      { name: 'GFP', values: Float32Array.from({ length: n }, (_, i) => i % c.width) },
    ];
    const pixelSize = 0.5;
    const rows = nucleusRows(measureNuclei(labels, c.width, c.height, count, channels, { pixelSize }), pixelSize);
    const axes: AxesView = { channels: [{ index: 0, name: 'GFP' }, { index: 1, name: 'DAPI' }, { index: 2 }], planes: 12, rgb: false };

    const pages = usePages('nuclei-webview-channels-', async () => encodePng(c));

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async function openPage(): Promise<any> {
      return openReadyPage(pages.browser, `${pages.origin}/`, { viewport: { width: 1100, height: 600 } });
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const posted = (page: any) => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const options = (page: any, sel: string) => page.$$eval(`${sel} option`, (os: HTMLOptionElement[]) => os.map((o) => [o.textContent, o.selected]));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const tableLabels = (page: any) => page.$$eval('#nuclei-table tbody tr', (trs: HTMLElement[]) => trs.map((tr) => Number(tr.dataset.label)));

    it('channel picker and Z choice: "channel 2 of 3: DAPI", "plane 4 of 12", projections; RGB stays RGB until a colour is picked', async () => {
      const page = await openPage();
      await page.evaluate(
        ([src, a]: [string, AxesView]) =>
          window.postMessage(
            { type: 'image', payload: { fileName: 'stack.tif', imageSrc: src, width: 256, height: 192, input: { axes: a, channel: 1, z: 3 } } },
            '*',
          ),
        [`${pages.origin}/image.png`, axes],
      );
      await page.waitForSelector('body[data-mode="image"][data-state="drawn"]');
      expect(await page.textContent('#axes-status')).toBe('channel 2 of 3: DAPI \u00b7 plane 4 of 12');
      expect(await options(page, '#channel')).toEqual([
        ['1 of 3: GFP', false],
        ['2 of 3: DAPI', true],
        ['3 of 3', false],
      ]);
      const planes = await options(page, '#plane');
      expect(planes).toHaveLength(14);
      expect(planes[3]).toEqual(['plane 4 of 12', true]);
      expect(planes.slice(12)).toEqual([
        ['max projection', false],
        ['mean projection', false],
      ]);
      await page.selectOption('#plane', 'max');
      await page.selectOption('#channel', '0');
      expect((await posted(page)).slice(1)).toEqual([
        { type: 'plane', z: 'max' },
        { type: 'channel', channel: 0 },
      ]);
      // An RGB merge: shown as RGB; picking a colour asks for that channel, "RGB as it is" for all three.
      const rgb: AxesView = { channels: ['red', 'green', 'blue'].map((name, index) => ({ index, name })), planes: 1, rgb: true };
      await page.evaluate(
        ([src, a]: [string, AxesView]) =>
          window.postMessage({ type: 'image', payload: { fileName: 'merge.png', imageSrc: src, width: 256, height: 192, input: { axes: a } } }, '*'),
        [`${pages.origin}/image.png`, rgb],
      );
      await page.waitForFunction(() => document.getElementById('axes-status')!.textContent === 'RGB');
      expect(await page.isVisible('#plane-group')).toBe(false);
      expect((await options(page, '#channel'))[0]).toEqual(['RGB as it is', true]);
      await page.selectOption('#channel', '2');
      await page.selectOption('#channel', '');
      expect((await posted(page)).slice(3)).toEqual([{ type: 'channel', channel: 2 }, { type: 'channel' }]);
      await page.close();
    });

    it('microns in the header, hover and table once a pixel size is known; a channel selector picks the intensity columns', async () => {
      const page = await openPage();
      const payload: Omit<SegmentationPayload, 'labels'> = {
        fileName: 'cells.ome.tif',
        imageSrc: `${pages.origin}/image.png`,
        width: c.width,
        height: c.height,
        count,
        meanArea: 1,
        nuclei: rows,
        unit: 'um',
        input: {
          axes: {
            channels: [
              { index: 0, name: 'DAPI' },
              { index: 1, name: 'GFP' },
            ],
            planes: 1,
            rgb: false,
          },
          channel: 0,
        },
      };
      await page.evaluate(
        ([p, lab]: [Record<string, unknown>, number[]]) => window.postMessage({ type: 'segmentation', payload: { ...p, labels: Uint16Array.from(lab) } }, '*'),
        [payload, Array.from(labels)],
      );
      await page.waitForSelector('body[data-mode="segmented"][data-state="drawn"]');
      expect(await page.textContent('#axes-status')).toBe('channel 1 of 2: DAPI');
      expect(await page.textContent('#area-unit')).toBe('µm²');
      expect(await page.textContent('.filter-unit')).toBe('µm²');
      const mean = rows.reduce((a, r) => a + r.area, 0) / rows.length;
      expect(await page.textContent('#mean-area')).toBe(mean.toFixed(1));
      const heads = await page.$$eval('#nuclei-table th', (ths: Element[]) => ths.map((t) => t.textContent));
      expect(heads.slice(0, 3)).toEqual(['#', 'Area (µm²)', 'Perimeter (µm)']);
      // The segmented channel's intensities first; the selector shows another, or all.
      expect(await options(page, '#measure-channel')).toEqual([
        ['DAPI', true],
        ['GFP', false],
        ['all channels', false],
      ]);
      expect(heads.slice(8)).toEqual(['DAPI mean', 'DAPI SD', 'DAPI min', 'DAPI max', 'DAPI sum']);
      expect(await page.textContent('#nuclei-table tr[data-label="1"] td:nth-child(9)')).toBe('200.0');
      await page.selectOption('#measure-channel', 'GFP');
      const gfp = await page.$$eval('#nuclei-table th', (ths: Element[]) => ths.map((t) => t.textContent));
      expect(gfp.slice(8)).toEqual(['GFP mean', 'GFP SD', 'GFP min', 'GFP max', 'GFP sum']);
      const row1 = rows.find((r) => r.label === 1)!;
      expect(await page.textContent('#nuclei-table tr[data-label="1"] td:nth-child(9)')).toBe(
        row1.intensity!.find((s) => s.channel === 'GFP')!.mean.toFixed(1),
      );
      await page.selectOption('#measure-channel', '*');
      expect(await page.$$eval('#nuclei-table th', (ths: Element[]) => ths.length)).toBe(8 + 10);
      // Hover: the area in µm².
      const d = c.disks[4];
      const point = await page.evaluate(
        ([ix, iy]: [number, number]) => {
          const canvas = document.getElementById('view') as HTMLCanvasElement;
          const r = canvas.getBoundingClientRect();
          const k = r.width / canvas.width;
          const s = Number(canvas.dataset.scale);
          return [r.left + (Number(canvas.dataset.offsetX) + (ix + 0.5) * s) * k, r.top + (Number(canvas.dataset.offsetY) + (iy + 0.5) * s) * k];
        },
        [d.x, d.y],
      );
      await page.mouse.move(point[0], point[1]);
      await page.waitForFunction(
        (t: string) => document.getElementById('hover')!.textContent!.includes(t),
        `Nucleus #5: ${+(c.areas[4] * 0.25).toFixed(2)} µm²`,
      );

      // Live filters, in µm²: the table, the count, the mean area and the overlay follow; Save sends them.
      const areaOf = (l: number) => rows.find((r) => r.label === l)!.area;
      const threshold = areaOf(3) + 0.1; // drops nucleus 3 (the smallest disk), the corner nucleus and any smaller
      await page.fill('#min-area', String(threshold));
      const keptBySize = rows.filter((r) => r.area >= threshold).map((r) => r.label);
      await page.waitForFunction((k: number) => document.getElementById('count')!.textContent === String(k), keptBySize.length);
      expect(await tableLabels(page)).toEqual(keptBySize);
      expect(await page.getAttribute('body', 'data-hidden')).toBe(String(count - keptBySize.length));
      const keptMean = rows.filter((r) => r.area >= threshold).reduce((a, r) => a + r.area, 0) / keptBySize.length;
      expect(await page.textContent('#mean-area')).toBe(keptMean.toFixed(1));
      // Nucleus 3 is no longer in the overlay: its centre shows the image (no fill colour over it).
      const fillAt = (x: number, y: number) =>
        page.evaluate(
          ([ix, iy]: [number, number]) => {
            const canvas = document.getElementById('view') as HTMLCanvasElement;
            const s = Number(canvas.dataset.scale);
            const px = canvas
              .getContext('2d')!
              .getImageData(
                Math.floor(Number(canvas.dataset.offsetX) + (ix + 0.5) * s),
                Math.floor(Number(canvas.dataset.offsetY) + (iy + 0.5) * s),
                1,
                1,
              ).data;
            return Array.from(px.slice(0, 3));
          },
          [x, y],
        );
      await page.uncheck('#auto-contrast');
      const three = c.disks[2];
      const five = c.disks[4];
      expect(await fillAt(three.x, three.y)).toEqual(c.nucleus); // the image alone
      expect(await fillAt(five.x, five.y)).not.toEqual(c.nucleus); // kept: filled
      await page.fill('#min-area', '');
      await page.check('#exclude-edges');
      await page.waitForFunction(() => document.getElementById('count')!.textContent === '6');
      expect(await tableLabels(page)).toEqual([1, 2, 3, 4, 5, 6]); // the corner nucleus (7) is on the edge
      await page.fill('#max-area', String(areaOf(5)));
      const keptBoth = rows.filter((r) => r.label !== 7 && r.area <= areaOf(5)).map((r) => r.label);
      await page.waitForFunction((k: number) => document.getElementById('count')!.textContent === String(k), keptBoth.length);
      expect(await tableLabels(page)).toEqual(keptBoth);
      await page.click('#save-all');
      expect((await posted(page)).pop()).toMatchObject({ type: 'save', what: 'all', filters: { max: areaOf(5), edges: true, unit: 'um' } });
      await page.close();
    });
  },
);
