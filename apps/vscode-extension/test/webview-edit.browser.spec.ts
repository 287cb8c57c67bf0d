// The segmentation page's Edit mode in a real browser (Debian chromium via playwright-core), as
// webview.browser.spec.ts runs the page: a hand-made 48x36 label image, driven with the mouse and
// the keyboard at points computed from the canvas transform, the exact label image checked after
// every tool, undo and redo, the ops posted to the (stub) host, and the host's measured rows
// replacing the provisional ones. Skips when chromium is absent.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { NucleusRow, SegmentationPayload } from '../src/webview/messages';
import { nucleusRows } from '../src/webview/nucleus-rows';
import { LabelEditor, type EditOp, type Point } from '../../../packages/segmentation/src/label-edit';
import { measureNuclei } from '../../../packages/segmentation/src/measurements';
import { CHROMIUM, describeBrowser, launchChromium, openStubbedPage, servePages, type PageServer } from './browser-page';
import { encodePng } from './fixtures';

const W = 48;
const H = 36;

/** Sets label `l` on the rectangle x0..x1, y0..y1 (inclusive). */
function rect(lab: Int32Array, l: number, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) lab[y * W + x] = l;
}

/** A brush stroke as the tools document it: pixels whose centre is within `r` of the polyline. */
function stroke(lab: Int32Array, to: number, pts: Point[], r: number, onlyBackground = false): void {
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [cx, cy] = [x + 0.5, y + 0.5];
      const near = pts.some((a, i) => {
        const b = pts[Math.min(i + 1, pts.length - 1)];
        const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
        const len2 = dx * dx + dy * dy;
        const t = len2 ? Math.max(0, Math.min(1, ((cx - a[0]) * dx + (cy - a[1]) * dy) / len2)) : 0;
        return (cx - a[0] - t * dx) ** 2 + (cy - a[1] - t * dy) ** 2 <= r * r;
      });
      if (near && (!onlyBackground || lab[y * W + x] === 0)) lab[y * W + x] = to;
    }
  }
}

describeBrowser('webview edit browser test')(`segmentation page Edit mode in chromium${CHROMIUM ? '' : ' (SKIPPED: chromium not found)'}`, () => {
  jest.setTimeout(30_000);
  // 1: alone (deleted); 2 and 3 touching (merged); 4: wide (split by a line).
  const initial = new Int32Array(W * H);
  rect(initial, 1, 2, 2, 9, 9);
  rect(initial, 2, 14, 2, 21, 9);
  rect(initial, 3, 22, 2, 29, 9);
  rect(initial, 4, 4, 16, 19, 25);
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) rgb.set(initial[i] ? [170, 150, 210] : [20, 24, 40], 3 * i);
  const image = { width: W, height: H, data: rgb };
  const measure = (lab: Int32Array) => nucleusRows(measureNuclei(lab, W, H, Math.max(...lab), image));

  /** What the labels should be now (kept step by step beside the page's). */
  let expected: Int32Array = Int32Array.from(initial);
  /** Its value after each edit, for undo and redo. */
  const history: Int32Array[] = [];

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-webview-edit-'));
  let server: PageServer | undefined;
  let origin = '';
  let browser: any;
  let page: any;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await servePages(tmp, await encodePng({ width: W, height: H, rgb }));
    origin = server.origin;
    browser = await launchChromium();
    page = await openStubbedPage(browser, `${origin}/`, { viewport: { width: 1100, height: 700 }, errors });
    await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
    const rows = measure(initial);
    const payload: Omit<SegmentationPayload, 'labels'> = {
      fileName: 'hand.png',
      imageSrc: `${origin}/image.png`,
      width: W,
      height: H,
      count: 4,
      meanArea: (64 * 3 + 160) / 4,
      nuclei: rows,
      unit: 'px',
    };
    await page.evaluate(
      ([p, lab]: [Record<string, unknown>, number[]]) => window.postMessage({ type: 'segmentation', payload: { ...p, labels: Uint16Array.from(lab) } }, '*'),
      [payload, Array.from(initial)],
    );
    await page.waitForSelector('body[data-state="drawn"]');
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  const labelsNow = async (): Promise<number[]> => page.evaluate(() => Array.from((window as unknown as { __nucleiLabels(): Int32Array }).__nucleiLabels()));
  const posted = async (): Promise<Array<{ type: string; op?: EditOp }>> => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
  const lastPosted = async () => (await posted()).slice(-1)[0];
  const tableLabels = async (): Promise<number[]> =>
    page.$$eval('#nuclei-table tbody tr', (trs: HTMLElement[]) => trs.map((tr) => Number(tr.dataset.label)).sort((a, b) => a - b));

  /** Page coordinates of the continuous image point (x, y). */
  async function at(x: number, y: number): Promise<[number, number]> {
    return page.evaluate(
      ([ix, iy]: [number, number]) => {
        const canvas = document.getElementById('view') as HTMLCanvasElement;
        const r = canvas.getBoundingClientRect();
        const k = r.width / canvas.width;
        const d = canvas.dataset;
        return [r.left + (Number(d.offsetX) + ix * Number(d.scale)) * k, r.top + (Number(d.offsetY) + iy * Number(d.scale)) * k];
      },
      [x, y],
    );
  }

  /** Presses at the first point, moves through the others (in small steps), releases at the last. */
  async function drag(points: Point[]): Promise<void> {
    await page.mouse.move(...(await at(...points[0])));
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(...(await at(...p)), { steps: 6 });
    await page.mouse.up();
  }

  async function clickAt(x: number, y: number, modifier?: 'Shift' | 'Control' | 'Alt'): Promise<void> {
    if (modifier) await page.keyboard.down(modifier);
    await page.mouse.click(...(await at(x, y)));
    if (modifier) await page.keyboard.up(modifier);
  }

  /** The page's label image is `expected`, pixel for pixel; the count and the table follow it. */
  async function expectLabels(lab: Int32Array): Promise<void> {
    expect(await labelsNow()).toEqual(Array.from(lab));
    const present = [...new Set(lab)].filter((l) => l > 0).sort((a, b) => a - b);
    expect(await page.textContent('#count')).toBe(String(present.length));
    expect(await tableLabels()).toEqual(present);
  }

  /** Records an applied edit: the new expected image, checked against the page. */
  async function edited(next: Int32Array): Promise<void> {
    history.push(Int32Array.from(expected));
    expected = next;
    await expectLabels(expected);
  }

  /** The edit the page last posted, applied by the library to the expected image (for the watershed split, whose cut pixels follow its rules). */
  async function applyPosted(): Promise<Int32Array> {
    const m = await lastPosted();
    expect(m.type).toBe('edit');
    const editor = new LabelEditor(Int32Array.from(expected), W, H);
    expect(editor.apply(m.op!)).toBeDefined();
    return editor.labels;
  }

  it('E shows the tool bar; tools, brush size and their keys (shown in the tooltips)', async () => {
    expect(await page.isVisible('#edit-toggle')).toBe(true);
    expect(await page.isVisible('#edit-bar')).toBe(false);
    await page.keyboard.press('e');
    await page.waitForSelector('body[data-mode="edit"]');
    expect(await page.isVisible('#edit-bar')).toBe(true);
    const tips = await page.$$eval('#edit-bar button', (bs: HTMLElement[]) => Object.fromEntries(bs.map((b) => [b.id, b.title])));
    expect(tips['tool-select']).toContain('(V)');
    expect(tips['tool-split']).toContain('(S)');
    expect(tips['tool-draw']).toContain('(D)');
    expect(tips['tool-brush']).toContain('(B)');
    expect(tips['tool-erase']).toContain('(X)');
    expect(tips['edit-merge']).toContain('(M)');
    expect(tips['edit-delete']).toContain('Delete');
    expect(tips['edit-undo']).toContain('Ctrl+Z');
    expect(tips['edit-redo']).toContain('Ctrl+Y');
    expect(tips['save-corrections']).toContain('Ctrl+S');
    for (const [key, tool] of [
      ['b', 'brush'],
      ['x', 'erase'],
      ['d', 'draw'],
      ['s', 'split'],
      ['v', 'select'],
    ]) {
      await page.keyboard.press(key);
      expect(await page.getAttribute('body', 'data-tool')).toBe(tool);
      expect(await page.getAttribute(`#tool-${tool}`, 'aria-pressed')).toBe('true');
    }
    expect(await page.textContent('#brush-size')).toBe('Brush 6 px');
    await page.keyboard.press(']');
    expect(await page.textContent('#brush-size')).toBe('Brush 8 px');
    await page.keyboard.press('[');
    await page.keyboard.press('[');
    expect(await page.textContent('#brush-size')).toBe('Brush 5 px');
    await page.click('#brush-larger');
    expect(await page.textContent('#brush-size')).toBe('Brush 6 px');
    expect(await page.isChecked('#only-background')).toBe(true);
    expect(await page.isDisabled('#edit-undo')).toBe(true);
    expect(await page.getAttribute('body', 'data-dirty')).toBe('false');
  });

  it('Select + Delete removes a nucleus: labels, overlay, count, mean area, table, posted op, dirty marker', async () => {
    const withFill = await pixelAt(5, 5);
    await clickAt(5.5, 5.5);
    expect(await page.getAttribute('#view', 'data-selected')).toBe('1');
    await page.keyboard.press('Delete');
    const next = Int32Array.from(expected);
    rect(next, 0, 2, 2, 9, 9);
    await edited(next);
    expect(await lastPosted()).toEqual({ type: 'edit', op: { kind: 'delete', labels: [1] } });
    expect(await page.textContent('#mean-area')).toBe(((64 * 2 + 160) / 3).toFixed(1));
    expect(await page.getAttribute('#view', 'data-selected')).toBe('0');
    // The fill is gone there: the pixel is what it is with the fill off.
    const after = await pixelAt(5, 5);
    await page.uncheck('#fill');
    expect(await pixelAt(5, 5)).toEqual(after);
    await page.check('#fill');
    expect(after).not.toEqual(withFill);
    expect(await page.getAttribute('body', 'data-dirty')).toBe('true');
    expect(await page.isVisible('#dirty')).toBe(true);
    expect(await page.textContent('#dirty')).toContain('unsaved corrections');
    // The host answers: label 1 removed.
    await hostAnswer([], [1]);
  });

  it('Shift+click selects two nuclei, M merges them; the provisional row gives way to the host measured row', async () => {
    await clickAt(17.5, 5.5);
    await clickAt(25.5, 5.5, 'Shift');
    expect(await page.getAttribute('#view', 'data-selected')).toBe('2,3');
    expect(await page.$$eval('#nuclei-table tr.selected', (trs: HTMLElement[]) => trs.map((t) => t.dataset.label).sort())).toEqual(['2', '3']);
    await page.keyboard.press('m');
    const next = Int32Array.from(expected);
    rect(next, 2, 22, 2, 29, 9);
    await edited(next);
    expect(await lastPosted()).toEqual({ type: 'edit', op: { kind: 'merge', labels: [2, 3] } });
    expect(await page.getAttribute('#view', 'data-selected')).toBe('2');
    // Until the host has measured it: area from the editor, the rest unknown.
    const cells = () => page.$$eval('#nuclei-table tr[data-label="2"] td', (tds: HTMLElement[]) => tds.map((t) => t.textContent));
    expect(await page.getAttribute('#nuclei-table tr[data-label="2"]', 'class')).toContain('provisional');
    expect((await cells()).slice(0, 3)).toEqual(['2', '128.0', '\u2026']);
    const measured = measure(expected).find((r) => r.label === 2)!;
    await hostAnswer([measured], [3]);
    await page.waitForFunction(() => !document.querySelector('#nuclei-table tr[data-label="2"]')!.classList.contains('provisional'));
    expect((await cells()).slice(0, 3)).toEqual(['2', '128.0', measured.perimeter.toFixed(1)]);
    expect(await page.textContent('#selected')).toContain(`perimeter ${measured.perimeter.toFixed(1)} px`);
  });

  it('Split (S): a line dragged across a nucleus cuts it in two', async () => {
    await page.keyboard.press('s');
    await drag([
      [12.3, 13.2],
      [12.3, 28.6],
    ]);
    const m = await lastPosted();
    expect(m.op).toMatchObject({ kind: 'split', label: 4 });
    const line = (m.op as { line: Point[] }).line;
    expect(line).toHaveLength(2);
    line.flat().forEach((v, i) => expect(Math.abs(v - [12.3, 13.2, 12.3, 28.6][i])).toBeLessThan(0.1));
    const next = await applyPosted();
    // Left of the cut stays 4 (the larger side), right of it becomes 5 (the next free id); the cut column goes to either.
    for (let y = 16; y <= 25; y++) {
      for (let x = 4; x <= 19; x++) expect(next[y * W + x]).toBe(x < 12 ? 4 : x > 12 ? 5 : next[y * W + x] === 5 ? 5 : 4);
    }
    await edited(next);
    await hostAnswer(
      measure(next).filter((r) => r.label >= 4),
      [],
    );
  });

  it('Brush (B) paints a new nucleus when none is selected, and then the selected one; Paint only on background; undo and redo', async () => {
    await page.keyboard.press('b');
    await page.keyboard.press(']'); // 8 px: radius 4
    expect(await page.getAttribute('#view', 'data-selected')).toBe('0');
    await drag([
      [34, 20],
      [40, 20],
    ]);
    expect(await lastPosted()).toMatchObject({ type: 'edit', op: { kind: 'paint', label: 6, radius: 4, onlyBackground: true } });
    let next: Int32Array = Int32Array.from(expected);
    stroke(
      next,
      6,
      [
        [34, 20],
        [40, 20],
      ],
      4,
    );
    await edited(next);
    expect(await page.getAttribute('#view', 'data-selected')).toBe('6');
    // Up into nucleus 2's right column (x 29): left alone while Paint only on background is on.
    const up: Point[] = [
      [33, 20],
      [33, 6],
    ];
    await drag(up);
    next = Int32Array.from(expected);
    stroke(next, 6, up, 4, true);
    expect(next[5 * W + 29]).toBe(2);
    await edited(next);
    // Undo, redo (Ctrl+Shift+Z), undo again, then the same stroke over other nuclei.
    await page.keyboard.press('Control+z');
    await expectLabels(history[history.length - 1]);
    await page.keyboard.press('Control+Shift+z');
    await expectLabels(expected);
    await page.keyboard.press('Control+z');
    expected = history.pop()!;
    await expectLabels(expected);
    expect((await posted()).slice(-3).map((m) => m.type)).toEqual(['undo', 'redo', 'undo']);
    await page.uncheck('#only-background');
    await drag(up);
    next = Int32Array.from(expected);
    stroke(next, 6, up, 4);
    expect(next[5 * W + 29]).toBe(6);
    await edited(next);
    expect(await lastPosted()).toMatchObject({ op: { kind: 'paint', label: 6, onlyBackground: false } });
    await page.check('#only-background');
  });

  it('Eraser (X) makes background under the stroke', async () => {
    await page.keyboard.press('x');
    const pts: Point[] = [
      [6, 20],
      [9, 22],
    ];
    await drag(pts);
    expect(await lastPosted()).toMatchObject({ type: 'edit', op: { kind: 'erase', radius: 4 } });
    const next = Int32Array.from(expected);
    stroke(next, 0, pts, 4);
    await edited(next);
  });

  it('Draw (D) fills a freehand outline as a new nucleus, zoomed in; Alt+click seeds and Enter split it', async () => {
    // Zoom in with the wheel over the place: points still map to image pixels.
    const scale0 = Number(await page.getAttribute('#view', 'data-scale'));
    await page.mouse.move(...(await at(25, 31)));
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -100);
    await page.waitForFunction((s: number) => Number(document.getElementById('view')!.dataset.scale) > s * 1.4, scale0);
    await page.keyboard.press('d');
    const outline: Point[] = [
      [20.2, 28.2],
      [30.2, 28.2],
      [30.2, 34.2],
      [20.2, 34.2],
    ];
    await drag(outline);
    const m = await lastPosted();
    expect(m.op).toMatchObject({ kind: 'fill', label: 7, onlyBackground: true });
    expect((m.op as { polygon: Point[] }).polygon.length).toBeGreaterThan(10);
    let next: Int32Array = Int32Array.from(expected);
    rect(next, 7, 20, 28, 29, 33);
    await edited(next);
    expect(await page.getAttribute('#view', 'data-selected')).toBe('7');
    await page.keyboard.press('s');
    await clickAt(21.5, 30.5, 'Alt');
    await clickAt(28.5, 30.5, 'Alt');
    expect(await labelsNow()).toEqual(Array.from(expected)); // nothing until Enter
    await page.keyboard.press('Enter');
    expect((await lastPosted()).op).toEqual({
      kind: 'split',
      label: 7,
      seeds: [
        [21.5, 30.5],
        [28.5, 30.5],
      ].map((p) => p.map((v) => expect.closeTo(v, 1))),
    });
    next = await applyPosted();
    expect(next[30 * W + 21]).toBe(7);
    expect(next[30 * W + 28]).toBe(8);
    await edited(next);
    await page.click('#zoom-fit');
  });

  it('Undo and Redo (buttons, Ctrl+Z, Ctrl+Y) walk back and forth through every edit', async () => {
    const done = [...history, expected];
    for (let i = done.length - 2; i >= 0; i--) {
      if (i % 2) await page.click('#edit-undo');
      else await page.keyboard.press('Control+z');
      await expectLabels(done[i]);
    }
    expect(await labelsNow()).toEqual(Array.from(initial));
    expect(await page.isDisabled('#edit-undo')).toBe(true);
    for (let i = 1; i < done.length; i++) {
      if (i % 2) await page.keyboard.press('Control+y');
      else await page.click('#edit-redo');
      await expectLabels(done[i]);
    }
    expect(await page.isDisabled('#edit-redo')).toBe(true);
    // The host was sent each op as applied here, then the undos and redos.
    const kinds = (await posted()).filter((m) => m.type === 'edit').map((m) => m.op!.kind);
    expect(kinds).toEqual(['delete', 'merge', 'split', 'paint', 'paint', 'paint', 'erase', 'fill', 'split']);
    const tail = (await posted()).slice(-2 * (done.length - 1)).map((m) => m.type);
    expect(tail).toEqual([...Array(done.length - 1).fill('undo'), ...Array(done.length - 1).fill('redo')]);
  });

  it('the overlay updated box by box after all these edits is the overlay drawn from scratch', async () => {
    expect(await sameAsRedrawn(page, expected, W, H)).toBe(0);
  });

  it('Ctrl+S posts saveCorrections; the host saying saved clears the marker; E leaves Edit mode', async () => {
    await page.keyboard.press('Control+s');
    expect(await lastPosted()).toEqual({ type: 'saveCorrections' });
    await page.evaluate(() => window.postMessage({ type: 'editState', dirty: false, savedTo: '/data/hand_labels.png' }, '*'));
    await page.waitForSelector('body[data-dirty="false"]');
    expect(await page.isVisible('#dirty')).toBe(false);
    expect(await page.textContent('#saved')).toContain('hand_labels.png');
    await page.screenshot({ path: path.join(__dirname, '../test-output/segment-edit.png') });
    await page.keyboard.press('e');
    await page.waitForSelector('body[data-mode="segmented"]');
    expect(await page.isVisible('#edit-bar')).toBe(false);
    // Outside Edit mode a drag pans again.
    const ox = Number(await page.getAttribute('#view', 'data-offset-x'));
    await drag([
      [40, 30],
      [44, 30],
    ]);
    expect(Number(await page.getAttribute('#view', 'data-offset-x'))).toBeGreaterThan(ox + 10);
    expect(await labelsNow()).toEqual(Array.from(expected));
    expect(errors).toEqual([]);
  });

  it('a segmentation from the host starts over on its labels, with its nextLabel and dirty state; Edit mode stays on', async () => {
    await page.keyboard.press('e');
    await page.waitForSelector('body[data-mode="edit"]');
    // As a rebuilt page gets it: the corrected labels (here the first ones), unsaved, ids up to 11 used before.
    await page.evaluate(
      ([p, lab]: [Record<string, unknown>, number[]]) => window.postMessage({ type: 'segmentation', payload: { ...p, labels: Uint16Array.from(lab) } }, '*'),
      [
        {
          fileName: 'hand.png',
          imageSrc: `${origin}/image.png`,
          width: W,
          height: H,
          count: 4,
          meanArea: 88,
          nuclei: measure(initial),
          unit: 'px',
          dirty: true,
          nextLabel: 12,
        },
        Array.from(initial),
      ],
    );
    await page.waitForFunction(() => document.getElementById('count')!.textContent === '4');
    expected = Int32Array.from(initial);
    await expectLabels(expected);
    expect(await page.getAttribute('body', 'data-mode')).toBe('edit');
    expect(await page.getAttribute('body', 'data-dirty')).toBe('true');
    expect(await page.isDisabled('#edit-undo')).toBe(true);
    await page.keyboard.press('b');
    const dab: Point[] = [[40, 30]];
    await drag(dab);
    expect(await lastPosted()).toMatchObject({ type: 'edit', op: { kind: 'paint', label: 12 } });
    const next = Int32Array.from(expected);
    stroke(next, 12, dab, 4);
    await edited(next);
    expect(errors).toEqual([]);
  });

  it('on an image shown downsampled (display step 2) too, edits redraw exactly what a full redraw would', async () => {
    // 4100 x 4000 (over 16 MP): nuclei 1 and 2 touching, 3 apart, on odd and even pixel columns and rows.
    const [w, h] = [4100, 4000];
    const lab = new Int32Array(w * h);
    const square = (l: number, x0: number, y0: number, x1: number, y1: number) => {
      for (let y = y0; y <= y1; y++) lab.fill(l, y * w + x0, y * w + x1 + 1);
    };
    square(1, 2001, 1001, 2040, 1040);
    square(2, 2041, 1001, 2080, 1039);
    square(3, 2101, 1011, 2131, 1050);
    const big = await browser.newPage({ viewport: { width: 1100, height: 700 }, deviceScaleFactor: 1 });
    await big.addInitScript(() => {
      const w = window as unknown as { __posted: unknown[]; acquireVsCodeApi: () => unknown };
      w.__posted = [];
      w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => w.__posted.push(m), getState: () => undefined, setState: () => undefined });
    });
    await big.goto(`${origin}/`);
    const bigRows = nucleusRows(measureNuclei(lab, w, h, 3));
    const postBig = (labels: Int32Array) =>
      big.evaluate(
        ([p, runs]: [Record<string, unknown>, number[]]) => {
          // Sent as runs (value, length): 16 M numbers do not cross the wire one by one.
          const out = new Uint16Array(Number(p.width) * Number(p.height));
          for (let i = 0, at = 0; i < runs.length; i += 2) out.fill(runs[i], at, (at += runs[i + 1]));
          window.postMessage({ type: 'segmentation', payload: { ...p, labels: out } }, '*');
        },
        [
          { fileName: 'big.png', imageSrc: `${origin}/image.png`, width: w, height: h, ...totals(labels), nuclei: bigRows, unit: 'px', dirty: true },
          runsOf(labels),
        ],
      );
    await postBig(lab);
    await big.waitForSelector('body[data-state="drawn"]', { timeout: 60_000 });
    expect(await big.getAttribute('body', 'data-display-step')).toBe('2');
    // Zoomed in on the nuclei, so the layers are seen pixel by pixel.
    const bigAt = async (x: number, y: number): Promise<[number, number]> =>
      big.evaluate(
        ([ix, iy]: [number, number]) => {
          const canvas = document.getElementById('view') as HTMLCanvasElement;
          const r = canvas.getBoundingClientRect();
          const d = canvas.dataset;
          return [r.left + Number(d.offsetX) + ix * Number(d.scale), r.top + Number(d.offsetY) + iy * Number(d.scale)];
        },
        [x, y],
      );
    await big.mouse.move(...(await bigAt(2066, 1030)));
    for (let i = 0; i < 30 && Number(await big.getAttribute('#view', 'data-scale')) < 4; i++) await big.mouse.wheel(0, -100);
    await big.keyboard.press('e');
    await big.mouse.click(...(await bigAt(2110.5, 1030.5))); // select 3
    await big.keyboard.press('Delete');
    await big.keyboard.press('b');
    const dragBig = async (pts: Point[]) => {
      await big.mouse.move(...(await bigAt(...pts[0])));
      await big.mouse.down();
      for (const q of pts.slice(1)) await big.mouse.move(...(await bigAt(...q)), { steps: 4 });
      await big.mouse.up();
    };
    await big.uncheck('#only-background');
    await dragBig([
      [2035.3, 1044.2],
      [2051.7, 1036.6],
    ]); // a new nucleus over 1, 2 and the background
    await big.keyboard.press('x');
    await dragBig([
      [2060.4, 1005.1],
      [2060.4, 1021.9],
    ]);
    // Read back as runs too.
    const runs: number[] = await big.evaluate(() => {
      const lab = (window as unknown as { __nucleiLabels(): Int32Array }).__nucleiLabels();
      const out: number[] = [];
      for (let i = 0; i < lab.length;) {
        let j = i + 1;
        while (j < lab.length && lab[j] === lab[i]) j++;
        out.push(lab[i], j - i);
        i = j;
      }
      return out;
    });
    const edited = new Int32Array(w * h);
    for (let i = 0, at = 0; i < runs.length; i += 2) edited.fill(runs[i], at, (at += runs[i + 1]));
    expect(edited.filter((v) => v === 3)).toHaveLength(0);
    expect(edited.filter((v) => v === 4).length).toBeGreaterThan(50);
    await big.mouse.move(1, 1); // no brush outline
    expect(await sameAsRedrawn(big, edited, w, h, () => postBig(edited))).toBe(0);
    await big.close();
  }, 120_000);

  /** Count and mean area as the page shows them after edits (so the header, and the view's size, stay the same). */
  function totals(lab: Int32Array): { count: number; meanArea: number } {
    const areas = new Map<number, number>();
    for (const v of lab) if (v) areas.set(v, (areas.get(v) ?? 0) + 1);
    let fg = 0;
    for (const a of areas.values()) fg += a;
    return { count: areas.size, meanArea: areas.size ? fg / areas.size : 0 };
  }

  /** The label image as runs of (value, length). */
  function runsOf(lab: Int32Array): number[] {
    const runs: number[] = [];
    for (let i = 0; i < lab.length;) {
      let j = i + 1;
      while (j < lab.length && lab[j] === lab[i]) j++;
      runs.push(lab[i], j - i);
      i = j;
    }
    return runs;
  }

  /**
   * Pixels of the view that differ between the page as it is (its layers updated edit by edit) and
   * the same page given `lab` afresh (layers built whole), at the same zoom, nothing selected.
   */
  async function sameAsRedrawn(p: any, lab: Int32Array, w: number, h: number, repost?: () => Promise<unknown>): Promise<number> {
    await p.keyboard.press('v');
    // Nothing selected (a Ctrl+click on a selected row takes it out), so no box is drawn.
    await p.evaluate(() => {
      for (let i = 0; i < 10; i++) document.querySelector('#nuclei-table tr.selected')?.dispatchEvent(new MouseEvent('click', { ctrlKey: true }));
    });
    expect(await p.getAttribute('#view', 'data-selected')).toBe('0');
    await p.mouse.move(1, 1);
    // The view's pixels now, kept in the page (3 M values need not cross the wire), then compared there.
    await p.evaluate(() => {
      const w = window as unknown as { __nucleiLabels(): Int32Array; __old: Int32Array; __before: Uint8ClampedArray };
      const c = document.getElementById('view') as HTMLCanvasElement;
      w.__before = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      w.__old = w.__nucleiLabels();
    });
    if (repost) await repost();
    else
      await p.evaluate(
        ([payload, l]: [Record<string, unknown>, number[]]) =>
          window.postMessage({ type: 'segmentation', payload: { ...payload, labels: Uint16Array.from(l) } }, '*'),
        [
          { fileName: 'hand.png', imageSrc: `${origin}/image.png`, width: w, height: h, ...totals(lab), nuclei: measure(lab), unit: 'px', dirty: true },
          Array.from(lab),
        ],
      );
    await p.waitForFunction(() => {
      const w = window as unknown as { __nucleiLabels(): Int32Array; __old: Int32Array };
      return w.__nucleiLabels() !== w.__old;
    });
    return p.evaluate(() => {
      const before = (window as unknown as { __before: Uint8ClampedArray }).__before;
      const c = document.getElementById('view') as HTMLCanvasElement;
      const after = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      if (after.length !== before.length) return -1;
      let differ = 0;
      for (let i = 0; i < before.length; i += 4) if (before[i] !== after[i] || before[i + 1] !== after[i + 1] || before[i + 2] !== after[i + 2]) differ++;
      return differ;
    });
  }

  /** The stub host's answer to the last edit: its measured rows and removed labels, as the extension sends them. */
  async function hostAnswer(rows: NucleusRow[], removed: number[]): Promise<void> {
    const present = [...new Set(expected)].filter((l) => l > 0);
    const mean = present.length ? expected.filter((l) => l > 0).length / present.length : 0;
    await page.evaluate((m: unknown) => window.postMessage(m, '*'), { type: 'editRows', rows, removed, count: present.length, meanArea: mean });
  }

  /** The view canvas pixel that shows image pixel (x, y). */
  async function pixelAt(x: number, y: number): Promise<number[]> {
    return page.evaluate(
      ([ix, iy]: [number, number]) => {
        const canvas = document.getElementById('view') as HTMLCanvasElement;
        const d = canvas.dataset;
        const px = canvas
          .getContext('2d')!
          .getImageData(Math.floor(Number(d.offsetX) + (ix + 0.5) * Number(d.scale)), Math.floor(Number(d.offsetY) + (iy + 0.5) * Number(d.scale)), 1, 1).data;
        return Array.from(px);
      },
      [x, y],
    );
  }
});
