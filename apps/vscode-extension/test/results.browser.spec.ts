// The results pages in a real browser (Debian chromium via playwright-core), at a laptop's editor
// size (1400x860) and a narrow one: the evaluation of one model, the comparison of two, a batch
// summary, and the training page once it is done. Tables as the host builds them. Skips when
// chromium is absent.
import * as path from 'path';
import type { MetricsTable } from '../src/webview/messages';
import { comparisonTable, reportToTable } from '../src/commands/evaluateModel';
import { flagOutliers } from '../src/commands/segmentBatch';
import { evaluateImages } from '../../../packages/evaluation/src/report';
import { CHROMIUM, describeBrowser, openStubbedPage, usePages } from './browser-page';
import { encodePng, makeSyntheticCase } from './fixtures';

const WIDE = { width: 1400, height: 860 };
const NARROW = { width: 480, height: 700 };

/** DSB-like sample ids (64 hex characters) with label images that score differently. */
function report(shift: number) {
  const items = Array.from({ length: 8 }, (_, k) => {
    const width = 40;
    const height = 40;
    const truth = new Int32Array(width * height);
    const pred = new Int32Array(width * height);
    // Four 8x8 nuclei; the prediction is shifted by `shift + k % 3` pixels (more shift, fewer matches).
    for (let n = 0; n < 4; n++)
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          const x0 = 2 + (n % 2) * 20;
          const y0 = 2 + (n >> 1) * 20;
          truth[(y0 + y) * width + x0 + x] = n + 1;
          const d = n < 2 ? shift + (k % 3) : 0;
          pred[(y0 + y) * width + x0 + x + d] = n + 1;
        }
    const id = (k.toString(16) + 'a7d30b252359a10fd298b638b90cb9ada3acced4e0c0e5a3692013f432ee4e9').slice(0, 64);
    return { id, predLabels: pred, trueLabels: truth, width, height };
  });
  return evaluateImages(items);
}

describeBrowser('results pages browser test')(`results pages in chromium${CHROMIUM ? '' : ' (SKIPPED: chromium not found)'}`, () => {
  jest.setTimeout(30_000);
  const pages = usePages('nuclei-results-', async () => encodePng(makeSyntheticCase()));
  const errors: string[] = [];
  afterEach(() => expect(errors).toEqual([]));

  async function showTable(viewport: { width: number; height: number }, heading: string, table: MetricsTable, text?: string): Promise<any> {
    const page = await openStubbedPage(pages.browser, `${pages.origin}/?view=evaluate`, { viewport, errors });
    await page.evaluate((m: unknown) => window.postMessage(m, '*'), { type: 'evaluation', heading, table, text });
    await page.waitForSelector('body[data-state="done"]');
    return page;
  }

  /** Every control (buttons, header cells, rows that open) is inside the window, and the page itself never scrolls sideways. */
  async function controlsInView(page: any): Promise<string[]> {
    return page.evaluate(() => {
      const out: string[] = [];
      const root = document.documentElement;
      if (root.scrollWidth > root.clientWidth) out.push(`page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
      for (const el of Array.from(document.querySelectorAll('button, select, input'))) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue; // hidden
        if (r.left < 0 || r.top < 0 || r.right > window.innerWidth || r.bottom > window.innerHeight)
          out.push(`#${el.id} at ${r.left},${r.top}-${r.right},${r.bottom}`);
      }
      return out;
    });
  }

  /** The header cells whose whole box shows in the table's scrolling area, as their text. */
  function visibleHeaders(page: any): Promise<string[]> {
    return page.evaluate(() => {
      const wrap = document.getElementById('metrics-wrap')!.getBoundingClientRect();
      return Array.from(document.querySelectorAll('#metrics thead th'))
        .filter((th) => {
          const r = th.getBoundingClientRect();
          return r.left >= wrap.left - 0.5 && r.right <= Math.min(wrap.right, window.innerWidth) + 0.5;
        })
        .map((th) => th.textContent);
    });
  }

  const rowsText = (page: any) => page.$$eval('#metrics tr', (trs: Element[]) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)));

  it('evaluation: nucleus F1, precision and recall and the DSB score first, short names, whole counts, a row opens its image', async () => {
    const table = reportToTable(report(1));
    for (const viewport of [WIDE, NARROW]) {
      const page = await showTable(viewport, 'stage1_test: 8 images', table);
      expect(await controlsInView(page)).toEqual([]);
      expect(await page.textContent('#status')).toBe('stage1_test: 8 images');
      expect(await page.textContent('#verdict')).toMatch(/^Mean over 8 images: F1 @0.5 0\.\d{3} \(precision/);
      const text = await rowsText(page);
      expect(text[0].slice(0, 7)).toEqual(['image', 'F1 @0.5', 'precision @0.5', 'recall @0.5', 'DSB score', 'found', 'true']);
      // Sample ids shortened to a unique prefix (the full id in the tooltip); counts whole; the mean's count with one decimal.
      expect(text[1][0]).toBe('0a7d30b2\u2026');
      expect(await page.getAttribute('#metrics tbody tr:first-child td:first-child', 'title')).toBe(table.rows[0].name);
      expect(text[1][5]).toBe('4');
      expect(text[text.length - 1][6]).toBe('4');
      if (viewport === WIDE) {
        expect(await visibleHeaders(page)).toEqual(['image', ...table.columns]);
        await page.screenshot({ path: path.join(__dirname, '../test-output/evaluate-1400.png') });
      } else {
        // Narrow: the table scrolls inside its area; the image column and the first metrics show.
        expect((await visibleHeaders(page)).slice(0, 3)).toEqual(['image', 'F1 @0.5', 'precision @0.5']);
        await page.screenshot({ path: path.join(__dirname, '../test-output/evaluate-narrow.png') });
      }
      await page.click('#metrics tbody tr:nth-child(2)');
      await page.focus('#metrics tbody tr:nth-child(3)');
      await page.keyboard.press('Enter');
      const posted = await page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
      expect(posted).toEqual([{ type: 'ready' }, { type: 'openRow', name: table.rows[1].name }, { type: 'openRow', name: table.rows[2].name }]);
      await page.close();
    }
  });

  it('comparison: B - A beside A and B, the better value marked, the verdict above, key columns in view at 1400x860', async () => {
    const table = comparisonTable(report(3), report(1));
    for (const viewport of [WIDE, NARROW]) {
      const page = await showTable(viewport, 'stage1_test, 8 images: A = old, B = new', table);
      expect(await controlsInView(page)).toEqual([]);
      expect(await page.textContent('#verdict')).toMatch(/^B better on \d of 8 images \(by DSB score\); mean B\u2212A: DSB \+0\.\d{3}, F1 @0\.5 \+0\.\d{3}$/);
      if (viewport === WIDE) {
        expect((await visibleHeaders(page)).slice(0, 10)).toEqual(['image', ...table.columns.slice(0, 9)]);
        await page.screenshot({ path: path.join(__dirname, '../test-output/compare-1400.png') });
      }
      // The better DSB of a row where B wins is B's, marked; its difference is signed and green.
      const row = table.rows.findIndex((r) => r.values['DSB score B'] > r.values['DSB score A']);
      const cells = await page.$$eval(
        `#metrics tbody tr`,
        (trs: Element[], name: string) => {
          const tr = trs.find((t) => (t.firstElementChild as HTMLElement).title === name)!;
          return Array.from(tr.children).map((c) => ({ text: c.textContent, cls: c.className }));
        },
        table.rows[row].name,
      );
      const col = (name: string) => table.columns.indexOf(name) + 1;
      expect(cells[col('DSB score B')].cls).toBe('better');
      expect(cells[col('DSB score A')].cls).toBe('');
      expect(cells[col('DSB score B\u2212A')]).toEqual({ text: expect.stringMatching(/^\+0\.\d{3}$/), cls: 'up' });
      await page.close();
    }
  });

  it('batch: "7 of 7 images", outliers flagged beside their name, a row opens its image', async () => {
    const counts = [40, 42, 38, 3, 41, 120, 39];
    const rows = counts.map((n, i) => ({
      name: `well_${i + 1}.tif`,
      values: { nuclei: n, 'mean area (px)': 61.25, 'median area (px)': 60, 'covered (%)': 12.5 } as Record<string, number>,
    }));
    flagOutliers(rows);
    const table: MetricsTable = {
      columns: ['nuclei', 'mean area (px)', 'median area (px)', 'covered (%)'],
      rows,
      mean: { nuclei: 323 / 7, 'mean area (px)': 61.25, 'median area (px)': 60, 'covered (%)': 12.5 },
      decimals: { nuclei: 0, 'mean area (px)': 1, 'median area (px)': 1, 'covered (%)': 1 },
      opens: 'Open this image with its result in the viewer',
      verdict: '323 nuclei in 7 images; 2 with a count far from the median (flagged): worth a look',
    };
    for (const viewport of [WIDE, NARROW]) {
      const page = await showTable(viewport, '7 of 7 images \u2192 /data/plate1/nuclei-default', table);
      expect(await controlsInView(page)).toEqual([]);
      expect(await page.textContent('#status')).toBe('7 of 7 images \u2192 /data/plate1/nuclei-default');
      const text = await rowsText(page);
      expect(text[4]).toEqual(['well_4.tif \u26A0 8% of the median (40)', '3', '61.3', '60.0', '12.5']);
      expect(text[6][0]).toBe('well_6.tif \u26A0 3.0\u00d7 the median (40)');
      expect(text[1][0]).toBe('well_1.tif');
      expect(text[8]).toEqual(['mean', '46.1', '61.3', '60.0', '12.5']);
      await page.click('#metrics tbody tr:nth-child(4)');
      expect((await page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted)).slice(1)).toEqual([{ type: 'openRow', name: 'well_4.tif' }]);
      if (viewport === WIDE) await page.screenshot({ path: path.join(__dirname, '../test-output/batch-1400.png') });
      await page.close();
    }
  });

  it('training page: once done or cancelled, no ETA and no Cancel button', async () => {
    for (const status of ['completed', 'cancelled'] as const) {
      const page = await openStubbedPage(pages.browser, `${pages.origin}/?view=train`, { viewport: NARROW, errors });
      await page.evaluate(() => {
        window.postMessage({ type: 'trainStart', epochs: 2, datasetName: 'stage1_train', samples: 8 }, '*');
        window.postMessage({ type: 'trainProgress', progress: { epoch: 1, epochs: 2, batch: 1, batches: 4, loss: 0.5, etaSeconds: 30 } }, '*');
      });
      await page.waitForFunction(() => document.getElementById('eta')!.textContent === '30 s');
      expect(await page.isVisible('#cancel')).toBe(true);
      expect(await controlsInView(page)).toEqual([]);
      await page.evaluate(
        (s: string) =>
          new Promise<void>((resolve) => {
            // Messages arrive in order: once 'flushed' has, the page has handled the two before it.
            window.addEventListener('message', (e) => e.data === 'flushed' && resolve());
            window.postMessage({ type: 'trainDone', status: s, modelDir: '/runs/r1/best' }, '*');
            // A progress message still in flight must not bring the ETA back.
            window.postMessage({ type: 'trainProgress', progress: { epoch: 2, epochs: 2, batch: 4, batches: 4, loss: 0.4, etaSeconds: 3 } }, '*');
            window.postMessage('flushed', '*');
          }),
        status,
      );
      expect(await page.getAttribute('body', 'data-state')).toBe(status);
      expect(await page.isVisible('#cancel')).toBe(false);
      expect(await page.isVisible('#eta')).toBe(false);
      expect(await page.textContent('#epoch')).toBe('1/2');
      expect(await controlsInView(page)).toEqual([]);
      await page.close();
    }
  });
});
