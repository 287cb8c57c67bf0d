// The host side of correcting segmentations, against the vscode mock: a page's edits applied to the
// host's labels and answered with re-measured rows, saving as training data, dirty state, backups
// and restoring, the TIFF editor as an editable document, the status bar. nuclei-api is mocked but
// measures, encodes and writes for real (no TF.js).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as vscode from 'vscode';
import { LabelEditor, type EditOp } from '@nuclei/segmentation/label-edit';
import { measureNuclei } from '../../../packages/segmentation/src/measurements';
import { readLabelImage } from '../../../packages/data/src/decode';
import { scanPairs } from '../../../packages/data/src/layout';
import * as mock from './vscode-mock';
import { encodePng, makeSyntheticCase } from './fixtures';
import { activate } from '../src/extension';
import { segmentImageCommand } from '../src/commands/segmentImage';
import type { SegmentationSession } from '../src/segmentation-session';
import { encodeLabelImage } from '../src/corrections/label-file';
import { IMAGE_VIEW_TYPE, type NucleiImageDocument, type NucleiImageEditor } from '../src/image-editor';
import { createLogger } from '../src/log';
import { unpackLabels, type NucleusRow, type SegmentationPayload, type ToWebview } from '../src/webview/messages';
import { nucleusRows } from '../src/webview/nucleus-rows';

jest.mock('../src/nuclei-api', () => {
  const { makeSyntheticCase: make } = jest.requireActual('./fixtures');
  const c = make();
  const { measureNuclei: measure } = jest.requireActual('../../../packages/segmentation/src/measurements');
  const { writeFileAtomic } = jest.requireActual('../../../packages/data/src/atomic-write');
  const { encodeLabelImage: encode } = jest.requireActual('../src/corrections/label-file');
  return {
    ensureBackend: jest.fn(async () => 'backend: test'),
    isDatasetImage: jest.requireActual('../../../packages/data/src/layout').isDatasetImage,
    loadModelCached: jest.fn(async (dir: string) => ({ predictor: {}, metadata: {}, dir, engineLine: 'engine: test' })),
    readImage: jest.fn(async () => ({ width: c.width, height: c.height, data: c.rgb })),
    // The disks, with a probability that peaks at their centres (what the split tool runs on).
    segmentImage: jest.fn(async () => {
      const labels = Int32Array.from(c.labels);
      const probability = new Float32Array(labels.length);
      for (let i = 0; i < labels.length; i++) {
        const d = c.disks[labels[i] - 1];
        const x = i % c.width;
        const y = Math.floor(i / c.width);
        probability[i] = d ? 0.5 + 0.5 * (1 - Math.hypot(x - d.x, y - d.y) / d.r) : 0.05;
      }
      const count = c.disks.length;
      const meanArea = c.areas.reduce((s: number, a: number) => s + a, 0) / count;
      const mask = Uint8Array.from(labels, (l) => (l ? 1 : 0));
      return {
        width: c.width,
        height: c.height,
        labels,
        probability,
        mask,
        count,
        areas: [...c.areas],
        meanArea,
        mode: 'tile',
        tiles: 4,
        threshold: 0.5,
        split: 'distance',
      };
    }),
    measure: jest.fn((r: { labels: Int32Array; width: number; height: number; count: number }, image: unknown, px?: number) =>
      measure(r.labels, r.width, r.height, r.count, image, px ?? 1),
    ),
    writeOutputs: jest.fn(async () => ({})),
    outputFiles: jest.fn(() => []),
    encodePng: jest.fn(async () => Buffer.from('png!')),
    pixelSizeOf: jest.fn(() => undefined),
    imageAxes: jest.fn(async () => ({ channels: [{ index: 0 }], planes: 1, rgb: false })),
    blockwiseReason: jest.fn(async () => undefined), // not a slide
    readChannels: jest.fn(async () => []),
    writeFileAtomic: jest.fn(writeFileAtomic),
    encodeLabelImage: jest.fn(encode),
  };
});

const api = require('../src/nuclei-api') as Record<string, jest.Mock>;

const c = makeSyntheticCase();
const W = c.width;
const H = c.height;
const IMAGE = { width: W, height: H, data: c.rgb };

const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-corr-'));
const EXT = path.join(ROOT, 'ext');
afterAll(() => fs.rmSync(ROOT, { recursive: true, force: true }));
const workspaceState = new Map<string, unknown>();
const context = mock.fakeContext(EXT, path.join(ROOT, 'storage'), { workspace: workspaceState }) as unknown as vscode.ExtensionContext;
let tmp: string;
let log: ReturnType<typeof createLogger>;

beforeEach(() => {
  mock.resetMock();
  jest.clearAllMocks();
  workspaceState.clear();
  tmp = fs.mkdtempSync(path.join(ROOT, 'case-'));
  log = createLogger(mock.window.createOutputChannel('Nuclei') as unknown as vscode.OutputChannel);
});
afterEach(async () => {
  // Close what a test left open without questions (a dirty panel would ask in the next test).
  mock.window.showWarningMessage.mockResolvedValue('Discard' as never);
  for (const p of mock.createdPanels) p.dispose();
  mock.createdPanels.length = 0;
  await settle();
});

/** Lets queued promise work (message handlers, backup writes) run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

function messages(panel: mock.MockPanel, type: ToWebview['type']): ToWebview[] {
  return panel.webview.postMessage.mock.calls.map((call) => call[0] as ToWebview).filter((m) => m.type === type);
}

function last<T extends ToWebview['type']>(panel: mock.MockPanel, type: T): Extract<ToWebview, { type: T }> {
  return messages(panel, type).at(-1) as Extract<ToWebview, { type: T }>;
}

/** A viewer on a segmented image, with the page's own editor (as the page keeps one). */
async function openViewer(name = 'cells.png', dir = tmp) {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) fs.writeFileSync(file, await encodePng(c));
  const session = (await segmentImageCommand(context, log, vscode.Uri.file(file))) as SegmentationSession;
  const panel = mock.createdPanels.at(-1)!;
  await panel.receive({ type: 'ready' });
  const payload = last(panel, 'segmentation').payload;
  if (payload.measuring) await panel.posted('rows'); // the table's rows follow the image (a restored session has them)
  const page = new LabelEditor(unpackLabels(payload.labels), W, H, { probability: payload.probability });
  const answer = async (message: { type: 'edit'; op: EditOp } | { type: 'undo' } | { type: 'redo' }) => {
    const before = messages(panel, 'editRows').length;
    await panel.receive(message);
    expect(messages(panel, 'editRows')).toHaveLength(before + 1); // one answer per post
    return last(panel, 'editRows');
  };
  return {
    file,
    session,
    panel,
    page,
    payload,
    edit: (op: EditOp) => {
      expect(page.apply(op)).toBeDefined();
      return answer({ type: 'edit', op });
    },
    undo: () => (page.undo(), answer({ type: 'undo' })),
    redo: () => (page.redo(), answer({ type: 'redo' })),
  };
}

/** Element-wise equality of two pixel arrays (jest's toEqual walks them one index at a time, slowly). */
function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function maxLabel(labels: Int32Array): number {
  let m = 0;
  for (const l of labels) if (l > m) m = l;
  return m;
}

/** The rows a full measurement of these labels gives, by label. */
function fullRows(labels: Int32Array, pixelSize?: number): Map<number, NucleusRow> {
  return new Map(nucleusRows(measureNuclei(labels, W, H, maxLabel(labels), IMAGE, pixelSize ?? 1), pixelSize).map((r) => [r.label, r]));
}

function expectSameRows(rows: readonly NucleusRow[], full: Map<number, NucleusRow>): void {
  for (const r of rows) {
    const f = full.get(r.label);
    expect(f).toBeDefined();
    expect(r.box).toEqual(f!.box);
    expect(r.intensity).toEqual(f!.intensity);
    for (const k of Object.keys(f!) as (keyof NucleusRow)[]) if (k !== 'box' && k !== 'intensity') expect(r[k]).toBeCloseTo(f![k] as number, 9);
  }
}

const DELETE_2: EditOp = { kind: 'delete', labels: [2] };
const SPLIT_4: EditOp = {
  kind: 'split',
  label: 4,
  line: [
    [60, 100],
    [60, 160],
  ],
};
const MERGE_5_6: EditOp = { kind: 'merge', labels: [5, 6] };
const ERASE_IN_1: EditOp = { kind: 'erase', points: [[40, 40]], radius: 5 };
/** A new nucleus drawn in the background at the bottom left. */
const FILL_NEW: EditOp = {
  kind: 'fill',
  polygon: [
    [5, 170],
    [30, 170],
    [30, 190],
    [5, 190],
  ],
};

describe('the host mirrors the page', () => {
  it.each([undefined, 0.5])(
    'applies the edits, undo and redo a page posts and answers with rows measured as the whole image would be (pixel size %p)',
    async (px) => {
      if (px) api.pixelSizeOf.mockReturnValueOnce({ microns: px, source: 'test' });
      const v = await openViewer();
      expect(v.payload.probability).toBeInstanceOf(Uint8Array); // quantised once, shared with the page
      expect(v.payload.unit).toBe(px ? 'um' : 'px');
      const labels = v.session.result.labels;
      const paintNew: EditOp = {
        kind: 'paint',
        label: v.page.nextLabel(),
        points: [
          [120, 100],
          [135, 104],
        ],
        radius: 6,
      };
      const steps: Array<() => ReturnType<typeof v.edit>> = [
        () => v.edit(DELETE_2),
        () => v.edit(SPLIT_4),
        () => v.edit(paintNew),
        () => v.edit(MERGE_5_6),
        () => v.edit(ERASE_IN_1),
        () => v.edit(FILL_NEW),
        () => v.undo(),
        () => v.undo(),
        () => v.redo(),
      ];
      for (const step of steps) {
        const answer = await step();
        expect(same(labels, v.page.labels)).toBe(true); // the same pixels on both sides
        const full = fullRows(labels, px);
        expectSameRows(answer.rows, full);
        for (const l of answer.removed) expect(full.has(l)).toBe(false);
        expect(answer.count).toBe(full.size);
        expect(answer.meanArea).toBeCloseTo([...full.keys()].reduce((s, l) => s + v.page.areaOf(l), 0) / full.size, 9);
      }
      expect(last(v.panel, 'editRows').rows.length).toBeGreaterThan(0);
      // Only the changed nuclei are measured, on their boxes: never the whole image per edit.
      const calls = api.measure.mock.calls.slice(1);
      expect(calls.length).toBeGreaterThan(0);
      for (const [r] of calls) expect(r.width * r.height).toBeLessThan((W * H) / 4);
    },
  );

  it('the rows follow the image, measured on the labels as edited by then (a new label above the first count too)', async () => {
    const file = path.join(tmp, 'cells.png');
    fs.writeFileSync(file, await encodePng(c));
    await segmentImageCommand(context, log, vscode.Uri.file(file));
    const panel = mock.createdPanels.at(-1)!;
    await panel.receive({ type: 'ready' });
    const first = last(panel, 'segmentation').payload;
    expect(first).toMatchObject({ measuring: true, nuclei: [] });
    // An edit before the host has measured (it measures once the image is posted, a turn later).
    expect(messages(panel, 'rows')).toHaveLength(0);
    const page = new LabelEditor(unpackLabels(first.labels), W, H, { probability: first.probability });
    expect(page.apply(SPLIT_4)).toBeDefined();
    await panel.receive({ type: 'edit', op: SPLIT_4 });
    const rows = ((await panel.posted('rows')) as Extract<ToWebview, { type: 'rows' }>).nuclei;
    const full = fullRows(page.labels);
    expect(rows.map((r) => r.label)).toEqual([...full.keys()].sort((a, b) => a - b));
    expect(Math.max(...rows.map((r) => r.label))).toBeGreaterThan(first.count);
    expectSameRows(rows, full);
    // Measured once: a page rebuilt now gets them in its segmentation message.
    await panel.receive({ type: 'ready' });
    expect(last(panel, 'segmentation').payload.measuring).toBeUndefined();
    expect(last(panel, 'segmentation').payload.nuclei).toEqual(rows);
    expect(messages(panel, 'rows')).toHaveLength(1);
  });

  it('a page rebuilt after a tab switch gets the corrected labels and rows, and knows the next label', async () => {
    const v = await openViewer();
    await v.edit(DELETE_2);
    await v.edit({ kind: 'delete', labels: [6] }); // the highest label: a page given only these labels could not know it was used
    await v.panel.receive({ type: 'ready' });
    const payload = last(v.panel, 'segmentation').payload;
    expect(same(unpackLabels(payload.labels), v.page.labels)).toBe(true);
    expect(payload.nuclei.map((r) => r.label)).toEqual([1, 3, 4, 5]);
    expectSameRows(payload.nuclei, fullRows(v.page.labels));
    expect(payload).toMatchObject({ count: 4, dirty: true, nextLabel: v.page.nextLabel() });
    expect(payload.probability).toBe(v.payload.probability);
  });

  it('when the host cannot finish an edit, the page still gets its answer and then the host labels', async () => {
    const v = await openViewer();
    api.measure.mockImplementationOnce(() => {
      throw new Error('out of memory');
    });
    const answer = await v.edit(SPLIT_4);
    expect(answer).toMatchObject({ rows: [], removed: [] });
    const resent = last(v.panel, 'segmentation').payload;
    expect(v.panel.webview.postMessage.mock.calls.at(-1)![0].type).toBe('segmentation');
    expect(same(unpackLabels(resent.labels), v.session.result.labels)).toBe(true);
    expect(mock.outputLines.join('\n')).toContain('out of memory');
  });

  it('outputs saved after an edit describe the corrected labels (count, areas, mean area, mask renumbered 1..n)', async () => {
    const v = await openViewer();
    await v.edit(DELETE_2);
    await v.edit({ kind: 'paint', label: v.page.nextLabel(), points: [[120, 100]], radius: 6 });
    await v.panel.receive({ type: 'save', what: 'all', pickLocation: false });
    const result = api.writeOutputs.mock.calls[0][0] as { labels: Int32Array; count: number; areas: number[]; meanArea: number; mask: Uint8Array };
    expect(result.count).toBe(6);
    expect(maxLabel(result.labels)).toBe(6);
    const areas = Array.from({ length: 6 }, (_, k) => result.labels.filter((l) => l === k + 1).length);
    expect(result.areas).toEqual(areas);
    expect(result.meanArea).toBeCloseTo(areas.reduce((s, a) => s + a, 0) / 6, 9);
    expect(
      same(
        result.mask,
        Uint8Array.from(v.page.labels, (l) => (l ? 1 : 0)),
      ),
    ).toBe(true);
    // Same nuclei, numbered in order: old 1, 3, 4, 5, 6, 7 are 1..6.
    expect(
      same(
        result.labels,
        Int32Array.from(v.page.labels, (l) => [0, 1, 0, 2, 3, 4, 5, 6][l]),
      ),
    ).toBe(true);
  });
});

describe('saving corrections as training data', () => {
  it('writes NAME_labels.png (16-bit, the corrected labels exactly) and its sidecar; the page, the title and the status bar follow', async () => {
    activate(context);
    const v = await openViewer();
    const title = v.panel.title;
    await v.edit(DELETE_2);
    expect(v.panel.title).toBe(`● ${title}`);
    expect(last(v.panel, 'editState')).toEqual({ type: 'editState', dirty: true });
    await v.edit(FILL_NEW);
    await v.edit(SPLIT_4);
    mock.window.showInformationMessage.mockResolvedValueOnce('Fine-tune on my corrections' as never);
    await v.panel.receive({ type: 'saveCorrections' });
    const labelsFile = path.join(tmp, 'cells_labels.png');
    const meta = await sharp(labelsFile).metadata();
    expect([meta.format, meta.depth, meta.channels]).toEqual(['png', 'ushort', 1]);
    const { data } = await sharp(labelsFile).toColourspace('grey16').extractChannel(0).raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    expect(same(new Uint16Array(data.buffer, data.byteOffset, data.length / 2), v.page.labels)).toBe(true);
    const sidecar = JSON.parse(fs.readFileSync(path.join(tmp, 'cells_labels.nuclei.json'), 'utf8'));
    expect(sidecar).toMatchObject({
      tool: 'nuclei',
      image: 'cells.png',
      labels: 'cells_labels.png',
      model: { dir: path.join(EXT, 'dist/models/default'), name: 'default' },
      count: 7,
      tally: { deleted: 1, drawn: 1, split: 1, merged: 0, painted: 0, erased: 0 },
    });
    expect(Date.parse(sidecar.created)).not.toBeNaN();
    expect(sidecar.updated).toBe(sidecar.created);
    expect(last(v.panel, 'editState')).toEqual({ type: 'editState', dirty: false, savedTo: labelsFile });
    expect(v.panel.title).toBe(title);
    expect(fs.existsSync(v.session.corrections!.backupDir)).toBe(false);
    expect(mock.window.showInformationMessage).toHaveBeenCalledWith(expect.stringContaining('cells_labels.png'), 'Fine-tune on my corrections', 'Reveal');
    await settle();
    expect(mock.commands.executeCommand).toHaveBeenCalledWith('nuclei.fineTuneOnCorrections', vscode.Uri.file(tmp));
    const item = mock.statusBarItems.find((i) => i.id === 'nuclei.corrections')!;
    expect(item).toMatchObject({ visible: true, text: '$(edit) 1 image · 3 nuclei corrected', command: 'nuclei.fineTuneOnCorrections' });
    expect(item.tooltip).toContain(tmp);

    // The dataset loader takes the pair, and the sidecar is not an image to it.
    const ignored: string[] = [];
    const pairs = scanPairs(tmp, (p) => ignored.push(p))!;
    expect(pairs.get('cells')).toMatchObject({ imagePath: v.file, labelPath: labelsFile });
    expect(ignored).toEqual([]);
    expect((await readLabelImage(labelsFile)).count).toBe(7);

    // A second save of the same file: the created time stays; the status counts the image once.
    await v.edit(MERGE_5_6);
    await v.panel.receive({ type: 'saveCorrections' });
    const again = JSON.parse(fs.readFileSync(path.join(tmp, 'cells_labels.nuclei.json'), 'utf8'));
    expect(again.created).toBe(sidecar.created);
    expect(again.tally.merged).toBe(1);
    expect(item.text).toBe('$(edit) 1 image · 4 nuclei corrected');
    // Files deleted since are dropped; none left: hidden.
    fs.rmSync(labelsFile);
    activate(context);
    expect(mock.statusBarItems.filter((i) => i.id === 'nuclei.corrections').at(-1)!.visible).toBe(false);
  });

  it('a NAME_labels.png nuclei did not write is replaced only after the modal question', async () => {
    const v = await openViewer();
    const labelsFile = path.join(tmp, 'cells_labels.png');
    fs.writeFileSync(labelsFile, 'made in napari');
    await v.edit(DELETE_2);
    await v.panel.receive({ type: 'saveCorrections' }); // the question is dismissed
    expect(mock.window.showWarningMessage).toHaveBeenCalledWith(expect.stringContaining('cells_labels.png already exists'), { modal: true }, 'Replace');
    expect(fs.readFileSync(labelsFile, 'utf8')).toBe('made in napari');
    expect(v.session.corrections!.dirty).toBe(true);
    expect(messages(v.panel, 'editState').some((m) => !(m as { dirty: boolean }).dirty)).toBe(false);
    mock.window.showWarningMessage.mockResolvedValueOnce('Replace' as never);
    await v.panel.receive({ type: 'saveCorrections' });
    expect((await sharp(labelsFile).metadata()).depth).toBe('ushort');
    // Nuclei's own file is replaced without asking; once changed by someone else, it asks again.
    mock.window.showWarningMessage.mockClear();
    await v.edit(MERGE_5_6);
    await v.panel.receive({ type: 'saveCorrections' });
    expect(mock.window.showWarningMessage).not.toHaveBeenCalled();
    fs.writeFileSync(labelsFile, await encodePng({ width: 2, height: 1, rgb: new Uint8Array(6) }));
    await v.edit(ERASE_IN_1);
    await v.panel.receive({ type: 'saveCorrections' });
    expect(mock.window.showWarningMessage).toHaveBeenCalledTimes(1);
  });

  it('with nuclei.correctionsFolder the image is copied there beside its labels; another image of that name is refused', async () => {
    const folder = path.join(tmp, 'training');
    mock.settings['nuclei.correctionsFolder'] = folder;
    const v = await openViewer();
    await v.edit(DELETE_2);
    await v.panel.receive({ type: 'saveCorrections' });
    expect(fs.readdirSync(folder).sort()).toEqual(['cells.png', 'cells_labels.nuclei.json', 'cells_labels.png']);
    expect(fs.readFileSync(path.join(folder, 'cells.png'))).toEqual(fs.readFileSync(v.file));
    expect(JSON.parse(fs.readFileSync(path.join(folder, 'cells_labels.nuclei.json'), 'utf8')).source).toBe(v.file);
    expect(fs.existsSync(path.join(tmp, 'cells_labels.png'))).toBe(false);
    // Saved again from the same image: fine. Another cells.* from elsewhere: refused, nothing written.
    await v.edit(MERGE_5_6);
    await v.panel.receive({ type: 'saveCorrections' });
    expect(mock.window.showErrorMessage).not.toHaveBeenCalled();
    const before = fs.readFileSync(path.join(folder, 'cells_labels.png'));
    fs.mkdirSync(path.join(tmp, 'other'));
    const w = await openViewer('cells.tif', path.join(tmp, 'other'));
    await w.edit(ERASE_IN_1);
    await w.panel.receive({ type: 'saveCorrections' });
    expect(mock.window.showErrorMessage).toHaveBeenCalledWith(expect.stringContaining('already holds another image named cells (cells.png)'));
    expect(fs.readFileSync(path.join(folder, 'cells_labels.png'))).toEqual(before);
    expect(w.session.corrections!.dirty).toBe(true);
  });

  it('label images above 65,535 go to a 32-bit TIFF the dataset loader reads', async () => {
    const labels = Int32Array.from({ length: 40 * 30 }, (_, i) => (i % 5 === 0 ? 0 : 65530 + (i % 11)));
    const file = await encodeLabelImage(labels, 40, 30);
    expect(file.ext).toBe('tif');
    const f = path.join(tmp, 'big_labels.tif');
    fs.writeFileSync(f, file.data);
    const { data, info } = await sharp(f).extractChannel(0).raw({ depth: 'uint' }).toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([40, 30]);
    expect(same(new Uint32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)), labels)).toBe(true);
    expect((await readLabelImage(f)).count).toBe(11);
  });
});

describe('no lost work', () => {
  it('closing a panel with unsaved corrections asks: Save corrections writes them, Discard drops the backup; a clean panel closes quietly', async () => {
    const v = await openViewer();
    await v.edit(DELETE_2);
    mock.window.showWarningMessage.mockResolvedValueOnce('Save corrections' as never);
    v.panel.dispose();
    await eventually(() => fs.existsSync(path.join(tmp, 'cells_labels.png')));
    expect(mock.window.showWarningMessage).toHaveBeenCalledWith(
      expect.stringContaining('the viewer of cells.png was closed with unsaved corrections (1 edit)'),
      expect.objectContaining({ modal: true }),
      'Save corrections',
      'Discard',
    );

    const w = await openViewer('b.png');
    await w.edit(DELETE_2);
    await w.session.corrections!.flushBackup();
    expect(fs.existsSync(w.session.corrections!.backupDir)).toBe(true);
    mock.window.showWarningMessage.mockResolvedValueOnce('Discard' as never);
    w.panel.dispose();
    await eventually(() => !fs.existsSync(w.session.corrections!.backupDir));
    expect(fs.existsSync(path.join(tmp, 'b_labels.png'))).toBe(false);

    mock.window.showWarningMessage.mockClear();
    const clean = await openViewer('c.png');
    clean.panel.dispose();
    await settle();
    expect(mock.window.showWarningMessage).not.toHaveBeenCalled();
  });

  it('keeps a backup after each edit; segmenting the image again offers to restore it and the page gets the same labels, unsaved', async () => {
    const v = await openViewer();
    await v.edit(DELETE_2);
    await v.edit(SPLIT_4);
    await v.edit(MERGE_5_6);
    await v.undo();
    const corrections = v.session.corrections!;
    await corrections.flushBackup();
    expect(fs.readdirSync(corrections.backupDir).sort()).toEqual(['labels.i32', 'meta.json', 'ops.jsonl', 'probability.u8']);
    expect(fs.readFileSync(path.join(corrections.backupDir, 'ops.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
    // The host goes away without a word (a crash): the next session on the image finds the backup.
    mock.createdPanels.length = 0;
    mock.window.showInformationMessage.mockImplementationOnce((async (_m: string, _o: unknown, restore: string) => restore) as never);
    const w = await openViewer();
    expect(mock.window.showInformationMessage).toHaveBeenCalledWith(
      expect.stringContaining('cells.png has corrections that were not saved'),
      expect.objectContaining({ modal: true }),
      'Restore unsaved corrections (2 edits)',
      'Discard',
    );
    const payload = last(w.panel, 'segmentation').payload as SegmentationPayload;
    expect(same(unpackLabels(payload.labels), v.page.labels)).toBe(true);
    expect(payload.dirty).toBe(true);
    expect(payload.nuclei.map((r) => r.label)).toEqual([...fullRows(v.page.labels).keys()].sort((a, b) => a - b));
    expect(w.panel.title.startsWith('● ')).toBe(true);
    // Redo works across the restore (the log replays undo and redo too).
    await w.panel.receive({ type: 'redo' });
    v.page.redo();
    expect(same(w.session.result.labels, v.page.labels)).toBe(true);

    // A changed image file is not restored onto.
    mock.createdPanels.length = 0;
    mock.window.showInformationMessage.mockClear();
    fs.utimesSync(v.file, new Date(), new Date(Date.now() + 5000));
    await openViewer();
    expect(mock.window.showInformationMessage).not.toHaveBeenCalledWith(expect.stringContaining('not saved'), expect.anything(), expect.anything(), 'Discard');
  });
});

describe('the TIFF editor as an editable document', () => {
  /** A TIFF opened in the Nuclei viewer, its page ready. */
  async function openTiff(name: string) {
    activate(context);
    const provider = mock.window.customEditors.get(IMAGE_VIEW_TYPE) as NucleiImageEditor;
    const file = path.join(tmp, name);
    fs.writeFileSync(file, 'decoded by the mocked nuclei-api');
    const panel = await mock.openInCustomEditor(IMAGE_VIEW_TYPE, vscode.Uri.file(file));
    const doc = panel.document as NucleiImageDocument;
    await doc.ready;
    await panel.receive({ type: 'ready' });
    return { provider, file, panel, doc };
  }

  it('edits make it dirty; Ctrl+S saves the corrections; hot exit backs them up and reopening restores them; revert goes back to the saved labels', async () => {
    const { provider, file, panel, doc } = await openTiff('cells.tif');
    const changes: unknown[] = [];
    provider.onDidChangeCustomDocument((e) => changes.push(e.document));
    await panel.receive({ type: 'segment' });
    const payload = last(panel, 'segmentation').payload;
    const page = new LabelEditor(unpackLabels(payload.labels), W, H, { probability: payload.probability });
    for (const op of [DELETE_2, SPLIT_4]) {
      page.apply(op);
      await panel.receive({ type: 'edit', op });
    }
    expect(changes).toEqual([doc, doc]);
    expect(last(panel, 'editRows').count).toBe(page.count);

    // Hot exit: VS Code asks for a backup, then reopens the document from it.
    const destination = vscode.Uri.file(path.join(tmp, 'vscode-backups', 'cells'));
    const backup = await provider.backupCustomDocument(doc, { destination } as vscode.CustomDocumentBackupContext);
    expect(backup.id).toBe(destination.fsPath);
    const reopened = await mock.openInCustomEditor(IMAGE_VIEW_TYPE, vscode.Uri.file(file), backup.id);
    const doc2 = reopened.document as NucleiImageDocument;
    await doc2.ready;
    await reopened.receive({ type: 'ready' });
    const restored = last(reopened, 'segmentation').payload;
    expect(same(unpackLabels(restored.labels), page.labels)).toBe(true);
    expect(restored.dirty).toBe(true);
    expect(changes.at(-1)).toBe(doc2);
    expect(mock.window.showInformationMessage).not.toHaveBeenCalledWith(expect.stringContaining('not saved'), expect.anything(), expect.anything(), 'Discard');

    // Ctrl+S
    await provider.saveCustomDocument(doc2);
    const labelsFile = path.join(tmp, 'cells_labels.png');
    const saved = fs.readFileSync(labelsFile);
    expect(last(reopened, 'editState')).toEqual({ type: 'editState', dirty: false, savedTo: labelsFile });
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'cells_labels.nuclei.json'), 'utf8')).tally).toMatchObject({ deleted: 1, split: 1 });

    // Revert after more edits: the labels as saved.
    const op: EditOp = { kind: 'delete', labels: [1] };
    page.apply(op);
    await reopened.receive({ type: 'edit', op });
    await provider.revertCustomDocument(doc2);
    const reverted = last(reopened, 'segmentation').payload;
    expect(reverted.dirty).toBe(false);
    expect(Buffer.from((await encodeLabelImage(unpackLabels(reverted.labels), W, H)).data)).toEqual(saved);

    // "Don't Save" on close: VS Code disposes the dirty document; its backup goes.
    page.apply(MERGE_5_6);
    await reopened.receive({ type: 'edit', op: MERGE_5_6 });
    await doc2.corrections!.flushBackup();
    const dir = doc2.corrections!.backupDir;
    expect(fs.existsSync(dir)).toBe(true);
    doc2.dispose();
    await eventually(() => !fs.existsSync(dir));
  });

  it('shows the file again when it changes on disk, but keeps a view with unsaved corrections until the user says to reload', async () => {
    const { file, panel, doc } = await openTiff('watched.tif');
    expect(last(panel, 'image').payload.width).toBe(W);

    // Unchanged views: the new pixels, and a segmentation of the old ones goes.
    await panel.receive({ type: 'segment' });
    expect(doc.session).toBeDefined();
    const black = { width: W, height: H, data: new Uint8Array(W * H * 3) };
    api.readImage.mockResolvedValueOnce(black);
    const before = messages(panel, 'image').length;
    expect(await mock.changeOnDisk(file)).toBe(1);
    await doc.reloaded;
    expect(messages(panel, 'image').length).toBe(before + 1);
    expect(doc.shown?.image).toBe(black);
    expect(doc.session).toBeUndefined();

    // Unsaved corrections: not replaced; the user is told, and nothing changes until Reload.
    await panel.receive({ type: 'segment' });
    const op: EditOp = { kind: 'delete', labels: [1] };
    await panel.receive({ type: 'edit', op });
    const shown = messages(panel, 'image').length;
    mock.window.showWarningMessage.mockResolvedValueOnce(undefined);
    await mock.changeOnDisk(file);
    await doc.reloaded;
    expect(mock.window.showWarningMessage).toHaveBeenLastCalledWith(expect.stringContaining('watched.tif changed on disk'), 'Reload from disk');
    expect(messages(panel, 'image').length).toBe(shown);
    expect(doc.corrections?.dirty).toBe(true);

    // Reload, then Discard in the unsaved-corrections question: the file as it is now.
    mock.window.showWarningMessage.mockResolvedValueOnce('Reload from disk').mockResolvedValueOnce('Discard');
    await mock.changeOnDisk(file);
    await doc.reloaded;
    expect(messages(panel, 'image').length).toBe(shown + 1);
    expect(doc.session).toBeUndefined();

    // Closed: its watcher goes with it.
    doc.dispose();
    expect(await mock.changeOnDisk(file)).toBe(0);
  });
});
