// Opt-in (NUCLEI_E2E=1, `npm run e2e -w nuclei-vscode`): the packaged .vsix installed into a real
// VS Code (code-server 4.100.3, installed into ~/.cache/nuclei-e2e by the setup), a folder with a
// synthetic image opened, "Segment nuclei in image" run from the command palette, and the
// webview checked for the overlay and the count; then the correction loop (Edit mode, Save
// corrections, Fine-tune on my corrections, Use it). Driven with Debian chromium + playwright-core.
import { spawn, execFileSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import type { Point } from '@nuclei/segmentation/label-edit';
import { planCorrections, readLabelImage, samePartition } from './corrections-plan';
import { APP, E2E, makeWorkspace, packagedVsix } from './support';
import { writeSlideResult } from '../../../../packages/slide/src/test-utils/slide-result';

// NUCLEI_CHROMIUM, when set, is the only browser tried (empty: behave as if there were none).
const CHROMIUM = (process.env.NUCLEI_CHROMIUM !== undefined ? [process.env.NUCLEI_CHROMIUM] : ['/usr/lib/chromium/chromium', '/usr/bin/chromium']).find(
  (p) => !!p && fs.existsSync(p),
);
const run = E2E && CHROMIUM ? describe : describe.skip;
if (!E2E) {
  process.stderr.write('SKIPPED VS Code end-to-end test: set NUCLEI_E2E=1 (npm run e2e -w nuclei-vscode)\n');
} else if (!CHROMIUM) {
  process.stderr.write('SKIPPED VS Code end-to-end test: chromium not found (apt-get install -y chromium)\n');
}

const { ensureCodeServer } = require(path.join(APP, 'scripts/install-code-server.js')) as { ensureCodeServer(): string };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitHealthy(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`code-server did not answer ${url} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Runs a command by its palette title; retries while the extension host is still registering it. */
async function runFromPalette(page: any, title: string): Promise<boolean> {
  for (let attempt = 0; attempt < 8; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input.input');
    try {
      await input.waitFor({ timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 5_000 });
    } catch {
      // Under load the palette can close again before it takes input (focus moves while the
      // workbench or the extension host is still starting): open it again.
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1_000);
      continue;
    }
    const item = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title });
    try {
      await item.first().waitFor({ timeout: 4_000 });
      await page.keyboard.press('Enter');
      return true;
    } catch {
      // The palette opened before the extension was registered: close it and try again.
      await page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden', timeout: 10_000 });
      await page.waitForTimeout(1_000); // give the extension host a moment before asking again
    }
  }
  return false;
}

/**
 * The frame of our segmentation page for `fileName` once it has drawn: waits for the editor tab
 * "Nuclei: <fileName>" to be the active one, then for a live (attached) webview frame whose page
 * is the segmentation view of that file in a drawn state. Frames in `stale` (an earlier page, the
 * image preview) are never taken. Throws with what it saw when the time runs out.
 */
async function segmentationFrame(page: any, fileName: string, stale: unknown[] = [], ms = 180_000, tabText = `Nuclei: ${fileName}`): Promise<any> {
  const deadline = Date.now() + ms;
  const tab = page.locator('.tabs-container .tab.active', { hasText: tabText });
  await tab.first().waitFor({ timeout: ms });
  let seen = '';
  while (Date.now() < deadline) {
    const states: string[] = [];
    for (const f of page.frames()) {
      if (f.isDetached() || stale.includes(f)) continue;
      try {
        const body = await f.$('body[data-view="segment"]');
        if (!body) continue;
        const state = await body.getAttribute('data-state');
        const name = await f.textContent('#file-name').catch(() => null);
        states.push(`${name ?? '?'}:${state ?? 'no state'}`);
        if (name === fileName && state?.startsWith('drawn')) return f;
      } catch {
        /* frame detached meanwhile */
      }
    }
    seen = states.join(', ') || 'no segmentation page';
    await page.waitForTimeout(250);
  }
  throw new Error(`the segmentation page of ${fileName} did not draw within ${ms} ms (frames: ${seen})`);
}

/** The first webview frame showing page `view` for which `ready(frame)` holds, waited for; frames in `stale` are never taken. */
async function pageFrame(page: any, view: string, ready: (f: any) => Promise<boolean>, ms = 180_000, stale: unknown[] = []): Promise<any> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      try {
        if (!f.isDetached() && !stale.includes(f) && (await f.$(`body[data-view="${view}"]`)) && (await ready(f))) return f;
      } catch {
        /* frame detached meanwhile */
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no ${view} page got ready within ${ms} ms`);
}

/** What the quick input shows (title, value, rows, the active row), for failure messages. */
async function quickInputState(page: any): Promise<string> {
  return page.evaluate(() => {
    const w = document.querySelector('.quick-input-widget') as HTMLElement | null;
    if (!w || w.style.display === 'none') return 'quick input hidden';
    const input = w.querySelector('input.input') as HTMLInputElement | null;
    const rows = Array.from(w.querySelectorAll('.quick-input-list .monaco-list-row')).map(
      (r) => (r.classList.contains('focused') ? '*' : '') + (r.getAttribute('aria-label') ?? r.textContent ?? ''),
    );
    const title = w.querySelector('.quick-input-title')?.textContent ?? '';
    const message = w.querySelector('.quick-input-message')?.textContent ?? '';
    return `title "${title}", value "${input?.value}", message "${message}", rows [${rows.join(' | ')}]`;
  });
}

/**
 * Answers VS Code's own (browser) open dialog: a quick input titled `title` whose value is a path
 * and whose list shows that folder's entries. The dialog lists its first folder asynchronously and,
 * when that listing ends, puts the folder back into the box: a path typed before then is lost, and
 * Enter then opens the folder or the active row instead of the file (this is how the test failed
 * under load). So: type once the first listing is shown, press Enter only once the box still holds
 * the path and the list is that of the file's folder (with no other row active), and type again if
 * the dialog reset the box. Done when the dialog closes.
 */
async function answerOpenDialog(page: any, title: string, file: string, ms = 120_000): Promise<void> {
  const dialog = page.locator('.quick-input-widget', { has: page.locator('.quick-input-title', { hasText: title }) });
  const input = dialog.locator('input.input');
  const base = path.basename(file);
  const deadline = Date.now() + ms;
  const state = (): Promise<{ value: string; rows: string[]; active?: string }> =>
    page.evaluate(() => {
      const w = document.querySelector('.quick-input-widget');
      const rows = Array.from(w?.querySelectorAll('.quick-input-list .monaco-list-row') ?? []);
      const label = (r: Element): string => r.querySelector('.label-name')?.textContent ?? r.getAttribute('aria-label') ?? '';
      const active = rows.find((r) => r.classList.contains('focused'));
      return { value: (w?.querySelector('input.input') as HTMLInputElement | null)?.value ?? '', rows: rows.map(label), active: active && label(active) };
    });
  try {
    await input.waitFor({ state: 'visible', timeout: ms });
    let typed = 0;
    let entered = 0;
    while (Date.now() < deadline) {
      const st = await state();
      const listed = st.rows.length > 0;
      if (st.value !== file) {
        // Type once the dialog shows a listing (its first one, or after it reset the box).
        if (listed && st.value.endsWith('/')) {
          await input.fill(file);
          typed++;
        }
      } else if (st.rows.some((r) => r.trim() === base) && (!st.active || st.active.trim() === base)) {
        await input.press('Enter');
        entered++;
        try {
          await input.waitFor({ state: 'hidden', timeout: 15_000 });
          return;
        } catch {
          /* still open: look again */
        }
        continue;
      }
      await page.waitForTimeout(200);
    }
    throw new Error(`still open after ${ms} ms (typed ${typed}x, Enter ${entered}x)`);
  } catch (e) {
    throw new Error(`the open dialog "${title}" did not take ${file}: ${(e as Error).message.split('\n')[0]}; ${await quickInputState(page)}`);
  }
}

/** The Nuclei output channel as code-server wrote it to its logs (for failure messages). */
function nucleiLog(userData: string): string {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/Nuclei\.log$/.test(e.name)) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(path.join(userData, 'logs'));
  return out.join('\n').slice(-3000) || '(no Nuclei output channel log)';
}

/** The bundled model's folder in the installed extension. */
function bundledModelDir(extensionsDir: string): string {
  const ext = fs.readdirSync(extensionsDir).find((d) => fs.existsSync(path.join(extensionsDir, d, 'dist/models/default/nuclei-model.json')));
  if (!ext) throw new Error(`no installed extension with dist/models/default in ${extensionsDir}`);
  return path.join(extensionsDir, ext, 'dist/models/default');
}

run(`VS Code (code-server) end to end${E2E ? '' : ' (SKIPPED: set NUCLEI_E2E=1)'}`, () => {
  jest.setTimeout(600_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-e2e-'));
  const home = path.join(tmp, 'home');
  const userData = path.join(tmp, 'user-data');
  const extensions = path.join(tmp, 'extensions');
  const outDir = path.join(APP, 'test-output');
  let server: ChildProcess | undefined;
  const serverLog: string[] = [];
  let browser: any;
  let page: any;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let hasModel = false;
  let installedMs = 0;

  /** Runs a test's steps; on a failure adds a screenshot, what the quick input shows, and the server's and extension's logs. */
  async function diagnosed(shotName: string, steps: () => Promise<void>): Promise<void> {
    try {
      await steps();
    } catch (e) {
      fs.mkdirSync(outDir, { recursive: true });
      const shot = path.join(outDir, shotName);
      await page?.screenshot({ path: shot }).catch(() => undefined);
      const quick = page ? await quickInputState(page).catch(() => 'quick input: page gone') : 'no page';
      (e as Error).message +=
        `\n\nscreenshot: ${shot}\n${quick}\n\nNuclei log:\n${nucleiLog(userData)}\n\ncode-server log (end):\n${serverLog.join('').slice(-2000)}`;
      throw e;
    }
  }

  beforeAll(async () => {
    const codeServer = ensureCodeServer();
    const packaged = packagedVsix();
    hasModel = packaged.hasModel;
    ws = await makeWorkspace(tmp, !hasModel);
    for (const d of [home, userData, extensions]) fs.mkdirSync(d, { recursive: true });
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(
      path.join(userData, 'User', 'settings.json'),
      JSON.stringify(
        {
          'security.workspace.trust.enabled': false,
          'workbench.startupEditor': 'none',
          'telemetry.telemetryLevel': 'off',
          'extensions.autoCheckUpdates': false,
          'extensions.autoUpdate': false,
          'workbench.tips.enabled': false,
          'nuclei.backend': 'wasm',
          // Fine-tuning (the training dialog and "Fine-tune on my corrections") fast: one epoch, on
          // the corrected image alone (no share of the base model's training data mixed in).
          'nuclei.epochs': 1,
          'nuclei.fineTuneMixShare': 0,
          ...(ws.modelDir ? { 'nuclei.modelPath': ws.modelDir } : {}),
        },
        null,
        2,
      ),
    );
    const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local/share') };
    const t0 = Date.now();
    execFileSync(codeServer, ['--install-extension', packaged.vsix, '--extensions-dir', extensions, '--user-data-dir', userData], { env, stdio: 'pipe' });
    installedMs = Date.now() - t0;

    const port = await freePort();
    server = spawn(
      codeServer,
      [
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--user-data-dir',
        userData,
        '--extensions-dir',
        extensions,
        ws.dir,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout!.on('data', (d) => serverLog.push(String(d)));
    server.stderr!.on('data', (d) => serverLog.push(String(d)));
    await waitHealthy(`http://127.0.0.1:${port}/healthz`, 30_000);

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
      env: { ...process.env, HOME: home },
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await diagnosed('vscode-e2e-failure.png', async () => {
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (server?.pid) {
      try {
        process.kill(server.pid);
      } catch {
        /* gone */
      }
    }
    if (process.env.NUCLEI_E2E_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('runs "Segment nuclei in image" from the palette and shows the overlay and the count', async () => {
    let count = 0;
    let meanArea: string | null = null;
    let hover: string | null = null;
    await diagnosed('vscode-e2e-failure.png', async () => {
      const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'cells.png' });
      await row.waitFor({ timeout: 60_000 });
      // Open the image (VS Code's image preview), so the command takes it as the active image.
      await row.dblclick();
      await page.waitForSelector('.tab.active[aria-label*="cells.png"], .tab.active:has-text("cells.png")', { timeout: 30_000 });
      // The command is offered in the title bar of the image preview (resourceExtname when clause)...
      const titleAction = page.locator('.editor-actions .action-label[aria-label*="Segment nuclei in image"]');
      await titleAction.first().waitFor({ timeout: 60_000 });
      // ...and in the explorer context menu of the image.
      await row.click({ button: 'right' });
      const menuItem = page.locator('.context-view .monaco-menu .action-label', { hasText: 'Segment nuclei in image' });
      await menuItem.first().waitFor({ timeout: 10_000 });
      await page.keyboard.press('Escape');
      await page.locator('.tab.active').first().click();

      const title = 'Segment nuclei in image';
      expect(await runFromPalette(page, title)).toBe(true);

      const frame = await segmentationFrame(page, 'cells.png');
      count = Number(await frame.textContent('#count'));
      meanArea = await frame.textContent('#mean-area');
      expect(Number.isInteger(count)).toBe(true);
      if (hasModel) expect(count).toBeGreaterThan(0);
      expect(await frame.textContent('#file-name')).toBe('cells.png');
      // The overlay is drawn over the loaded image: 'drawn', not 'drawn-no-image'. The page draws the
      // overlay as soon as it arrives and again when the image has loaded, so wait for that.
      await frame.waitForFunction(() => document.body.dataset.state === 'drawn', undefined, { timeout: 30_000 });
      expect(await frame.getAttribute('body', 'data-state')).toBe('drawn');
      // Hover over the canvas shows something (a nucleus or the background).
      const canvas = frame.locator('#view');
      const box = await canvas.boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await frame.waitForFunction(() => (document.getElementById('hover')?.textContent ?? '').trim() !== '', undefined, { timeout: 10_000 });
      hover = await frame.textContent('#hover');
      fs.mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(tmp, 'vscode-segment.png') });
      await page.screenshot({ path: path.join(outDir, 'vscode-segment.png') });

      // From the palette with no image open: the command asks with a file dialog (VS Code's own
      // dialog in the browser: a path box in the quick input), answered with the image's path.
      const before = page.frames();
      expect(await runFromPalette(page, 'View: Close All Editors')).toBe(true);
      await page.waitForFunction(() => document.querySelectorAll('.tabs-container .tab').length === 0, undefined, { timeout: 30_000 });
      expect(await runFromPalette(page, title)).toBe(true);
      await answerOpenDialog(page, 'Choose a microscopy image', ws.image);
      const again = await segmentationFrame(page, 'cells.png', before);
      expect(await again.textContent('#file-name')).toBe('cells.png');
      await again.waitForFunction(() => document.body.dataset.state === 'drawn', undefined, { timeout: 30_000 });
      expect(await again.getAttribute('body', 'data-state')).toBe('drawn');
      expect(Number(await again.textContent('#count'))).toBe(count);
      // The measurement table: a row click selects its nucleus.
      if (count > 0) {
        await again.click('#nuclei-table tbody tr:first-child');
        await again.waitForFunction(() => (document.getElementById('view') as HTMLCanvasElement).dataset.selected !== '0', undefined, { timeout: 10_000 });
      }

      // A TIFF opens in the extension's own viewer (a custom editor: VS Code cannot show TIFF);
      // its Segment button segments in the same tab: the same pixels give the same nuclei.
      const tif = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'cells.tif' });
      await tif.dblclick();
      const viewer = await segmentationFrame(page, 'cells.tif', [], 120_000, 'cells.tif');
      expect(await viewer.getAttribute('body', 'data-mode')).toBe('image');
      await viewer.click('#segment-now');
      await viewer.waitForFunction(() => document.body.dataset.mode === 'segmented', undefined, { timeout: 180_000 });
      expect(Number(await viewer.textContent('#count'))).toBe(count);
      await page.screenshot({ path: path.join(outDir, 'vscode-tiff-viewer.png') });

      // The status-bar item names the model in use and opens the model picker.
      await page.locator('.statusbar-item', { hasText: 'Nuclei:' }).first().click();
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Nuclei: model for segmentation and evaluation' }).waitFor({ timeout: 30_000 });
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Bundled model' }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.press('Escape');

      // An explorer multi-selection segments every selected image, with one summary page.
      // Both rows must still be selected when the menu is open: under load a Ctrl+click can land as a
      // plain click, and the right-click can drop the other row; then the menu is closed and it is tried again.
      const selectedRows = () => page.locator('.explorer-folders-view .monaco-list-row.selected').count();
      for (let attempt = 1; ; attempt++) {
        await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'cells.png' }).click();
        await tif.click({ modifiers: ['Control'] });
        const both = await page
          .waitForFunction(() => document.querySelectorAll('.explorer-folders-view .monaco-list-row.selected').length === 2, undefined, { timeout: 5_000 })
          .then(() => true)
          .catch(() => false);
        if (both) {
          await tif.click({ button: 'right' });
          // (VS Code's menus act on the item under the pointer when Enter is pressed, not on a synthetic click.)
          await page.locator('.context-view .monaco-menu .action-label', { hasText: 'Segment nuclei in image' }).first().hover();
          if ((await selectedRows()) === 2) break;
          await page.keyboard.press('Escape');
        }
        if (attempt === 6) {
          const rows = await page.locator('.explorer-folders-view .monaco-list-row.selected').allTextContents();
          throw new Error(`the explorer did not keep cells.png and cells.tif selected with the menu open (selected: ${rows.join(', ')})`);
        }
      }
      await page.keyboard.press('Enter');
      // Where the results go is asked once for the run: the default, one folder beside the images.
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'where the results of 2 images go' }).waitFor({ timeout: 30_000 });
      await page.keyboard.press('Enter');
      const summary = await pageFrame(page, 'evaluate', (f) => f.$eval('body', (b: HTMLElement) => b.dataset.state === 'done'), 90_000);
      expect(await summary.$$eval('#metrics tbody tr', (trs: Element[]) => trs.map((tr) => tr.children[0].textContent))).toEqual(['cells.png', 'cells.tif']);
      expect(await summary.textContent('#status')).toMatch(/^2 of 2 images \u2192 .*nuclei-/);
      const results = fs.readdirSync(ws.dir).filter((f) => f.startsWith('nuclei-'));
      expect(results).toHaveLength(1);
      expect(fs.readdirSync(path.join(ws.dir, results[0]))).toEqual(expect.arrayContaining(['cells_labels.png', 'cells_tif_labels.png']));
      // Batch -> row -> viewer: the row opens that image with its saved result.
      await summary.click('#metrics tbody tr:nth-child(2)');
      const fromBatch = await segmentationFrame(page, 'cells.tif', [], 90_000);
      expect(Number(await fromBatch.textContent('#count'))).toBe(count);

      // A saved label image opened from the explorer: the labels viewer shows it as a result over
      // the image its summary names (not black, as VS Code's own preview shows a 16-bit label PNG).
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: results[0] }).first().click();
      const labelsRow = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'cells_labels.png' });
      await labelsRow.first().waitFor({ timeout: 30_000 });
      await labelsRow.first().dblclick();
      const reopened = await segmentationFrame(page, 'cells.png', [fromBatch], 90_000, 'cells_labels.png');
      await reopened.waitForFunction(() => document.body.dataset.state === 'drawn', undefined, { timeout: 30_000 });
      expect(Number(await reopened.textContent('#count'))).toBe(count);
      if (count > 0) {
        // The overlay's colours are drawn: some pixel of the view is neither black nor grey.
        const coloured = await reopened.$eval('#view', (c: HTMLCanvasElement) => {
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 40) n++;
          return n;
        });
        expect(coloured).toBeGreaterThan(0);
      }
      await page.screenshot({ path: path.join(outDir, 'vscode-labels-viewer.png') });

      // A whole slide's result (OME-Zarr labels, as `nuclei slide merge` writes them) opened from the
      // palette: the slide viewer shows it by tiles, fitted at a coarse level, every nucleus in its
      // table; a row click goes to full resolution around that nucleus.
      const slide = await writeSlideResult(path.join(tmp, 'slide-run'), 1800, 1100, { chunk: 256, format: 'tif' });
      expect(await runFromPalette(page, 'Open slide result')).toBe(true);
      await answerOpenDialog(page, 'A slide result', slide.outputs.summary);
      const slideView = await pageFrame(
        page,
        'slide',
        (f) => f.$eval('body', (b: HTMLElement) => b.dataset.state === 'drawn' && b.dataset.rows !== undefined),
        90_000,
      );
      expect(await slideView.textContent('#count')).toBe(slide.count.toLocaleString('en-US'));
      expect(Number(await slideView.getAttribute('body', 'data-rows'))).toBe(slide.count);
      expect(Number(await slideView.getAttribute('body', 'data-level'))).toBeGreaterThan(0);
      await slideView.click('#nuclei-table tbody tr:first-child');
      await slideView.waitForFunction(() => document.body.dataset.level === '0' && document.body.dataset.state === 'drawn', undefined, { timeout: 60_000 });
      expect(Number(await slideView.$eval('#view', (c: HTMLElement) => c.dataset.selected))).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(outDir, 'vscode-slide-viewer.png') });

      // Evaluate -> row -> overlay: the model scored on the labelled folder, a row opens that image
      // with the nuclei found over the true ones (outlined).
      expect(await runFromPalette(page, 'Evaluate nuclei model')).toBe(true);
      await answerOpenDialog(page, 'Labelled dataset folder to evaluate on', ws.dataset);
      const evaluation = await pageFrame(
        page,
        'evaluate',
        (f) => f.$eval('body', (b: HTMLElement) => b.dataset.state === 'done' && /train-data/.test(document.getElementById('status')!.textContent ?? '')),
        180_000,
        [summary],
      );
      const heads = await evaluation.$$eval('#metrics thead th', (ths: Element[]) => ths.map((th) => th.textContent));
      expect(heads.slice(0, 5)).toEqual(['image', 'F1 @0.5', 'precision @0.5', 'recall @0.5', 'DSB score']);
      const sample = (await evaluation.getAttribute('#metrics tbody tr:first-child td:first-child', 'title')) as string;
      await evaluation.click('#metrics tbody tr:first-child');
      const overlay = await segmentationFrame(page, `${sample}.png (yellow outlines: the true nuclei)`, [fromBatch], 120_000, `Nuclei: ${sample}.png`);
      await page.screenshot({ path: path.join(outDir, 'vscode-evaluate-overlay.png') });
      expect(Number(await overlay.textContent('#count'))).toBeGreaterThanOrEqual(0);

      // The training dialog: dataset folder, fine-tune the bundled model, run name, epochs; the
      // training page then draws the validation curve and offers the trained model.
      expect(await runFromPalette(page, 'Train nuclei model')).toBe(true);
      await answerOpenDialog(page, 'Dataset folder', ws.dataset);
      const quick = page.locator('.quick-input-widget input.input');
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'start training from' }).waitFor({ timeout: 30_000 });
      await quick.fill('Fine-tune');
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'name of this training run' }).waitFor({ timeout: 30_000 });
      expect(await quick.inputValue()).toBe('fine-tuned');
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Nuclei: epochs' }).waitFor({ timeout: 30_000 });
      expect(await quick.inputValue()).toBe('1'); // nuclei.epochs (set above for the correction loop) is the suggestion
      await quick.fill('1');
      await page.keyboard.press('Enter');
      const training = await pageFrame(page, 'train', (f) => f.$eval('body', (b: HTMLElement) => b.dataset.state === 'completed'), 300_000);
      // The loss curve is drawn; fine-tuning holds no images out (FINE_TUNE.validationSplit 0): no validation points.
      expect(Number(await training.getAttribute('#chart-loss', 'data-points'))).toBeGreaterThanOrEqual(1);
      expect(Number(await training.getAttribute('#chart-loss', 'data-validation'))).toBe(0);
      expect(await training.isVisible('#done-actions')).toBe(true);
      const runs = fs.readdirSync(path.join(ws.dataset, 'models'));
      expect(runs).toEqual([expect.stringMatching(/^fine-tuned-\d{4}-\d\d-\d\d-\d{4}$/)]);
      expect(fs.existsSync(path.join(ws.dataset, 'models', runs[0], 'best', 'model.json'))).toBe(true);
      await page.screenshot({ path: path.join(outDir, 'vscode-training.png') });
    });

    console.log(
      `e2e: installed in ${installedMs} ms; ${count} nuclei, mean area ${meanArea}; hover "${hover}"; ` +
        `model ${hasModel ? 'bundled default' : 'tiny untrained (package has no default model)'}; screenshot ${path.join(outDir, 'vscode-segment.png')}`,
    );
  });

  // Issue 26, "Correct and retrain in the editor": the viewer's Edit mode driven with the keys and
  // the mouse inside VS Code, the corrections saved as training data, the model fine-tuned on
  // them from the palette, and the new model put to use.
  it('corrects a segmentation in Edit mode (delete, split, draw), saves it, fine-tunes on it and uses the new model', async () => {
    const started = Date.now();
    let summary = '';
    await diagnosed('vscode-e2e-corrections-failure.png', async () => {
      // A clean slate: no earlier viewer or training page, and no toast over the image.
      expect(await runFromPalette(page, 'View: Close All Editors')).toBe(true);
      await page.waitForFunction(() => document.querySelectorAll('.tabs-container .tab').length === 0, undefined, { timeout: 30_000 });
      expect(await runFromPalette(page, 'Notifications: Clear All Notifications')).toBe(true);
      await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'detached', timeout: 30_000 });
      const stale = page.frames();
      const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'cells.png' });
      await row.dblclick();
      await page.waitForSelector('.tab.active[aria-label*="cells.png"], .tab.active:has-text("cells.png")', { timeout: 30_000 });
      expect(await runFromPalette(page, 'Segment nuclei in image')).toBe(true);
      const frame = await segmentationFrame(page, 'cells.png', stale);
      await frame.waitForFunction(() => document.body.dataset.state === 'drawn', undefined, { timeout: 30_000 });
      // A toast over the canvas would take the clicks: the segmenting one goes when it is done, others are cleared.
      await page.locator('.notifications-toasts .notification-toast', { hasText: 'segmenting' }).first().waitFor({ state: 'detached', timeout: 60_000 });
      expect(await runFromPalette(page, 'Notifications: Clear All Notifications')).toBe(true);
      await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'detached', timeout: 30_000 });

      // What to correct, from the page's own labels.
      const { width: W, height: H } = await sharp(ws.image).metadata();
      const labelsNow = async (): Promise<Int32Array> =>
        Int32Array.from(await frame.evaluate(() => Array.from((window as unknown as { __nucleiLabels(): Int32Array }).__nucleiLabels())));
      const start = await labelsNow();
      expect(start.length).toBe(W! * H!);
      const plan = planCorrections(start, W!, H!);
      expect(Number(await frame.textContent('#count'))).toBe(plan.count);
      const countIs = (n: number) => frame.waitForFunction((c: string) => document.getElementById('count')?.textContent === c, String(n), { timeout: 30_000 });

      /** Page coordinates of the image point (x, y), from the canvas transform the page exposes (read anew: zoom and pan may change). */
      const at = async ([x, y]: Point): Promise<[number, number]> => {
        const box = await frame.locator('#view').boundingBox();
        const d = await frame.$eval('#view', (c: HTMLCanvasElement) => ({
          w: c.width,
          scale: Number(c.dataset.scale),
          ox: Number(c.dataset.offsetX),
          oy: Number(c.dataset.offsetY),
        }));
        const k = box.width / d.w;
        return [box.x + (d.ox + x * d.scale) * k, box.y + (d.oy + y * d.scale) * k];
      };
      /** Presses at the first point, moves through the others in small steps, releases at the last. */
      const drag = async (points: Point[]): Promise<void> => {
        await page.mouse.move(...(await at(points[0])));
        await page.mouse.down();
        for (const p of points.slice(1)) await page.mouse.move(...(await at(p)), { steps: 4 });
        await page.mouse.up();
      };
      const tool = async (key: string, name: string): Promise<void> => {
        await page.keyboard.press(key);
        await frame.waitForSelector(`body[data-tool="${name}"]`, { timeout: 30_000 });
      };

      // E (keys typed into the webview reach the page through VS Code's frames): Edit mode.
      await frame.click('#file-name'); // focus in the page
      await page.keyboard.press('e');
      await frame.waitForSelector('body[data-mode="edit"]', { timeout: 30_000 });
      expect(await frame.isVisible('#edit-bar')).toBe(true);
      await tool('v', 'select');

      // Delete: click the nucleus (Select), then the Delete key.
      await page.mouse.click(...(await at(plan.remove.at)));
      await frame.waitForFunction((l: string) => document.getElementById('view')?.dataset.selected === l, String(plan.remove.label), { timeout: 30_000 });
      await page.keyboard.press('Delete');
      await countIs(plan.count - 1);
      expect((await labelsNow()).includes(plan.remove.label)).toBe(false);
      // Unsaved corrections mark the page and VS Code's tab.
      await frame.waitForSelector('body[data-dirty="true"]', { timeout: 30_000 });
      await page.locator('.tabs-container .tab.active', { hasText: '\u25cf' }).first().waitFor({ timeout: 30_000 });

      // Split (S): a line dragged across the nucleus leaves two.
      await tool('s', 'split');
      await drag(plan.split.line);
      await countIs(plan.count);

      // Draw (D): a freehand outline in the background is a new nucleus.
      await tool('d', 'draw');
      const before = new Set(await labelsNow());
      await drag(plan.outline);
      await countIs(plan.expected.count);
      const drawn = [...new Set(await labelsNow())].filter((l) => !before.has(l));
      expect(drawn).toHaveLength(1);
      await page.screenshot({ path: path.join(outDir, 'vscode-corrections.png') });

      // Save corrections: NAME_labels.png (16-bit) and its sidecar beside the image.
      const edited = await labelsNow();
      await frame.click('#save-corrections');
      await frame.waitForSelector('body[data-dirty="false"]', { timeout: 60_000 });
      await frame.waitForFunction(() => (document.getElementById('saved')?.textContent ?? '').includes('cells_labels.png'), undefined, { timeout: 30_000 });
      // The tab's dirty marker goes too (the title is updated by its own listener, maybe after the page heard).
      await page.waitForFunction(
        () => {
          const tabs = Array.from(document.querySelectorAll('.tabs-container .tab'), (t) => t.textContent ?? '');
          return tabs.some((t) => t.includes('Nuclei: cells.png')) && !tabs.some((t) => t.includes('\u25cf'));
        },
        undefined,
        { timeout: 30_000 },
      );
      const labelsFile = path.join(ws.dir, 'cells_labels.png');
      const saved = await readLabelImage(labelsFile);
      expect([saved.width, saved.height, saved.depth]).toEqual([W, H, 'ushort']);
      expect(new Set(saved.labels).size - 1).toBe(plan.expected.count);
      expect(samePartition(saved.labels, edited)).toBe(-1); // the host applied the same edits as the page
      const sidecar = JSON.parse(fs.readFileSync(path.join(ws.dir, 'cells_labels.nuclei.json'), 'utf8'));
      expect(sidecar).toMatchObject({ tool: 'nuclei', image: 'cells.png', labels: 'cells_labels.png', count: plan.expected.count });
      expect(sidecar.tally).toEqual({ deleted: 1, split: 1, drawn: 1, merged: 0, painted: 0, erased: 0 });
      expect(sidecar.tally).toEqual(plan.expected.tally);
      // The status bar counts what was saved in this workspace.
      await page.locator('.statusbar-item', { hasText: '1 image \u00b7 3 nuclei corrected' }).first().waitFor({ timeout: 30_000 });

      // Fine-tune on my corrections (nuclei.epochs 1), on the training page, to its Done state.
      const beforeTraining = page.frames();
      expect(await runFromPalette(page, 'Fine-tune on my corrections')).toBe(true);
      const training = await pageFrame(
        page,
        'train',
        (f) => f.$eval('body', (b: HTMLElement) => ['completed', 'cancelled', 'failed'].includes(b.dataset.state ?? '')),
        600_000,
        beforeTraining,
      );
      expect(`${await training.getAttribute('body', 'data-state')}: ${await training.textContent('#status')}`).toMatch(/^completed: Done: model saved to /);
      expect(Number(await training.getAttribute('#chart-loss', 'data-points'))).toBeGreaterThanOrEqual(1);
      expect(await training.isVisible('#done-actions')).toBe(true);
      const runs = fs.readdirSync(path.join(ws.dir, 'models'));
      expect(runs).toEqual([expect.stringMatching(/^fine-tuned-\d{4}-\d\d-\d\d-\d{4}$/)]);
      const run = path.join(ws.dir, 'models', runs[0]);
      const modelDir = ['best', 'last'].map((c) => path.join(run, c)).find((d) => fs.existsSync(path.join(d, 'nuclei-model.json')));
      expect(modelDir).toBeDefined();
      expect(await training.textContent('#status')).toBe(`Done: model saved to ${modelDir}`);
      const meta = JSON.parse(fs.readFileSync(path.join(modelDir!, 'nuclei-model.json'), 'utf8'));
      expect(meta.training.fineTunedFrom).toBeTruthy();
      expect(meta.training.fineTuneImages).toHaveLength(1);
      // It segments as its base did: the base's settings, only the basis says where they came from.
      const baseMeta = JSON.parse(fs.readFileSync(path.join(ws.modelDir ?? bundledModelDir(extensions), 'nuclei-model.json'), 'utf8'));
      if (baseMeta.segmentation) {
        const { basis, ...settings } = meta.segmentation;
        const { basis: baseBasis, ...baseSettings } = baseMeta.segmentation;
        expect(settings).toEqual(baseSettings);
        expect(basis).not.toBe(baseBasis);
      } else expect(meta.segmentation).toBeUndefined();
      await page.screenshot({ path: path.join(outDir, 'vscode-fine-tuned.png') });

      // Use it: the model in use (workspace setting, status bar) is the new one.
      const name = `${runs[0]}/${path.basename(modelDir!)}`;
      await training.click('#action-use');
      await page
        .locator('.statusbar-item', { hasText: `Nuclei: ${name}` })
        .first()
        .waitFor({ timeout: 60_000 });
      const settingsFile = path.join(ws.dir, '.vscode', 'settings.json');
      expect(JSON.parse(fs.readFileSync(settingsFile, 'utf8'))['nuclei.modelPath']).toBe(modelDir);

      // And segmenting now uses it: the viewer's title names it.
      const stale2 = page.frames();
      expect(await runFromPalette(page, 'View: Close All Editors')).toBe(true);
      await page.waitForFunction(() => document.querySelectorAll('.tabs-container .tab').length === 0, undefined, { timeout: 30_000 });
      await row.dblclick();
      await page.waitForSelector('.tab.active[aria-label*="cells.png"], .tab.active:has-text("cells.png")', { timeout: 30_000 });
      expect(await runFromPalette(page, 'Segment nuclei in image')).toBe(true);
      const again = await segmentationFrame(page, 'cells.png', stale2, 300_000, `Nuclei: cells.png \u00b7 ${name}`);
      const after = Number(await again.textContent('#count'));
      expect(Number.isInteger(after)).toBe(true);
      summary = `${plan.count} nuclei -> deleted #${plan.remove.label}, split #${plan.split.label}, drew #${drawn[0]} -> ${plan.expected.count} saved; fine-tuned ${name}, which finds ${after}`;
    });
    console.log(`e2e corrections: ${summary}; ${Math.round((Date.now() - started) / 1000)} s`);
  }, 900_000);
});
