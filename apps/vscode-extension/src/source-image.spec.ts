import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findSourceImage, labelsStem, readSummary } from './source-image';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-source-image-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes `text` (default: a few bytes) at `rel` under tmp, making folders; returns the path. */
function put(rel: string, text = 'x'): string {
  const file = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const summary = (image: string | null) => JSON.stringify({ image, width: 4, height: 2, count: 2, model: '/models/run1/best', mode: 'tile', threshold: 0.4 });

describe('findSourceImage', () => {
  it('takes the image the summary beside the labels records, and writes back into that folder', () => {
    const image = put('elsewhere/cells.tif');
    put('out/cells.json', summary(image));
    const labels = put('out/cells_labels.png');
    put('out/cells.png'); // an image of that name beside it loses to the recorded one
    const found = findSourceImage(labels);
    expect(found).toMatchObject({ image, via: 'summary', isOutput: true, outDir: path.join(tmp, 'out'), baseName: 'cells' });
    expect(found.summary?.threshold).toBe(0.4);
  });

  it('resolves a relative recorded image against the labels folder', () => {
    const image = put('cells.png');
    put('cells.nuclei-default/cells.json', summary('../cells.png'));
    expect(findSourceImage(put('cells.nuclei-default/cells_labels.png')).image).toBe(image);
  });

  it('finds a moved image by the run-folder layout: X.nuclei-MODEL/X_labels.png goes with ../X.*', () => {
    const image = put('moved/cells.jpeg');
    put('moved/cells.nuclei-run1-best/cells.json', summary('/gone/cells.jpeg'));
    const found = findSourceImage(put('moved/cells.nuclei-run1-best/cells_labels.png'));
    expect(found).toMatchObject({ image, via: 'run folder', isOutput: true });
    // Without a summary too, and with the extension in another case.
    const tif = put('b/img.TIF');
    expect(findSourceImage(put('b/img.nuclei-default/img_labels.png'))).toMatchObject({ image: tif, via: 'run folder', isOutput: true });
  });

  it("finds a batch's image in the folder above its results folder (nuclei-MODEL/X_labels.png)", () => {
    const image = put('plate/a1.png');
    expect(findSourceImage(put('plate/nuclei-default/a1_labels.png'))).toMatchObject({ image, via: 'run folder', isOutput: true });
  });

  it('pairs labels with the image of that name beside them (a training pair, saved corrections): outputs are not written there', () => {
    const image = put('train/cells.png');
    put('train/other.png');
    const found = findSourceImage(put('train/cells_labels.png'));
    expect(found).toMatchObject({ image, via: 'same folder', isOutput: false });
    expect(found.summary).toBeUndefined();
  });

  it('prefers png, then jpg, jpeg, tif, tiff when several images share the name', () => {
    put('p/cells.tif');
    const png = put('p/cells.png');
    expect(findSourceImage(put('p/cells_labels.png')).image).toBe(png);
  });

  it('finds nothing when there is no such image (a folder of that name does not count), and a chosen image wins while it exists', () => {
    fs.mkdirSync(path.join(tmp, 'none/cells.png'), { recursive: true });
    const labels = put('none/cells_labels.png');
    expect(findSourceImage(labels)).toEqual({ isOutput: false, outDir: path.join(tmp, 'none'), baseName: 'cells' });
    const chosen = put('pick/any-name.tif');
    expect(findSourceImage(labels, chosen)).toMatchObject({ image: chosen, via: 'chosen' });
    expect(findSourceImage(labels, path.join(tmp, 'pick/deleted.tif')).image).toBeUndefined();
  });
});

describe('readSummary and labelsStem', () => {
  it("reads nuclei's summary and nothing else", () => {
    expect(readSummary(put('s.json', summary('/a.png')))?.model).toBe('/models/run1/best');
    expect(readSummary(put('t.json', summary(null)))?.image).toBeNull();
    expect(readSummary(put('u.json', '{"image": "a.png"}'))).toBeUndefined(); // no size or count: someone else's
    expect(readSummary(put('v.json', 'not json'))).toBeUndefined();
    expect(readSummary(path.join(tmp, 'missing.json'))).toBeUndefined();
  });

  it('strips the extension and the _labels suffix', () => {
    expect(labelsStem('/a/b/cells_labels.png')).toBe('cells');
    expect(labelsStem('/a/b/x_labels_labels.png')).toBe('x_labels');
  });
});
