// Command logic against the vscode mock, with nuclei-api (TF.js, sharp, the packages) mocked.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import * as mock from './vscode-mock';
import { settingsOf } from './settings-of';
import { activate } from '../src/extension';
import { segmentImageCommand } from '../src/commands/segmentImage';
import { pixelFilters, runFolder } from '../src/segmentation-session';
import { runStamp, trainModelCommand } from '../src/commands/trainModel';
import { fineTuneOnCorrectionsCommand } from '../src/commands/fineTuneOnCorrections';
import { recordSavedCorrection } from '../src/corrections/status';
import { FINE_TUNE } from '../../../packages/training/src/recipes';
import { compareModelsCommand, evaluateModelCommand } from '../src/commands/evaluateModel';
import { selectModelCommand } from '../src/commands/selectModel';
import { IMAGE_VIEW_TYPE } from '../src/image-editor';
import { createLogger } from '../src/log';
import { batchBaseNames, flagOutliers, type BatchResult } from '../src/commands/segmentBatch';
import { VIEWER_ACTIONS, type MetricsRow } from '../src/webview/messages';

/** The five outputs the mocked nuclei-api writes (the real one writes eight). */
function fakeOutputs(outDir: string, base: string): Record<string, string> {
  return {
    mask: path.join(outDir, `${base}_mask.png`),
    labels: path.join(outDir, `${base}_labels.png`),
    overlay: path.join(outDir, `${base}_overlay.png`),
    summary: path.join(outDir, `${base}.json`),
    csv: path.join(outDir, `${base}.csv`),
  };
}

jest.mock('../src/nuclei-api', () => ({
  ensureBackend: jest.fn(async () => 'backend: wasm (skipped gpu: @tensorflow/tfjs-node-gpu not installed)'),
  loadModelCached: jest.fn(async (dir: string) => ({
    model: { name: 'fake-model' },
    predictor: { engine: 'fake' },
    metadata: {},
    dir,
    engineLine: 'engine: fake',
  })),
  readImage: jest.fn(async () => ({ width: 4, height: 2, data: new Uint8Array(24) })),
  segmentImage: jest.fn(async () => ({
    width: 4,
    height: 2,
    mask: Uint8Array.from([1, 1, 0, 0, 0, 0, 1, 0]),
    labels: Int32Array.from([1, 1, 0, 0, 0, 0, 2, 0]),
    count: 2,
    areas: [2, 1],
    meanArea: 1.5,
  })),
  writeOutputs: jest.fn(async (_r: unknown, _i: unknown, outDir: string, base: string, info?: { outputs?: string[] }) => {
    const files = Object.fromEntries(
      Object.entries(fakeOutputs(outDir, base)).filter(([k]) => !info?.outputs || info.outputs.includes(k === 'summary' ? 'json' : k)),
    );
    fs.mkdirSync(outDir, { recursive: true });
    for (const f of Object.values(files)) fs.writeFileSync(f, f);
    return files;
  }),
  outputFiles: jest.fn((outDir: string, base: string, kinds?: string[]) =>
    Object.entries(fakeOutputs(outDir, base))
      .filter(([k]) => !kinds || kinds.includes(k === 'summary' ? 'json' : k))
      .map(([, f]) => f),
  ),
  encodePng: jest.fn(async () => Buffer.from('png!')),
  isDatasetImage: jest.requireActual('../../../packages/data/src/layout').isDatasetImage,
  // The real measurements (plain arithmetic on the label image, no TF.js).
  measure: jest.fn((r: { labels: Int32Array; width: number; height: number; count: number }, image: unknown, px?: number, channels?: unknown) =>
    jest.requireActual('../../../packages/segmentation/src/measurements').measureNuclei(r.labels, r.width, r.height, r.count, channels ?? image, px ?? 1),
  ),
  pixelSizeOf: jest.fn(() => undefined),
  // What the fake segmentImage finds, as a saved label image would give it back.
  readLabels: jest.fn(async () => ({ width: 4, height: 2, labels: Int32Array.from([1, 1, 0, 0, 0, 0, 2, 0]) })),
  loadSample: jest.fn(),
  imageAxes: jest.fn(async () => ({ channels: [{ index: 0 }], planes: 1, rgb: false })),
  // Slides: an ordinary image unless a test says otherwise.
  blockwiseReason: jest.fn(async () => undefined),
  slideBase: jest.requireActual('../../../packages/slide/src/segment-slide').slideBase,
  slideOptions: jest.fn(() => ({ threshold: 0.5 })),
  segmentSlide: jest.fn(),
  openSlideView: jest.fn(),
  openSlideImage: jest.fn(),
  VIEW_TILE: 512,
  // Every channel: the fake image's first byte per pixel, named.
  readChannels: jest.fn(async () => [
    { name: 'GFP', values: new Float32Array(8).fill(7) },
    { name: 'DAPI', values: Float32Array.from([9, 9, 0, 0, 0, 0, 5, 0]) },
  ]),
  filterSegmentation: jest.fn((r: unknown, f: unknown) => jest.requireActual('../../../packages/segmentation/src/filters').filterResult(r, f)),
  recipeEpochs: jest.fn(() => '30 for nuclei, 20 for seed'),
  FINE_TUNE: jest.requireActual('../../../packages/training/src/recipes').FINE_TUNE,
  trainModel: jest.fn(),
  holdsTrainingRun: jest.requireActual('../../../packages/training/src/run').holdsTrainingRun,
  evaluate: jest.fn(),
  writeTextAtomic: jest.fn(async (file: string, text: string) => fs.writeFileSync(file, text)),
  writeFileAtomic: jest.fn(async (file: string, data: string | Uint8Array) => fs.writeFileSync(file, data)),
  encodeLabelImage: jest.fn((labels: Int32Array, w: number, h: number) => jest.requireActual('../src/corrections/label-file').encodeLabelImage(labels, w, h)),
}));

const api = require('../src/nuclei-api') as Record<string, jest.Mock>;

const EXT = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-ext-'));
afterAll(() => fs.rmSync(EXT, { recursive: true, force: true }));
const globalState = new Map<string, unknown>();
const workspaceState = new Map<string, unknown>();
const context = mock.fakeContext(EXT, path.join(EXT, 'storage'), { global: globalState, workspace: workspaceState }) as unknown as vscode.ExtensionContext;
let tmp: string;
let log: ReturnType<typeof createLogger>;

beforeEach(() => {
  mock.resetMock();
  jest.clearAllMocks();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-cmd-'));
  log = createLogger(mock.window.createOutputChannel('Nuclei') as unknown as vscode.OutputChannel);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function imageFile(name = 'cells.png'): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, 'not read: nuclei-api is mocked');
  return f;
}

describe('activate', () => {
  it('registers the commands, the Nuclei output channel and the model in the status bar', () => {
    activate(context);
    expect([...mock.commands.registered.keys()].sort()).toEqual(
      [
        'nuclei.compareModels',
        'nuclei.evaluateModel',
        'nuclei.fineTuneOnCorrections',
        'nuclei.labelsViewer.pickImage',
        'nuclei.openSlide',
        'nuclei.segmentFolder',
        'nuclei.segmentImage',
        'nuclei.selectModel',
        'nuclei.trainModel',
        ...VIEWER_ACTIONS.map((a) => `nuclei.viewer.${a}`),
      ].sort(),
    );
    const item = mock.statusBarItems[0];
    expect(item).toMatchObject({ visible: true, command: 'nuclei.selectModel', text: '$(symbol-color) Nuclei: bundled model' });
    expect(item.tooltip).toContain(path.join(EXT, 'dist/models/default'));
    expect(mock.window.createOutputChannel).toHaveBeenCalledWith('Nuclei');
    expect(api.ensureBackend).not.toHaveBeenCalled(); // TF.js loads on first use, not at activation
  });

  it('package.json contributes what the code registers, with resourceExtname menus and the settings', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8'));
    const ids = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
    activate(context);
    expect(ids).toEqual([...mock.commands.registered.keys()].sort());
    // The viewer's commands are in the palette only while a viewer is the active tab.
    for (const a of VIEWER_ACTIONS)
      expect(pkg.contributes.menus.commandPalette).toContainEqual({
        command: `nuclei.viewer.${a}`,
        when: "activeWebviewPanelId == 'nuclei.segment' || activeWebviewPanelId == 'nuclei.slide' || activeCustomEditorId == 'nuclei.imageViewer' || activeCustomEditorId == 'nuclei.labelsViewer'",
      });
    expect(pkg.activationEvents).toEqual(['onStartupFinished']); // the status bar shows the model from the start
    const title = pkg.contributes.menus['editor/title'].find((m: { command: string }) => m.command === 'nuclei.segmentImage');
    const explorer = pkg.contributes.menus['explorer/context'].find((m: { command: string }) => m.command === 'nuclei.segmentImage');
    for (const when of [title.when, explorer.when]) {
      const re = new RegExp(/resourceExtname =~ \/(.+)\/i/.exec(when)![1], 'i');
      for (const ext of ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.PNG']) expect(re.test(ext)).toBe(true);
      for (const ext of ['.json', '.pngx', '.gif']) expect(re.test(ext)).toBe(false);
    }
    // "Open slide result" on folders named *.ome.zarr only.
    const slide = pkg.contributes.menus['explorer/context'].find((m: { command: string }) => m.command === 'nuclei.openSlide');
    expect(slide.when).toMatch(/^explorerResourceIsFolder && /);
    const folder = new RegExp(/resourceFilename =~ \/(.+)\/i/.exec(slide.when)![1], 'i');
    for (const name of ['slide.ome.zarr', 'S.OME.ZARR']) expect(folder.test(name)).toBe(true);
    for (const name of ['slide.zarr', 'ome.zarr.txt', 'images']) expect(folder.test(name)).toBe(false);
    expect(Object.keys(settingsOf(pkg)).sort()).toEqual([
      'nuclei.backend',
      'nuclei.batchSize',
      'nuclei.correctionsFolder',
      'nuclei.engine',
      'nuclei.epochs',
      'nuclei.fineTuneMixShare',
      'nuclei.inputSize',
      'nuclei.modelPath',
      'nuclei.pixelSize',
      'nuclei.threshold',
      'nuclei.tiling',
      'nuclei.trainingRecipe',
      'nuclei.trainingWorkers',
    ]);
    expect(settingsOf(pkg)['nuclei.backend'].enum).toEqual(['auto', 'gpu', 'node', 'wasm', 'cpu']);
    expect(settingsOf(pkg)['nuclei.engine'].enum).toEqual(['auto', 'onnx', 'tfjs']);
    expect(settingsOf(pkg)['nuclei.tiling'].enum).toEqual(['auto', 'tile', 'resize']);
  });
});

describe('Segment several images', () => {
  it('segments an explorer multi-selection into one results folder, sums them up on one page, and a row opens its result', async () => {
    activate(context);
    const a = imageFile('a.png');
    const b = imageFile('b.tif');
    const notes = path.join(tmp, 'notes.txt');
    fs.writeFileSync(notes, 'x');
    const r = (await mock.commands.executeCommand(
      'nuclei.segmentImage',
      vscode.Uri.file(a),
      [a, b, notes].map((f) => vscode.Uri.file(f)),
    )) as BatchResult;
    expect(r.table.rows.map((x) => x.name)).toEqual(['a.png', 'b.tif']);
    expect(r.table.rows[0].values).toMatchObject({ nuclei: 2, 'mean area (px)': 1.5, 'covered (%)': 37.5 });
    expect(r.failed).toEqual([]);
    // One folder for the run (the first choice of the question asked once), not one per image.
    expect(mock.window.showQuickPick).toHaveBeenCalledTimes(1);
    expect(r.outDir).toBe(path.join(tmp, 'nuclei-default'));
    expect(fs.readdirSync(r.outDir)).toEqual(expect.arrayContaining(['a_mask.png', 'b_mask.png', 'a_labels.png']));
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.nuclei-'))).toEqual([]);
    expect(mock.window.withProgress.mock.calls[0][0]).toMatchObject({ cancellable: true });
    const page = mock.createdPanels[0];
    await page.receive({ type: 'ready' });
    const shown = page.webview.postMessage.mock.calls[0][0];
    expect(shown).toMatchObject({ type: 'evaluation', heading: `2 of 2 images \u2192 ${r.outDir}` });
    expect(shown.heading).not.toMatch(/image\(s\)/);
    expect(shown.table.decimals.nuclei).toBe(0);
    // A row opens that image with its saved labels (not segmented again) in the viewer.
    await page.receive({ type: 'openRow', name: 'b.tif' });
    expect(api.readLabels).toHaveBeenCalledWith(path.join(r.outDir, 'b_labels.png'));
    expect(api.segmentImage).toHaveBeenCalledTimes(2);
    const viewer = mock.createdPanels[1];
    expect(viewer.title).toMatch(/^Nuclei: b\.tif/);
    await viewer.receive({ type: 'ready' });
    const payload = viewer.webview.postMessage.mock.calls.find((c: Array<{ type: string }>) => c[0].type === 'segmentation')[0].payload;
    expect(payload.count).toBe(2);
    expect((await viewer.posted('rows')).nuclei.map((n: { area: number }) => n.area)).toEqual([2, 1]);
  });

  it('multi-channel images: the channel is asked once per folder and used for every image; the summary in µm² once pixel sizes are known', async () => {
    activate(context);
    imageFile('one.tif');
    imageFile('two.tif');
    api.imageAxes.mockResolvedValue({
      channels: [
        { index: 0, name: 'GFP' },
        { index: 1, name: 'DAPI' },
      ],
      planes: 1,
      rgb: false,
    });
    api.pixelSizeOf.mockReturnValue({ microns: 0.5, source: 'OME-XML' });
    try {
      // First where the results go (the default), then the channel (DAPI).
      mock.window.showQuickPick.mockImplementationOnce(async <T>(items: T[]) => items[0]).mockImplementationOnce(async <T>(items: T[]) => items[1]);
      const r = (await mock.commands.executeCommand('nuclei.segmentFolder', vscode.Uri.file(tmp))) as {
        table: { columns: string[]; rows: Array<{ name: string; values: Record<string, number> }> };
      };
      expect(mock.window.showQuickPick).toHaveBeenCalledTimes(2);
      expect(api.readImage.mock.calls.map((c: unknown[]) => [path.basename(c[0] as string), c[1]])).toEqual([
        ['one.tif', { channel: 1 }],
        ['two.tif', { channel: 1 }],
      ]);
      expect(r.table.columns).toEqual(['nuclei', 'mean area (µm²)', 'median area (µm²)', 'covered (%)']);
      expect(r.table.rows[0].values['mean area (µm²)']).toBeCloseTo(1.5 * 0.25, 12);
      // What was saved records the channel and measures both.
      const info = api.writeOutputs.mock.calls[0][4] as { input: unknown; channels: Array<{ name: string }>; pixelSize: number };
      expect(info.input).toEqual({ channel: 1, channelName: 'DAPI' });
      expect(info.channels.map((c) => c.name)).toEqual(['GFP', 'DAPI']);
      expect(info.pixelSize).toBe(0.5);
    } finally {
      api.imageAxes.mockResolvedValue({ channels: [{ index: 0 }], planes: 1, rgb: false });
      api.pixelSizeOf.mockReturnValue(undefined);
    }
  });

  it('a whole slide goes block by block into its run folder (the nuclear channel asked first) and opens in the slide viewer by tiles', async () => {
    activate(context);
    const file = imageFile('big.ome.tif');
    api.imageAxes.mockResolvedValueOnce({
      channels: [
        { index: 0, name: 'GFP' },
        { index: 1, name: 'DAPI' },
      ],
      planes: 1,
      rgb: false,
    });
    api.blockwiseReason.mockResolvedValueOnce('900 megapixels, above 50');
    mock.window.showQuickPick.mockImplementationOnce(async <T>(items: T[]) => items[1]);
    const out = path.join(tmp, 'big.ome.nuclei-default');
    const summary = {
      image: file,
      width: 30000,
      height: 30000,
      count: 1234,
      uncertain: 0,
      pixelSize: null,
      blocks: 64,
      outputs: { summary: path.join(out, 'big.json') },
    };
    api.segmentSlide.mockImplementationOnce(async (_f: string, _o: string, _b: string, _s: unknown, _p: unknown, o: { onBlock: (b: object) => void }) => {
      o.onBlock({ done: 1, total: 64, count: 20, seconds: 30, skipped: 0 });
      return summary;
    });
    const tile = jest.fn(async (level: number, tx: number, ty: number) => ({
      level,
      tx,
      ty,
      width: 2,
      height: 1,
      image: new Uint8Array(6),
      labels: new Uint32Array(2),
    }));
    api.openSlideView.mockResolvedValueOnce({
      image: file,
      result: { summaryPath: summary.outputs.summary, summary },
      width: 30000,
      height: 30000,
      levels: 7,
      tile,
      measurements: async () => ({ unit: 'px', rows: [] }),
    });
    await mock.commands.executeCommand('nuclei.segmentImage', vscode.Uri.file(file));
    expect(api.readImage).not.toHaveBeenCalled();
    expect(api.segmentImage).not.toHaveBeenCalled();
    const [image, outDir, base, settings] = api.segmentSlide.mock.calls[0];
    expect([image, outDir, base]).toEqual([file, out, 'big']);
    expect(settings).toMatchObject({ channel: 1, overwrite: false, options: { threshold: 0.5 } });
    expect(api.openSlideView).toHaveBeenCalledWith(summary.outputs.summary);
    const panel = mock.createdPanels[mock.createdPanels.length - 1];
    expect(panel.viewType).toBe('nuclei.slide');
    await panel.receive({ type: 'ready' });
    await panel.receive({ type: 'tile', level: 6, tx: 0, ty: 0 });
    expect(tile).toHaveBeenCalledWith(6, 0, 0);
    const posted = panel.webview.postMessage.mock.calls.map((c: unknown[]) => (c[0] as { type: string }).type);
    expect(posted).toEqual(expect.arrayContaining(['slide', 'slideRows', 'tile']));
  });

  it('segments every image of a folder; a failure is listed and the others go on; existing results: replace, skip or stop', async () => {
    activate(context);
    imageFile('one.png');
    imageFile('two.jpg');
    imageFile('three.png');
    api.segmentImage.mockRejectedValueOnce(new Error('one.png: image is empty'));
    const r = (await mock.commands.executeCommand('nuclei.segmentFolder', vscode.Uri.file(tmp))) as BatchResult;
    expect(r.table.rows.map((x) => x.name)).toEqual(['three.png', 'two.jpg']);
    expect(r.failed.map((f) => path.basename(f.file))).toEqual(['one.png']);
    expect(r.cancelled).toBe(false);
    expect(mock.window.showErrorMessage).toHaveBeenCalledWith(expect.stringMatching(/1 of 3 images failed: one\.png/), 'Show log');
    // Again: two images have results in that folder; dismissing the question stops before anything is written.
    mock.window.showWarningMessage.mockResolvedValueOnce(undefined);
    expect(await mock.commands.executeCommand('nuclei.segmentFolder', vscode.Uri.file(tmp))).toBeUndefined();
    expect(mock.window.showWarningMessage).toHaveBeenLastCalledWith(
      expect.stringMatching(/2 of the 3 images already have results in .*nuclei-default/),
      { modal: true },
      'Replace',
      'Skip existing',
    );
    // Skip existing: only one.png is segmented; the kept images' rows come from their saved labels.
    api.segmentImage.mockClear();
    mock.window.showWarningMessage.mockResolvedValueOnce('Skip existing');
    const again = (await mock.commands.executeCommand('nuclei.segmentFolder', vscode.Uri.file(tmp))) as BatchResult;
    expect(api.segmentImage).toHaveBeenCalledTimes(1);
    expect(again.skipped.map((f) => path.basename(f))).toEqual(['three.png', 'two.jpg']);
    expect(again.table.rows.map((x) => [x.name, x.values.nuclei])).toEqual([
      ['one.png', 2],
      ['three.png', 2],
      ['two.jpg', 2],
    ]);
  });

  it('flags counts far from the median of the folder, and names files apart in one folder', () => {
    const rows: MetricsRow[] = [3, 40, 42, 45, 100].map((n, i) => ({ name: `img${i}`, values: { nuclei: n } }));
    flagOutliers(rows);
    expect(rows.map((r) => r.flag)).toEqual(['7% of the median (42)', undefined, undefined, undefined, '2.4\u00d7 the median (42)']);
    const few: MetricsRow[] = [
      { name: 'a', values: { nuclei: 1 } },
      { name: 'b', values: { nuclei: 30 } },
    ];
    flagOutliers(few);
    expect(few.map((r) => r.flag)).toEqual([undefined, undefined]);
    const names = batchBaseNames(['/d/a.png', '/d/a.tif', '/d/b.png', '/e/b.png']);
    expect([...names.values()]).toEqual(['a', 'a_tif', 'b', 'b_png']);
  });
});

describe('Select model', () => {
  function modelDir(name: string, dsb?: number): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.json'), '{}');
    fs.writeFileSync(
      path.join(dir, 'nuclei-model.json'),
      JSON.stringify({ preset: 'nuclei', inputSize: 128, metrics: dsb === undefined ? {} : { fullsize_dsb: dsb, fullsize_ap50: 0.7 } }),
    );
    return dir;
  }

  it('a chosen folder becomes nuclei.modelPath, is remembered, and the status bar follows', async () => {
    activate(context);
    const dir = modelDir('runs/mine/best', 0.61);
    mock.window.showQuickPick.mockImplementationOnce(async (items: unknown) => (items as Array<{ browse?: boolean }>).find((i) => i.browse));
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(dir)]);
    expect(await selectModelCommand(context, log)).toBe(dir);
    expect(mock.settings['nuclei.modelPath']).toBe(dir);
    const item = mock.statusBarItems.filter((i) => i.id === 'nuclei.model').at(-1)!;
    expect(item.text).toBe('$(symbol-color) Nuclei: mine/best');
    expect(item.tooltip).toContain('DSB 0.610, AP@0.5 0.700');
    // Next time it is offered among the recent models, marked as in use; the bundled model is first.
    mock.window.showQuickPick.mockImplementationOnce(async (items: unknown) => {
      const list = items as Array<{ label: string; description?: string; dir?: string }>;
      expect(list[0].label).toContain('Bundled model');
      expect(list.find((i) => i.dir === dir)?.description).toMatch(/^\(in use\) nuclei preset/);
      return list[0];
    });
    expect(await selectModelCommand(context, log)).toBe('');
    expect(item.text).toBe('$(symbol-color) Nuclei: bundled model');
  });

  it('refuses a folder without a model and changes nothing', async () => {
    fs.mkdirSync(path.join(tmp, 'empty'));
    mock.window.showQuickPick.mockImplementationOnce(async (items: unknown) => (items as Array<{ browse?: boolean }>).find((i) => i.browse));
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(path.join(tmp, 'empty'))]);
    expect(await selectModelCommand(context, log)).toBeUndefined();
    expect(mock.window.showErrorMessage).toHaveBeenCalledWith(expect.stringContaining('model.json'));
    expect(mock.configUpdates).toEqual([]);
  });
});

describe('Segment nuclei in image', () => {
  it('asks for an image with a file picker when no image is active, and stops when none is picked', async () => {
    const r = await segmentImageCommand(context, log);
    expect(r).toBeUndefined();
    expect(mock.window.showOpenDialog).toHaveBeenCalledTimes(1);
    const options = mock.window.showOpenDialog.mock.calls[0][0] as { filters: Record<string, string[]> };
    expect(Object.values(options.filters)[0]).toEqual(['png', 'jpg', 'jpeg', 'tif', 'tiff']);
    expect(api.readImage).not.toHaveBeenCalled();
    expect(mock.window.createWebviewPanel).not.toHaveBeenCalled();
  });

  it('segments the picked file with the bundled default model when nuclei.modelPath is empty', async () => {
    const file = imageFile();
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(file)]);
    const r = await segmentImageCommand(context, log);
    expect(r?.result.count).toBe(2);
    expect(api.loadModelCached).toHaveBeenCalledWith(path.join(EXT, 'dist/models/default'), 'auto');
    expect(api.ensureBackend).toHaveBeenCalledWith('auto');
    expect(api.readImage).toHaveBeenCalledWith(file, {});
    expect(api.segmentImage).toHaveBeenCalledWith(
      expect.anything(),
      { engine: 'fake' },
      expect.anything(),
      expect.objectContaining({ mode: 'auto', threshold: undefined, source: file }),
    );
    expect(mock.window.withProgress.mock.calls[0][0]).toMatchObject({ location: vscode.ProgressLocation.Notification });
    expect(mock.outputLines.join('\n')).toContain('backend: wasm');
    expect(mock.outputLines.join('\n')).toContain('2 nuclei');
  });

  it('can be cancelled from the notification: the signal aborts, nothing is shown but a passing note, gone once the image is segmented', async () => {
    mock.window.withProgress.mockImplementationOnce(async (_o: unknown, task: (p: never, t: never) => Promise<unknown>) => {
      let cancel: () => void = () => undefined;
      const run = task(
        { report: jest.fn() } as never,
        {
          isCancellationRequested: false,
          onCancellationRequested: (l: () => void) => {
            cancel = l;
          },
        } as never,
      );
      cancel(); // the user presses Cancel while the U-Net runs
      return run;
    });
    api.segmentImage.mockImplementationOnce(async (_i: unknown, _m: unknown, _d: unknown, settings: { signal: AbortSignal }) => {
      await new Promise((r) => setTimeout(r, 5));
      if (settings.signal.aborted) throw Object.assign(new Error('segmentation cancelled'), { name: 'AbortError' });
      throw new Error('the signal was not aborted');
    });
    const r = await segmentImageCommand(context, log, vscode.Uri.file(imageFile()));
    expect(r).toBeUndefined();
    expect(mock.window.withProgress.mock.calls[0][0]).toMatchObject({ cancellable: true });
    expect([...mock.statusNotes]).toEqual([expect.stringMatching(/segmentation of cells\.png cancelled/)]);
    expect(mock.window.showInformationMessage).not.toHaveBeenCalled();
    expect(mock.window.showErrorMessage).not.toHaveBeenCalled();
    expect(mock.window.createWebviewPanel).not.toHaveBeenCalled();
    // Segmented after all: the result is shown and the note of the cancelled run is gone.
    expect(await segmentImageCommand(context, log, vscode.Uri.file(imageFile()))).toBeDefined();
    expect([...mock.statusNotes]).toEqual([]);
  });

  it('says how long the U-Net has left once tiles are done', async () => {
    let now = 1_000_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    const reports: string[] = [];
    mock.window.withProgress.mockImplementationOnce(async (_o: unknown, task: (p: never, t: never) => Promise<unknown>) =>
      task({ report: (r: { message?: string }) => reports.push(r.message ?? '') } as never, { onCancellationRequested: () => undefined } as never),
    );
    api.segmentImage.mockImplementationOnce(async (_i: unknown, _m: unknown, _d: unknown, settings: { onProgress: (d: number, t: number) => void }) => {
      now += 10_000; // the first of 10 tiles took 10 s
      settings.onProgress(1, 10);
      now += 80_000;
      settings.onProgress(9, 10); // 10 s left: still said
      return { width: 4, height: 2, mask: new Uint8Array(8), labels: new Int32Array(8), count: 0, areas: [], meanArea: 0 };
    });
    try {
      await segmentImageCommand(context, log, vscode.Uri.file(imageFile()));
    } finally {
      clock.mockRestore();
    }
    expect(reports).toContain('running the U-Net (1/10, about 1 min 30 s left)');
    expect(reports).toContain('running the U-Net (9/10, about 10 s left)');
  });

  it('uses the configured model path (relative to the workspace), backend, tiling and threshold', async () => {
    mock.workspace.workspaceFolders = [{ uri: vscode.Uri.file(tmp), name: 'ws', index: 0 }];
    fs.mkdirSync(path.join(tmp, 'models/mine'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'models/mine/model.json'), '{}');
    Object.assign(mock.settings, { 'nuclei.modelPath': 'models/mine', 'nuclei.backend': 'cpu', 'nuclei.tiling': 'resize', 'nuclei.threshold': 0.3 });
    await segmentImageCommand(context, log, vscode.Uri.file(imageFile()));
    expect(mock.window.showOpenDialog).not.toHaveBeenCalled();
    expect(api.loadModelCached).toHaveBeenCalledWith(path.join(tmp, 'models/mine'), 'auto');
    expect(api.ensureBackend).toHaveBeenCalledWith('cpu');
    expect(api.segmentImage).toHaveBeenCalledWith(
      expect.anything(),
      expect.anything(),
      expect.anything(),
      expect.objectContaining({ mode: 'resize', threshold: 0.3 }),
    );
  });

  it('names the missing model before loading anything', async () => {
    mock.settings['nuclei.modelPath'] = path.join(tmp, 'nope');
    await segmentImageCommand(context, log, vscode.Uri.file(imageFile()));
    expect(mock.window.showErrorMessage.mock.calls[0][0]).toBe(
      `Nuclei: cannot segment cells.png: nuclei.modelPath points to ${path.join(tmp, 'nope')}, which has no model.json.`,
    );
    expect(api.ensureBackend).not.toHaveBeenCalled();
  });

  it('takes the image of the active editor tab (image preview) without asking', async () => {
    const file = imageFile('active.tif');
    mock.window.tabGroups.activeTabGroup.activeTab = { input: { uri: vscode.Uri.file(file) } };
    await segmentImageCommand(context, log);
    expect(mock.window.showOpenDialog).not.toHaveBeenCalled();
    expect(api.readImage).toHaveBeenCalledWith(file, {});
  });

  it('reports errors naming the file and leaves no panel', async () => {
    const file = imageFile('broken.png');
    api.readImage.mockRejectedValueOnce(new Error(`${file}: not a PNG, JPEG or TIFF image`));
    const r = await segmentImageCommand(context, log, vscode.Uri.file(file));
    expect(r).toBeUndefined();
    const message = mock.window.showErrorMessage.mock.calls[0][0];
    expect(message).toContain('broken.png');
    expect(message).toContain('not a PNG');
    expect(mock.window.createWebviewPanel).not.toHaveBeenCalled();
    expect(mock.outputLines.join('\n')).toMatch(/ERROR segment: .*broken\.png failed/);
  });

  it('refuses files that are not images, naming them', async () => {
    await segmentImageCommand(context, log, vscode.Uri.file(path.join(tmp, 'notes.txt')));
    expect(mock.window.showErrorMessage.mock.calls[0][0]).toContain('notes.txt is not a supported image');
    expect(api.readImage).not.toHaveBeenCalled();
  });

  it('opens a locked-down webview and sends the segmentation when the page is ready', async () => {
    const file = imageFile();
    await segmentImageCommand(context, log, vscode.Uri.file(file));
    const panel = mock.createdPanels[0];
    expect(panel.webview.options.enableScripts).toBe(true);
    expect(mock.window.createWebviewPanel).toHaveBeenCalledWith('nuclei.segment', expect.any(String), vscode.ViewColumn.Beside, expect.anything()); // beside the image
    expect(panel.webview.options.localResourceRoots!.map((u) => u.fsPath)).toEqual([path.join(EXT, 'dist/webview'), tmp]);
    expect(panel.webview.html).toContain(`src="vscode-resource://mock${path.join(EXT, 'dist/webview/segment.js')}"`);
    expect(panel.webview.postMessage).not.toHaveBeenCalled();
    await panel.receive({ type: 'ready' });
    const msg = panel.webview.postMessage.mock.calls[0][0];
    expect(msg).toMatchObject({
      type: 'segmentation',
      payload: { fileName: 'cells.png', width: 4, height: 2, count: 2, meanArea: 1.5, unit: 'px', nuclei: [], measuring: true },
    });
    // The table's rows come next, measured once the image is on its way: label 1 is the pair at (0,0)-(1,0), label 2 the pixel at (2,1).
    const rows = await panel.posted('rows');
    expect(panel.webview.postMessage.mock.calls[1][0]).toBe(rows);
    expect(
      rows.nuclei.map((n: { label: number; area: number; centroidX: number; centroidY: number; box: number[] }) => [
        n.label,
        n.area,
        n.centroidX,
        n.centroidY,
        n.box,
      ]),
    ).toEqual([
      // Centroids with pixel centres at +0.5, as the CSV.
      [1, 2, 1, 0.5, [0, 0, 2, 1]],
      [2, 1, 2.5, 1.5, [2, 1, 1, 1]],
    ]);
    expect(msg.payload.imageSrc).toBe(`vscode-resource://mock${file}`);
    expect(panel.title).toBe('Nuclei: cells.png · bundled model'); // every page names its model
    expect(msg.payload.labels).toBeInstanceOf(Uint16Array); // binary, no text codec
    expect(Array.from(msg.payload.labels)).toEqual([1, 1, 0, 0, 0, 0, 2, 0]);
    // A reloaded page (hidden and shown again) gets the data again, the rows in it now.
    await panel.receive({ type: 'ready' });
    expect(panel.webview.postMessage).toHaveBeenCalledTimes(3);
    const again = panel.webview.postMessage.mock.calls[2][0];
    expect(again.type).toBe('segmentation');
    expect(again.payload.measuring).toBeUndefined();
    expect(again.payload.nuclei).toEqual(rows.nuclei);
  });

  it("the viewer's palette commands go to the viewer in the active tab, and are not replayed", async () => {
    activate(context);
    await segmentImageCommand(context, log, vscode.Uri.file(imageFile('a.png')));
    await segmentImageCommand(context, log, vscode.Uri.file(imageFile('b.png')));
    const [a, b] = mock.createdPanels;
    for (const p of [a, b]) await p.receive({ type: 'ready' });
    a.active = false;
    await mock.commands.registered.get('nuclei.viewer.toggleFill')!();
    expect(b.webview.postMessage).toHaveBeenLastCalledWith({ type: 'viewer', action: 'toggleFill' });
    expect(a.webview.postMessage).not.toHaveBeenCalledWith({ type: 'viewer', action: 'toggleFill' });
    await b.receive({ type: 'ready' }); // a reloaded page gets its data again, not the key press
    expect(b.webview.postMessage.mock.calls.filter((c) => c[0].type === 'viewer')).toHaveLength(1);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8'));
    expect(pkg.contributes.keybindings.map((k: { command: string; key: string }) => `${k.command}=${k.key}`)).toContain('nuclei.viewer.toggleFill=f');
  });

  it('sends TIFF images to the page as their pixels (browsers cannot show TIFF; no PNG to encode), gray as one channel', async () => {
    const data = Uint8Array.from({ length: 24 }, (_, i) => 10 * Math.floor(i / 3)); // gray: 0, 10, ..., 70
    api.readImage.mockResolvedValueOnce({ width: 4, height: 2, data });
    await segmentImageCommand(context, log, vscode.Uri.file(imageFile('cells.tiff')));
    const panel = mock.createdPanels[0];
    await panel.receive({ type: 'ready' });
    const src = panel.webview.postMessage.mock.calls[0][0].payload.imageSrc;
    expect(src).toMatchObject({ width: 4, height: 2, channels: 1 });
    expect(src.data).toBeInstanceOf(Uint8Array); // binary, no text codec
    expect(Array.from(src.data)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(api.encodePng).not.toHaveBeenCalled();
  });

  it('measures in microns when the image records its pixel size, and the setting wins over the file', async () => {
    api.pixelSizeOf.mockReturnValueOnce({ microns: 0.5, source: 'ImageJ' });
    const file = imageFile('cal.tif');
    await segmentImageCommand(context, log, vscode.Uri.file(file));
    let panel = mock.createdPanels[0];
    await panel.receive({ type: 'ready' });
    let payload = panel.webview.postMessage.mock.calls[0][0].payload;
    expect(payload.unit).toBe('um');
    // Areas in square microns, centroids and boxes still in pixels (the viewer draws with them).
    expect((await panel.posted('rows')).nuclei[0]).toMatchObject({ label: 1, area: 0.5, centroidX: 1, box: [0, 0, 2, 1] });
    expect(mock.outputLines.join('\n')).toContain('cal.tif records 0.5 um per pixel (ImageJ)');
    await panel.receive({ type: 'save', what: 'measurements', pickLocation: false });
    expect(api.writeOutputs).toHaveBeenLastCalledWith(
      expect.anything(),
      expect.anything(),
      expect.any(String),
      'cal',
      expect.objectContaining({ pixelSize: 0.5, outputs: ['measurements'] }),
    );

    mock.settings['nuclei.pixelSize'] = 0.25;
    try {
      await segmentImageCommand(context, log, vscode.Uri.file(file));
      panel = mock.createdPanels[1];
      await panel.receive({ type: 'ready' });
      expect((await panel.posted('rows')).nuclei[0].area).toBeCloseTo(2 * 0.25 * 0.25, 12);
      expect(api.pixelSizeOf).toHaveBeenCalledTimes(1); // not read when the setting gives it
    } finally {
      delete mock.settings['nuclei.pixelSize'];
    }
  });

  it('asks which channel holds the nuclei (by name) and which Z plane, once per folder, and stops when none is picked', async () => {
    const file = imageFile('stack.tif');
    const axes = { channels: [{ index: 0, name: 'GFP' }, { index: 1, name: 'DAPI' }, { index: 2 }], planes: 4, rgb: false };
    api.imageAxes.mockResolvedValue(axes);
    try {
      mock.window.showQuickPick.mockImplementationOnce(async <T>(items: T[]) => items[1]).mockImplementationOnce(async <T>(items: T[]) => items[0]);
      const session = await segmentImageCommand(context, log, vscode.Uri.file(file));
      const [items, options] = mock.window.showQuickPick.mock.calls[0] as [Array<{ label: string }>, { title: string }];
      expect(items.map((i) => i.label)).toEqual(['channel 1 of 3: GFP', 'channel 2 of 3: DAPI', 'channel 3 of 3']);
      expect(options.title).toBe('stack.tif has 3 channels');
      const [planes, planeOptions] = mock.window.showQuickPick.mock.calls[1] as [Array<{ label: string }>, { title: string }];
      expect(planes.map((i) => i.label).slice(0, 3)).toEqual(['max projection', 'mean projection', 'plane 1 of 4']);
      expect(planeOptions.title).toBe('stack.tif has 4 Z planes');
      expect(api.readImage).toHaveBeenLastCalledWith(file, { channel: 1, z: 'max' });
      // Every channel measured, by name; the page says what was segmented.
      expect(api.readChannels).toHaveBeenLastCalledWith(file, 'max');
      const panel = mock.createdPanels.at(-1)!;
      await panel.receive({ type: 'ready' });
      const payload = panel.webview.postMessage.mock.calls[0][0].payload;
      expect(payload.input).toEqual({ axes, channel: 1, z: 'max' });
      expect((await panel.posted('rows')).nuclei[0].intensity.map((s: { channel: string; mean: number }) => [s.channel, s.mean])).toEqual([
        ['GFP', 7],
        ['DAPI', 9],
      ]);
      expect(session?.channel).toBe(1);
      // Another image of the folder: the same channel (by name: DAPI is 0 there) and plane, not asked again.
      const other = imageFile('other.tif');
      api.imageAxes.mockResolvedValueOnce({
        channels: [
          { index: 0, name: 'DAPI' },
          { index: 1, name: 'GFP' },
        ],
        planes: 4,
        rgb: false,
      });
      await segmentImageCommand(context, log, vscode.Uri.file(other));
      expect(mock.window.showQuickPick).toHaveBeenCalledTimes(2);
      expect(api.readImage).toHaveBeenLastCalledWith(other, { channel: 0, z: 'max' });
      // Elsewhere, dismissed: nothing is segmented.
      fs.mkdirSync(path.join(tmp, 'elsewhere'));
      const third = path.join(tmp, 'elsewhere', 'c.tif');
      fs.writeFileSync(third, 'x');
      mock.window.showQuickPick.mockResolvedValueOnce(undefined);
      expect(await segmentImageCommand(context, log, vscode.Uri.file(third))).toBeUndefined();
      expect(api.readImage).toHaveBeenCalledTimes(2);
    } finally {
      api.imageAxes.mockResolvedValue({ channels: [{ index: 0 }], planes: 1, rgb: false });
    }
  });

  it('an RGB image is segmented as it is, without a question', async () => {
    const file = imageFile('merge.png');
    api.imageAxes.mockResolvedValueOnce({ channels: ['red', 'green', 'blue'].map((name, index) => ({ index, name })), planes: 1, rgb: true });
    await segmentImageCommand(context, log, vscode.Uri.file(file));
    expect(mock.window.showQuickPick).not.toHaveBeenCalled();
    expect(api.readImage).toHaveBeenLastCalledWith(file, {});
  });

  it("Save applies the viewer's filters (areas in the unit shown) and records them", async () => {
    const file = imageFile('cells.png');
    await segmentImageCommand(context, log, vscode.Uri.file(file));
    const panel = mock.createdPanels.at(-1)!;
    await panel.receive({ type: 'ready' });
    // Nucleus 2 (one pixel) is below 2 px; nucleus 1 touches the edge.
    await panel.receive({ type: 'save', what: 'all', pickLocation: false, filters: { min: 2, edges: false, unit: 'px' } });
    const [result, , , , info] = api.writeOutputs.mock.calls.at(-1) as [{ count: number; labels: Int32Array }, unknown, string, string, { filters: unknown }];
    expect(result.count).toBe(1);
    expect(Array.from(result.labels)).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
    expect(info.filters).toEqual({ minArea: 2, removed: { small: 1, large: 0, edge: 0 } });
    expect(pixelFilters({ min: 1, max: 2, edges: true, unit: 'um' }, 0.5)).toEqual({ minArea: 4, maxArea: 8, excludeEdges: true });
  });

  it('opens TIFF in its own viewer: the image first, Segment puts the overlay in the same tab, a page picker switches channels', async () => {
    activate(context);
    const file = imageFile('cells.tif');
    api.imageAxes.mockResolvedValue({ channels: [{ index: 0 }, { index: 1 }], planes: 1, rgb: false });
    try {
      const panel = await mock.openInCustomEditor(IMAGE_VIEW_TYPE, vscode.Uri.file(file));
      expect(panel.webview.options.localResourceRoots!.map((u) => u.fsPath)).toEqual([path.join(EXT, 'dist/webview'), tmp]);
      await panel.receive({ type: 'ready' });
      expect(panel.webview.postMessage.mock.calls[0][0]).toMatchObject({
        type: 'image',
        payload: { fileName: 'cells.tif', width: 4, height: 2, input: { axes: { channels: [{ index: 0 }, { index: 1 }] }, channel: 0 } },
      });
      // Asked once (the quick pick's first item here), then shown.
      expect(mock.window.showQuickPick).toHaveBeenCalledTimes(1);
      expect(api.readImage).toHaveBeenLastCalledWith(file, { channel: 0 });
      await panel.receive({ type: 'channel', channel: 1 });
      expect(api.readImage).toHaveBeenLastCalledWith(file, { channel: 1 });
      expect(panel.webview.postMessage.mock.calls.at(-1)[0]).toMatchObject({ type: 'image', payload: { input: { channel: 1 } } });
      // Saving before segmenting does nothing; Segment segments the page shown, in this tab.
      await panel.receive({ type: 'save', what: 'all', pickLocation: false });
      expect(api.writeOutputs).not.toHaveBeenCalled();
      await panel.receive({ type: 'segment' });
      expect(api.segmentImage).toHaveBeenCalledTimes(1);
      expect(api.readImage).toHaveBeenLastCalledWith(file, { channel: 1 });
      expect(panel.webview.postMessage.mock.calls.at(-1)[0]).toMatchObject({ type: 'segmentation', payload: { fileName: 'cells.tif', count: 2 } });
      expect(mock.createdPanels).toHaveLength(1); // no second tab
      await panel.receive({ type: 'save', what: 'labels', pickLocation: false });
      expect(fs.readdirSync(path.join(tmp, 'cells.nuclei-default'))).toEqual(['cells_labels.png']);
    } finally {
      api.imageAxes.mockResolvedValue({ channels: [{ index: 0 }], planes: 1, rgb: false });
    }
  });

  it('opens a whole-slide TIFF by tiles, never reading it whole; Segment segments it block by block and shows the result in the same tab', async () => {
    activate(context);
    const file = imageFile('slide.tif');
    api.blockwiseReason.mockResolvedValueOnce('900 megapixels, above 50');
    const tile = jest.fn(async (level: number, tx: number, ty: number) => ({
      level,
      tx,
      ty,
      width: 2,
      height: 1,
      image: new Uint8Array(6),
      labels: new Uint32Array(2),
    }));
    const bare = { image: file, width: 30000, height: 30000, levels: 7, tile, measurements: async () => ({ unit: 'px', rows: [] }) };
    api.openSlideImage.mockResolvedValueOnce(bare);
    const panel = await mock.openInCustomEditor(IMAGE_VIEW_TYPE, vscode.Uri.file(file));
    expect(panel.webview.html).toContain('data-view="slide"');
    await panel.receive({ type: 'ready' });
    expect(api.readImage).not.toHaveBeenCalled();
    expect(api.openSlideImage).toHaveBeenCalledWith(file, { channel: undefined });
    expect(panel.webview.postMessage.mock.calls[0][0]).toMatchObject({ type: 'slide', payload: { fileName: 'slide.tif', segmented: false, levels: 7 } });
    await panel.receive({ type: 'tile', level: 3, tx: 1, ty: 2 });
    expect(tile).toHaveBeenCalledWith(3, 1, 2);
    expect(panel.webview.postMessage.mock.calls.at(-1)[0]).toMatchObject({ type: 'tile', level: 3, tx: 1, ty: 2 });

    const out = path.join(tmp, 'slide.nuclei-default');
    const summary = {
      image: file,
      width: 30000,
      height: 30000,
      count: 77,
      uncertain: 0,
      pixelSize: null,
      blocks: 64,
      outputs: { summary: path.join(out, 'slide.json') },
    };
    api.segmentSlide.mockResolvedValueOnce(summary);
    api.openSlideView.mockResolvedValueOnce({ ...bare, result: { summaryPath: summary.outputs.summary, summary } });
    await panel.receive({ type: 'segment' });
    expect(api.segmentSlide.mock.calls[0].slice(0, 3)).toEqual([file, out, 'slide']);
    expect(mock.createdPanels).toHaveLength(1); // the result in this tab, not a new one
    const shown = panel.webview.postMessage.mock.calls.map((c: unknown[]) => c[0] as { type: string; payload?: { segmented: boolean; count: number } });
    expect(shown.filter((m) => m.type === 'slide').map((m) => [m.payload!.segmented, m.payload!.count])).toEqual([
      [false, 0],
      [true, 77],
    ]);
    expect(shown.at(-1)).toMatchObject({ type: 'slideRows' });
  });

  it('shows why a TIFF cannot be displayed, naming it', async () => {
    activate(context);
    api.readImage.mockRejectedValueOnce(new Error('broken.tif: corrupt or truncated image file'));
    const panel = await mock.openInCustomEditor(IMAGE_VIEW_TYPE, vscode.Uri.file(imageFile('broken.tif')));
    await panel.receive({ type: 'ready' });
    expect(panel.webview.postMessage.mock.calls[0][0]).toEqual({
      type: 'error',
      message: 'Cannot show broken.tif: broken.tif: corrupt or truncated image file',
    });
  });

  it('saves one output or all of them into a folder named after the image and the model, or a picked folder', async () => {
    const file = imageFile();
    await segmentImageCommand(context, log, vscode.Uri.file(file));
    const panel = mock.createdPanels[0];
    await panel.receive({ type: 'ready' });
    const run = path.join(tmp, 'cells.nuclei-default');
    await panel.receive({ type: 'save', what: 'mask', pickLocation: false });
    expect(fs.readdirSync(run)).toEqual(['cells_mask.png']);
    expect(panel.webview.postMessage).toHaveBeenLastCalledWith({ type: 'saved', files: [path.join(run, 'cells_mask.png')] });
    expect(mock.window.showInformationMessage).toHaveBeenLastCalledWith(
      expect.stringContaining(`saved cells_mask.png in ${run}`),
      'Reveal in File Explorer',
      'Open Folder',
    );

    // Saving all again would replace the mask: asked first; declining writes nothing.
    mock.window.showWarningMessage.mockResolvedValueOnce(undefined);
    await panel.receive({ type: 'save', what: 'all', pickLocation: false });
    expect(mock.window.showWarningMessage).toHaveBeenLastCalledWith(
      expect.stringMatching(/cells_mask\.png already exists in .*Replace it\?/),
      { modal: true },
      'Replace',
    );
    expect(fs.readdirSync(run)).toEqual(['cells_mask.png']);
    mock.window.showWarningMessage.mockResolvedValueOnce('Replace' as never);
    await panel.receive({ type: 'save', what: 'all', pickLocation: false });
    expect(api.writeOutputs).toHaveBeenLastCalledWith(expect.anything(), expect.anything(), expect.any(String), 'cells', {
      imagePath: file,
      model: path.join(EXT, 'dist/models/default'),
    });
    expect(fs.readdirSync(run).sort()).toEqual(['cells.csv', 'cells.json', 'cells_labels.png', 'cells_mask.png', 'cells_overlay.png']);
    expect(fs.readFileSync(path.join(run, 'cells_mask.png'), 'utf8')).toMatch(/cells_mask\.png$/); // the new file, whole

    // The viewer's overlay settings reach the overlay writer; a malformed one is not a save message.
    mock.window.showWarningMessage.mockResolvedValueOnce('Replace' as never);
    await panel.receive({ type: 'save', what: 'overlay', pickLocation: false, overlay: { fill: false, outline: true, alpha: 0.3 } });
    expect(api.writeOutputs).toHaveBeenLastCalledWith(
      expect.anything(),
      expect.anything(),
      expect.any(String),
      'cells',
      expect.objectContaining({ overlay: { fill: false, outline: true, alpha: 0.3 }, outputs: ['overlay'] }),
    );
    const calls = api.writeOutputs.mock.calls.length;
    await panel.receive({ type: 'save', what: 'overlay', pickLocation: false, overlay: { fill: 'yes', outline: true, alpha: 2 } });
    expect(api.writeOutputs.mock.calls.length).toBe(calls);

    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-out-'));
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(other)]);
    await panel.receive({ type: 'save', what: 'all', pickLocation: true });
    expect(fs.readdirSync(other).sort()).toEqual(['cells.csv', 'cells.json', 'cells_labels.png', 'cells_mask.png', 'cells_overlay.png']);
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('names the run folder after the training run for checkpoints', () => {
    expect(runFolder('/data/a/cells.tif', '/runs/exp1/best')).toBe(path.join('/data/a', 'cells.nuclei-exp1-best'));
    expect(runFolder('/data/a/cells.png', '/x/my model!')).toBe(path.join('/data/a', 'cells.nuclei-my_model_'));
  });

  it('reports a failed save naming the image', async () => {
    await segmentImageCommand(context, log, vscode.Uri.file(imageFile('x.png')));
    const panel = mock.createdPanels[0];
    api.writeOutputs.mockRejectedValueOnce(new Error('EACCES: permission denied'));
    await panel.receive({ type: 'save', what: 'all', pickLocation: false });
    expect(mock.window.showErrorMessage.mock.calls[0][0]).toMatch(/x\.png.*EACCES/);
  });
});

describe('Train nuclei model', () => {
  function trainResult(stopReason: string, modelDir?: string) {
    return async (req: { onStart: (i: unknown) => void; onProgress: (e: unknown) => void; signal: AbortSignal }) => {
      req.onStart({ samples: 10, skipped: [{ id: 'bad', path: '/data/bad', reason: 'mask 2 is not a PNG' }], workers: 2, epochs: 2 });
      req.onProgress({ type: 'batch', epoch: 0, epochs: 2, batch: 0, batches: 3, loss: 0.5, iou: 0.4, etaSeconds: 75, fraction: 1 / 6, imagesPerSecond: 3 });
      req.onProgress({ type: 'epoch-end', epoch: 0, epochs: 2, logs: { epoch: 0, loss: 0.45, val_iou: 0.5, lr: 1e-3, seconds: 2 }, seconds: 2, fraction: 0.5 });
      return { result: { stopReason, epochsCompleted: 1, history: [], seconds: 2 }, modelDir };
    };
  }

  it('asks for the dataset, a run name and epochs, trains into <dataset>/models/<name>-<date>, and offers the new model', async () => {
    const data = vscode.Uri.file(path.join(tmp, 'stage1_train'));
    mock.workspace.workspaceFolders = [{ uri: vscode.Uri.file(tmp), name: 'ws', index: 0 }];
    Object.assign(mock.settings, { 'nuclei.epochs': 2, 'nuclei.batchSize': 4, 'nuclei.inputSize': 96 });
    mock.window.showOpenDialog.mockResolvedValueOnce([data]);
    mock.window.showInputBox.mockResolvedValueOnce('exp1').mockResolvedValueOnce('3');
    const out = path.join(data.fsPath, 'models', `exp1-${runStamp()}`);
    api.trainModel.mockImplementationOnce(trainResult('completed', path.join(out, 'best')));
    mock.window.showInformationMessage.mockResolvedValueOnce('Use this model');
    const r = await trainModelCommand(context, log);
    expect(r).toEqual({ status: 'completed', modelDir: path.join(out, 'best') });
    expect(mock.window.showInputBox.mock.calls.map((c) => c[0] as { title: string; value: string }).map((o) => [o.title, o.value])).toEqual([
      ['Nuclei: name of this training run', 'run'],
      ['Nuclei: epochs', '2'], // the setting is the suggestion
    ]);
    expect(api.trainModel).toHaveBeenCalledWith(expect.objectContaining({ datasetDir: data.fsPath, outDir: out, epochs: 3, batchSize: 4, inputSize: 96 }));
    expect(mock.window.withProgress.mock.calls[0][0]).toMatchObject({ cancellable: true });
    expect(mock.configUpdates).toEqual([{ key: 'nuclei.modelPath', value: path.join(out, 'best'), target: vscode.ConfigurationTarget.Workspace }]);
    const panel = mock.createdPanels[0];
    await panel.receive({ type: 'ready' });
    const types = panel.webview.postMessage.mock.calls.map((c) => c[0].type);
    expect(types).toEqual(['trainStart', 'trainProgress', 'trainEpoch', 'trainDone']);
    expect(panel.webview.postMessage.mock.calls[0][0]).toMatchObject({ samples: 10, skipped: [{ id: 'bad', reason: 'mask 2 is not a PNG' }] });
    expect(panel.webview.postMessage.mock.calls[1][0].progress).toEqual({ epoch: 1, epochs: 2, batch: 1, batches: 3, loss: 0.5, iou: 0.4, etaSeconds: 75 });
    expect(mock.outputLines.join('\n')).toContain('epoch 1/2 loss 0.4500');
    expect(mock.outputLines.join('\n')).toContain('train: skipped bad: mask 2 is not a PNG');
    // The Done page's Evaluate button evaluates the trained model (not the one in use).
    fs.mkdirSync(path.join(out, 'best'), { recursive: true });
    fs.writeFileSync(path.join(out, 'best', 'model.json'), '{}');
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(path.join(tmp, 'stage1_test'))]);
    api.evaluate.mockResolvedValueOnce({ report: { imageCount: 0, rows: [], mean: {} }, text: '' });
    await panel.receive({ type: 'modelAction', action: 'evaluate' });
    expect(api.loadModelCached).toHaveBeenLastCalledWith(path.join(out, 'best'), 'auto');
  });

  it('numbers a run folder that exists, refuses a typed folder that holds a run, and stops when a question is dismissed', async () => {
    const data = path.join(tmp, 'data');
    const taken = path.join(data, 'models', `run-${runStamp()}`);
    fs.mkdirSync(taken, { recursive: true });
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(data)]);
    api.trainModel.mockImplementationOnce(trainResult('completed'));
    await trainModelCommand(context, log);
    expect(api.trainModel).toHaveBeenLastCalledWith(expect.objectContaining({ outDir: `${taken}-2`, epochs: undefined })); // empty epochs: the recipe's
    const old = path.join(tmp, 'old-run');
    fs.mkdirSync(path.join(old, 'last'), { recursive: true });
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(data)]);
    mock.window.showInputBox.mockResolvedValueOnce(old);
    expect(await trainModelCommand(context, log)).toBeUndefined();
    expect(mock.window.showErrorMessage.mock.calls.at(-1)![0]).toContain(`${old} already holds a model or a training run`);
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(data)]);
    mock.window.showInputBox.mockResolvedValueOnce('run').mockResolvedValueOnce(undefined);
    expect(await trainModelCommand(context, log)).toBeUndefined();
    expect(api.trainModel).toHaveBeenCalledTimes(1);
  });

  it("'Try it on an image' segments with the new model without putting it in use", async () => {
    const data = path.join(tmp, 'data');
    fs.mkdirSync(data);
    const best = path.join(tmp, 'out', 'best');
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(data)]);
    api.trainModel.mockImplementationOnce(trainResult('completed', best));
    mock.window.showInformationMessage.mockResolvedValueOnce('Try it on an image');
    fs.mkdirSync(best, { recursive: true });
    fs.writeFileSync(path.join(best, 'model.json'), '{}');
    const file = imageFile();
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(file)]);
    await trainModelCommand(context, log);
    await new Promise((r) => setTimeout(r, 20));
    expect(api.loadModelCached).toHaveBeenCalledWith(best, 'auto');
    expect(mock.configUpdates).toEqual([]);
  });

  it('offers to fine-tune the bundled model, and passes that choice to training', async () => {
    const data = path.join(tmp, 'data');
    fs.mkdirSync(data);
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(data)]);
    mock.window.showQuickPick.mockImplementationOnce(async (items: unknown) => {
      const list = items as Array<{ label: string; dir?: string }>;
      expect(list.map((i) => i.label)).toEqual(['$(sparkle) New model (random weights)', '$(package) Fine-tune the bundled model']);
      return list[1];
    });
    api.trainModel.mockImplementationOnce(trainResult('completed'));
    await trainModelCommand(context, log);
    // Fine-tuning suggests a run name and its measured epochs.
    expect(mock.window.showInputBox.mock.calls.map((c) => (c[0] as { value: string }).value)).toEqual(['fine-tuned', String(FINE_TUNE.epochs)]);
    expect(api.trainModel).toHaveBeenCalledWith(expect.objectContaining({ fromModelDir: path.join(EXT, 'dist/models/default'), epochs: FINE_TUNE.epochs }));
    // Dismissing the pick starts nothing.
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(data)]);
    mock.window.showQuickPick.mockResolvedValueOnce(undefined);
    expect(await trainModelCommand(context, log)).toBeUndefined();
    expect(api.trainModel).toHaveBeenCalledTimes(1);
  });

  it('cancel (from the notification or the page) aborts the signal; the last checkpoint is kept', async () => {
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(tmp)]);
    let seen: AbortSignal | undefined;
    api.trainModel.mockImplementationOnce(async (req: { signal: AbortSignal }) => {
      seen = req.signal;
      await mock.createdPanels[0].receive({ type: 'cancelTraining' });
      return {
        result: { stopReason: req.signal.aborted ? 'aborted' : 'completed', epochsCompleted: 1, history: [], seconds: 1 },
        modelDir: path.join(tmp, 'last'),
      };
    });
    const r = await trainModelCommand(context, log);
    expect(seen?.aborted).toBe(true);
    expect(r?.status).toBe('cancelled');
    expect(mock.window.showInformationMessage.mock.calls[0][0]).toContain('last checkpoint');
    expect(mock.configUpdates).toEqual([]);
  });

  it('stops quietly when no dataset folder is picked, and reports failures', async () => {
    expect(await trainModelCommand(context, log)).toBeUndefined();
    expect(api.trainModel).not.toHaveBeenCalled();
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(tmp)]);
    api.trainModel.mockRejectedValueOnce(new Error('No usable samples in /data'));
    expect(await trainModelCommand(context, log)).toEqual({ status: 'failed' });
    expect(mock.window.showErrorMessage.mock.calls[0][0]).toContain('No usable samples');
  });
});

describe('Fine-tune on my corrections', () => {
  const tally = { deleted: 2, drawn: 1, split: 1, merged: 0, painted: 0, erased: 0 };

  it('says how to make corrections when there are none, and trains nothing', async () => {
    workspaceState.clear();
    expect(await fineTuneOnCorrectionsCommand(context, log)).toBeUndefined();
    expect(mock.window.showInformationMessage.mock.calls[0][0]).toMatch(/no corrections saved yet/);
    expect(api.trainModel).not.toHaveBeenCalled();
  });

  it('fine-tunes the model in use on the saved corrections, staged as image + label pairs, into models/ beside them', async () => {
    workspaceState.clear();
    const dirs = [path.join(tmp, 'a'), path.join(tmp, 'b')];
    for (const [i, d] of dirs.entries()) {
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'cells.png'), `image ${i}`);
      fs.writeFileSync(path.join(d, 'cells_labels.png'), `labels ${i}`);
      await recordSavedCorrection(context, { image: path.join(d, 'cells.png'), labels: path.join(d, 'cells_labels.png'), count: 10 + i, tally, savedAt: '' });
    }
    Object.assign(mock.settings, { 'nuclei.fineTuneMixShare': 0.3 });
    let staged: Record<string, string> = {};
    api.trainModel.mockImplementationOnce(async (req: { datasetDir: string; onStart: (i: unknown) => void }) => {
      staged = Object.fromEntries(fs.readdirSync(req.datasetDir).map((f) => [f, fs.readFileSync(path.join(req.datasetDir, f), 'utf8')]));
      req.onStart({ samples: 2, skipped: [], workers: 1, epochs: 12, mixNote: 'mixed in 1 images of /dsb' });
      return { result: { stopReason: 'completed', epochsCompleted: 12, history: [], seconds: 60 }, modelDir: path.join(req.datasetDir, 'unused') };
    });
    const r = await fineTuneOnCorrectionsCommand(context, log);
    expect(r?.status).toBe('completed');
    // Two images of the same name in different folders do not clash.
    expect(staged).toEqual({ '001-cells.png': 'image 0', '001-cells_labels.png': 'labels 0', '002-cells.png': 'image 1', '002-cells_labels.png': 'labels 1' });
    const call = api.trainModel.mock.calls[0][0];
    expect(call).toMatchObject({ fromModelDir: path.join(EXT, 'dist/models/default'), fineTune: { mixShare: 0.3 } });
    expect(path.dirname(call.outDir)).toBe(path.join(dirs[0], 'models'));
    expect(path.basename(call.outDir)).toBe(`fine-tuned-${runStamp()}`);
    expect(fs.existsSync(call.datasetDir)).toBe(false); // the staging folder is removed
    expect(mock.outputLines.join('\n')).toContain('train: mixed in 1 images of /dsb');
    const panel = mock.createdPanels[0];
    expect(panel.title).toMatch(/2 corrected images \(21 nuclei\)/);
  });
});

describe('Evaluate nuclei model', () => {
  const row = (id: string, dsb: number, found: number, f1 = 0.8) => ({
    id,
    iou: 0.8,
    dice: 0.88,
    accuracy: 0.9,
    precision: 0.85,
    recall: 0.8,
    dsb,
    nucleusPrecision: 0.9,
    nucleusRecall: 0.75,
    f1,
    ap50: 0.7,
    predCount: found,
    trueCount: 6,
  });
  const report = (rows: ReturnType<typeof row>[]) => {
    const mean = (k: keyof ReturnType<typeof row>) => rows.reduce((s, r) => s + Number(r[k]), 0) / rows.length;
    const keys = ['iou', 'dice', 'accuracy', 'precision', 'recall', 'dsb', 'nucleusPrecision', 'nucleusRecall', 'f1', 'ap50'] as const;
    return { imageCount: rows.length, rows, mean: Object.fromEntries(keys.map((k) => [k, mean(k)])) };
  };

  it('shows nucleus-level F1, precision and recall and the DSB score first, pixel metrics after; a row opens the image over its truth', async () => {
    const dataset = path.join(tmp, 'stage1_test');
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(dataset)]);
    api.evaluate.mockResolvedValueOnce({ report: report([row('a', 0.6, 5)]), text: 'image IoU\na 0.800' });
    const table = await evaluateModelCommand(context, log);
    expect(api.loadModelCached).toHaveBeenCalledWith(path.join(EXT, 'dist/models/default'), 'auto');
    expect(table?.columns).toEqual([
      'F1 @0.5',
      'precision @0.5',
      'recall @0.5',
      'DSB score',
      'found',
      'true',
      'AP@0.5',
      'pixel IoU',
      'pixel Dice',
      'pixel accuracy',
      'pixel precision',
      'pixel recall',
    ]);
    expect(table?.rows[0]).toEqual({ name: 'a', values: expect.objectContaining({ 'F1 @0.5': 0.8, 'pixel IoU': 0.8, 'DSB score': 0.6, found: 5 }) });
    expect(table?.decimals).toEqual({ found: 0, true: 0 });
    expect(table?.verdict).toBe('Mean over 1 image: F1 @0.5 0.800 (precision 0.900, recall 0.750), DSB score 0.600');
    expect(table?.tips?.['pixel IoU']).toMatch(/^Pixels, not nuclei/);
    const panel = mock.createdPanels[0];
    await panel.receive({ type: 'ready' });
    expect(panel.webview.postMessage.mock.calls[0][0]).toMatchObject({ type: 'evaluation', heading: 'stage1_test: 1 image' });
    expect(mock.outputLines.join('\n')).toContain('a 0.800');
    // Export CSV: every row and the mean, written where the user says.
    const csv = path.join(tmp, 'eval.csv');
    mock.window.showSaveDialog.mockResolvedValueOnce(vscode.Uri.file(csv));
    await panel.receive({ type: 'exportCsv' });
    expect(fs.readFileSync(csv, 'utf8').split('\n').slice(0, 2)).toEqual([
      'image,F1 @0.5,precision @0.5,recall @0.5,DSB score,found,true,AP@0.5,pixel IoU,pixel Dice,pixel accuracy,pixel precision,pixel recall',
      'a,0.8,0.9,0.75,0.6,5,6,0.7,0.8,0.88,0.9,0.85,0.8',
    ]);
    // A row: that sample segmented again by the same model and shown over its true outlines.
    const image = path.join(dataset, 'a', 'images', 'a.png');
    const truth = Int32Array.from([0, 3, 3, 0, 0, 0, 0, 0]);
    api.loadSample.mockResolvedValueOnce({ image: { width: 4, height: 2, data: new Uint8Array(24) }, labels: truth, imagePath: image });
    await panel.receive({ type: 'openRow', name: 'a' });
    expect(api.loadSample).toHaveBeenCalledWith(dataset, 'a');
    expect(api.segmentImage).toHaveBeenCalledTimes(1);
    const viewer = mock.createdPanels[1];
    await viewer.receive({ type: 'ready' });
    const payload = viewer.webview.postMessage.mock.calls.find((c: Array<{ type: string }>) => c[0].type === 'segmentation')[0].payload;
    expect(payload.fileName).toBe('a.png (yellow outlines: the true nuclei)');
    // The image shown has the true outlines drawn in (yellow at pixels 1 and 2), sent as RGB pixels.
    expect(payload.imageSrc).toMatchObject({ width: 4, height: 2, channels: 3 });
    expect(Array.from(payload.imageSrc.data.slice(0, 12))).toEqual([0, 0, 0, 255, 255, 0, 255, 255, 0, 0, 0, 0]);
    // A name the table does not hold opens nothing.
    await panel.receive({ type: 'openRow', name: 'elsewhere' });
    expect(api.loadSample).toHaveBeenCalledTimes(1);
  });

  it('compares two models: B - A for F1 and DSB first, the better value marked, a verdict; B is not offered A again', async () => {
    const other = path.join(tmp, 'run1', 'best');
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, 'model.json'), '{}');
    // A: the bundled model (first item); B: a folder browsed to (last item).
    mock.window.showQuickPick
      .mockImplementationOnce(async <T>(items: T[]) => items[0])
      .mockImplementationOnce(async <T>(items: T[]) => items[items.length - 1]);
    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(path.join(tmp, 'stage1_test'))]).mockResolvedValueOnce([vscode.Uri.file(other)]);
    api.evaluate
      .mockResolvedValueOnce({ report: report([row('a', 0.5, 5), row('b', 0.3, 4), row('c', 0.6, 6)]), text: '' })
      .mockResolvedValueOnce({ report: report([row('a', 0.7, 6, 0.9), row('b', 0.4, 7, 0.7), row('c', 0.5, 6)]), text: '' });
    const table = await compareModelsCommand(context, log);
    expect(api.loadModelCached.mock.calls.map((c) => c[0])).toEqual([path.join(EXT, 'dist/models/default'), other]);
    // B's list leaves out the bundled model, chosen as A: what VS Code preselects is never A.
    const bItems = mock.window.showQuickPick.mock.calls[1][0] as Array<{ label: string }>;
    expect(bItems.map((i) => i.label)).toEqual(['$(folder-opened) Choose a model folder...']);
    expect(table?.columns.slice(0, 9)).toEqual([
      'F1 @0.5 A',
      'F1 @0.5 B',
      'F1 @0.5 B\u2212A',
      'DSB score A',
      'DSB score B',
      'DSB score B\u2212A',
      'found A',
      'found B',
      'true',
    ]);
    expect(table?.columns).toContain('pixel IoU B');
    expect(table?.rows.map((r) => [r.name, r.values['DSB score A'], r.values['DSB score B'], r.values['found B'], r.values.true])).toEqual([
      ['a', 0.5, 0.7, 6, 6],
      ['b', 0.3, 0.4, 7, 6],
      ['c', 0.6, 0.5, 6, 6],
    ]);
    expect(table?.rows[0].values['DSB score B\u2212A']).toBeCloseTo(0.2, 12);
    // Marked: the higher score, and the count nearer the truth (b: B's 7 is 1 off the 6 true nuclei, A's 4 is 2 off).
    expect(table?.rows[0].marks).toEqual(['F1 @0.5 B', 'DSB score B', 'found B']);
    expect(table?.rows[1].marks).toEqual(['F1 @0.5 A', 'DSB score B', 'found B']);
    expect(table?.rows[2].marks).toEqual(['DSB score A']);
    expect(table?.verdict).toBe('B better on 2 of 3 images (by DSB score); mean B\u2212A: DSB +0.067, F1 @0.5 +0.000');
    expect(mock.createdPanels[0].title).toBe('Nuclei: bundled model vs run1/best on stage1_test');
  });
});
