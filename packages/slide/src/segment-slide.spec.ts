import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_PREPROCESSING } from '@nuclei/model';
import { LABELS_PATH } from './ome-zarr-labels';
import { segmentSlide, slideBase } from './segment-slide';
import { writeSyntheticSlide } from './synthetic-slide';
import { thresholdPredictor } from './test-utils/slide-result';
import { openZarrArray, readZarrWindow } from './zarr';

describe('segmentSlide: a slide on this machine', () => {
  jest.setTimeout(120_000);
  const W = 900;
  const H = 600;
  let dir: string;
  let image: string;
  const settings = {
    model: 'threshold',
    options: { mode: 'tile' as const, split: 'components' as const, threshold: 0.5, preprocessing: DEFAULT_PREPROCESSING },
    block: 256,
    overwrite: false,
  };
  const labelsOf = async (out: string) => readZarrWindow(openZarrArray(path.join(out, 'slide.ome.zarr', LABELS_PATH, '0')), [], 0, 0, W, H);
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-segment-slide-'));
    image = path.join(dir, 'slide.ome.tif');
    await writeSyntheticSlide(image, { width: W, height: H, seed: 9 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('cancelled after a block keeps it; run again, it resumes and gives the labels of an uninterrupted run', async () => {
    expect(slideBase(image)).toBe('slide');
    const whole = await segmentSlide(image, path.join(dir, 'whole'), 'slide', settings, thresholdPredictor);
    expect(whole.blocks).toBe(12);
    expect(fs.existsSync(path.join(dir, 'whole', '.slide.slide'))).toBe(false);

    const out = path.join(dir, 'resumed');
    const stop = new AbortController();
    const first = segmentSlide(image, out, 'slide', settings, thresholdPredictor, { signal: stop.signal, onBlock: (b) => b.done === 2 && stop.abort() });
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    expect(fs.readdirSync(path.join(out, '.slide.slide', 'blocks')).length).toBe(2);
    expect(fs.existsSync(path.join(out, 'slide.json'))).toBe(false);

    const seen: number[] = [];
    const again = await segmentSlide(image, out, 'slide', settings, thresholdPredictor, { onBlock: (b) => seen.push(b.skipped) });
    expect(seen).toEqual(Array(10).fill(2));
    expect(again.count).toBe(whole.count);
    expect(Buffer.from((await labelsOf(out)).buffer).equals(Buffer.from((await labelsOf(path.join(dir, 'whole'))).buffer))).toBe(true);
    // Outputs there: refused unless overwrite.
    await expect(segmentSlide(image, out, 'slide', settings, thresholdPredictor)).rejects.toThrow(/already exists; refusing to replace/);
  });
});
