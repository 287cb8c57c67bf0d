// The labels viewer against the vscode mock, with the real nuclei-api (sharp reads and writes the
// files): a saved result reopened over its image, the labels alone when the image is missing,
// "Open with image...", and files that are not label images.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as vscode from 'vscode';
import * as mock from './vscode-mock';
import { encodePng, makeSyntheticCase } from './fixtures';
import { activate } from '../src/extension';
import { writeOutputs } from '../src/nuclei-api';
import { LABELS_VIEW_TYPE, PICK_IMAGE_COMMAND } from '../src/labels-editor';
import { resultFromLabels } from '../src/result-from-labels';
import { LABELS_ALONE_GREY } from '../src/saved-result';
import { unpackLabels, type ImagePixels, type SegmentationPayload, type ToWebview } from '../src/webview/messages';

const c = makeSyntheticCase();
let tmp: string;
let context: ReturnType<typeof mock.fakeContext>;

beforeEach(() => {
  mock.resetMock();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-labels-editor-'));
  context = mock.fakeContext(path.join(tmp, 'ext'), path.join(tmp, 'storage'));
  activate(context as unknown as vscode.ExtensionContext);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The image `name` in `dir`, segmented (its true labels) and saved in its run folder as the viewer saves; returns the label file. */
async function savedResult(dir = tmp, name = 'cells.png'): Promise<{ image: string; labels: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const image = path.join(dir, name);
  fs.writeFileSync(image, await encodePng(c));
  const stem = path.basename(name, path.extname(name));
  const result = { ...resultFromLabels(Int32Array.from(c.labels), c.width, c.height, { mode: 'tile', tiles: 1, threshold: 0.45, split: 'watershed' }) };
  const paths = await writeOutputs(result, { width: c.width, height: c.height, data: c.rgb }, path.join(dir, `${stem}.nuclei-default`), stem, {
    imagePath: image,
    model: path.join(tmp, 'models/run1'),
  });
  return { image, labels: paths.labels! };
}

async function open(file: string) {
  const panel = await mock.openInCustomEditor(LABELS_VIEW_TYPE, vscode.Uri.file(file));
  await panel.receive({ type: 'ready' });
  return panel;
}

function sent(panel: mock.MockPanel): ToWebview[] {
  return panel.webview.postMessage.mock.calls.map((call: unknown[]) => call[0] as ToWebview);
}

/** The segmentation the page got, with its rows (which follow the image in a second message while they are measured). */
async function payloadOf(panel: mock.MockPanel): Promise<SegmentationPayload> {
  const m = sent(panel).find((x): x is Extract<ToWebview, { type: 'segmentation' }> => x.type === 'segmentation');
  if (!m) throw new Error(`no segmentation sent: ${JSON.stringify(sent(panel).map((x) => x.type))}`);
  if (!m.payload.measuring) return m.payload;
  // The host measures once the first message is out: a few turns of the event loop, not a time.
  for (let turn = 0; turn < 1000; turn++) {
    const rows = sent(panel).find((x): x is Extract<ToWebview, { type: 'rows' }> => x.type === 'rows');
    if (rows) return { ...m.payload, nuclei: rows.nuclei };
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('the rows never followed the image');
}

const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
const areas = (p: SegmentationPayload) => sorted(p.nuclei.map((r) => r.area));

describe('the labels viewer', () => {
  it('shows a saved result over its image, measured against it, and saving writes back into its run folder after asking', async () => {
    const { image, labels } = await savedResult();
    const panel = await open(labels);
    const p = await payloadOf(panel);
    expect(p).toMatchObject({ fileName: 'cells.png', width: c.width, height: c.height, count: c.disks.length, unit: 'px' });
    expect(p.imageSrc).toBe(`vscode-resource://mock${image}`); // the image itself, not the labels
    // The same nuclei (numbered in reading order, as the loader renumbers them).
    expect(Array.from(unpackLabels(p.labels), (l) => l > 0)).toEqual(Array.from(c.labels, (l) => l > 0));
    expect(areas(p)).toEqual(sorted(c.areas));
    // Measured against the image: a nucleus's mean intensity is the nucleus colour's.
    expect(p.nuclei[0].intensity?.length).toBeGreaterThan(0);
    expect(p.nuclei[0].meanIntensity).toBeGreaterThan(100);
    expect(mock.window.showWarningMessage).not.toHaveBeenCalled();

    // Save all: the run's files exist, so the existing question comes first; declined, nothing is written.
    const before = fs.statSync(labels).mtimeMs;
    await panel.receive({ type: 'save', what: 'all', pickLocation: false });
    expect(mock.window.showWarningMessage).toHaveBeenCalledWith(
      expect.stringMatching(/already exist in .*cells\.nuclei-default\. Replace them\?/),
      { modal: true },
      'Replace',
    );
    expect(fs.statSync(labels).mtimeMs).toBe(before);
    // Replace: written back there, the summary still naming the image and the model.
    mock.window.showWarningMessage.mockResolvedValueOnce('Replace' as never);
    await panel.receive({ type: 'save', what: 'all', pickLocation: false });
    const summary = JSON.parse(fs.readFileSync(path.join(path.dirname(labels), 'cells.json'), 'utf8'));
    expect(summary).toMatchObject({ image, count: c.disks.length, threshold: 0.45, model: path.join(tmp, 'models/run1') });
  });

  it('shows labels without their image alone on a dark background, and "Open with image..." puts them over the picked image', async () => {
    const { image, labels } = await savedResult(path.join(tmp, 'a'));
    const moved = path.join(tmp, 'elsewhere', 'renamed.png');
    fs.mkdirSync(path.dirname(moved));
    fs.renameSync(image, moved);
    const panel = await open(labels);
    const p = await payloadOf(panel);
    expect(p.count).toBe(c.disks.length);
    expect(areas(p)).toEqual(sorted(c.areas));
    expect(p.nuclei[0].intensity).toEqual([]); // no image: shapes, no intensities
    // The made-up background goes as pixels (a gray image: one channel), never loaded by path.
    const background = p.imageSrc as ImagePixels;
    expect(typeof background).toBe('object');
    expect([background.width, background.height]).toEqual([c.width, c.height]);
    expect(background.data.length).toBe(c.width * c.height * background.channels);
    expect(background.data.every((v) => v === LABELS_ALONE_GREY)).toBe(true);
    expect(mock.window.showWarningMessage).toHaveBeenCalledWith(
      'Nuclei: no image found for cells_labels.png; the labels are shown alone.',
      'Open with image...',
    );
    // Its corrections cannot be training data without an image.
    await panel.receive({ type: 'saveCorrections' });
    expect(mock.window.showErrorMessage).toHaveBeenCalledWith(expect.stringContaining('cells_labels.png is shown without its image'));

    mock.window.showOpenDialog.mockResolvedValueOnce([vscode.Uri.file(moved)]);
    mock.createdPanels.length = 0;
    mock.commands.registered.set('vscode.openWith', async (uri: unknown, viewType: unknown) => {
      await open((uri as vscode.Uri).fsPath);
      return viewType;
    });
    expect(await vscode.commands.executeCommand(PICK_IMAGE_COMMAND, vscode.Uri.file(labels))).toBe(moved);
    const again = await payloadOf(mock.createdPanels[0]);
    expect(again.imageSrc).toBe(`vscode-resource://mock${moved}`);
    expect(again.nuclei[0].meanIntensity).toBeGreaterThan(100);
    // Remembered for that file.
    mock.createdPanels.length = 0;
    expect((await payloadOf(await open(labels))).imageSrc).toBe(`vscode-resource://mock${moved}`);
  });

  it('says in one line, naming the file, when a PNG is not a label image, and offers the image preview', async () => {
    const rgb = path.join(tmp, 'photo_labels.png');
    fs.writeFileSync(rgb, await encodePng(c));
    const mask = path.join(tmp, 'mask_labels.png');
    const mask255 = Buffer.from(c.labels.map((l) => (l ? 255 : 0)));
    await sharp(mask255, { raw: { width: c.width, height: c.height, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(mask);
    for (const [file, problem] of [
      [rgb, 'photo_labels.png: a label image must have one channel (an id per pixel), this one has 3'],
      [mask, 'mask_labels.png is not a label image (one id per nucleus): one value marks more than 3 separate patches, a binary mask?'],
    ]) {
      mock.window.showErrorMessage.mockClear();
      const panel = await open(file);
      expect(sent(panel)).toEqual([{ type: 'error', message: `Cannot show ${problem}` }]);
      expect(mock.window.showErrorMessage).toHaveBeenCalledWith(`Nuclei: cannot show ${problem}`, 'Open in image preview');
    }
  });
});
