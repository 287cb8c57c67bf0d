import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeTiff, generateSyntheticSample, masksToLabels, readAllChannels } from '@nuclei/data';
import { writeSegmentationOutputs } from './outputs';
import { measureNuclei } from './measurements';
import type { SegmentResult } from './segment';

// The ROI zip opened in a real ImageJ (Debian's imagej under xvfb-run): it must hold one ROI per
// nucleus whose area and centroid equal our measurements (pixel centres at +0.5 in both).
jest.setTimeout(180_000);

const IJ = '/usr/share/java/ij.jar';
const haveImageJ = fs.existsSync(IJ) && spawnSync('which', ['xvfb-run']).status === 0;
if (!haveImageJ) console.log('imagej.spec: skipped, ImageJ is absent (apt-get install imagej xvfb xauth; CI installs it)');

const MACRO = `
args = split(getArgument(), ",");
newImage("blank", "8-bit black", parseInt(args[1]), parseInt(args[2]), 1);
roiManager("Open", args[0]);
n = roiManager("count");
out = "" + n + "\\n";
for (i = 0; i < n; i++) {
  roiManager("select", i);
  List.setMeasurements;
  out = out + Roi.getName + "," + List.getValue("Area") + "," + List.getValue("X") + "," + List.getValue("Y") + "\\n";
}
File.saveString(out, args[3]);
`;

// Opens a 2-channel image and the ROI zip, and measures every ROI on each channel.
const MEASURE_MACRO = `
args = split(getArgument(), ",");
open(args[0]);
roiManager("Open", args[1]);
n = roiManager("count");
getDimensions(w, h, channels, slices, frames);
out = "";
for (c = 1; c <= channels; c++) {
  for (i = 0; i < n; i++) {
    roiManager("select", i);
    Stack.setChannel(c);
    List.setMeasurements;
    out = out + c + "," + Roi.getName + "," + List.getValue("Mean") + "," + List.getValue("StdDev") + "\\n";
  }
}
File.saveString(out, args[2]);
`;

function syntheticResult(w: number, h: number, seed: number): { result: SegmentResult; image: ReturnType<typeof generateSyntheticSample>['image'] } {
  const { image, masks } = generateSyntheticSample({ width: w, height: h, seed, style: 'fluorescent' });
  const labels = masksToLabels(masks, w, h);
  const areas = masks.map((m) => m.reduce((a, b) => a + b, 0));
  const result: SegmentResult = {
    width: w,
    height: h,
    probability: new Float32Array(w * h),
    mask: Uint8Array.from(labels, (v) => (v ? 1 : 0)),
    labels,
    count: masks.length,
    areas,
    meanArea: 0,
    mode: 'tile',
    tiles: 1,
    threshold: 0.5,
    split: 'watershed',
  };
  return { result, image };
}

(haveImageJ ? describe : describe.skip)('ROIs in ImageJ', () => {
  it("ImageJ's Measure on each channel of a 2-channel image, through our ROIs, gives our per-nucleus means (within 0.5 %)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-ij-'));
    try {
      const w = 160;
      const h = 120;
      const { result, image } = syntheticResult(w, h, 5);
      // 16-bit channels: DAPI (the nuclei, with texture) and GFP (a ramp with a ripple).
      const n = w * h;
      const dapi = Uint16Array.from({ length: n }, (_, i) => image.data[3 * i] * 90 + ((i * 7919) % 113));
      const gfp = Uint16Array.from({ length: n }, (_, i) => 500 + (i % w) * 40 + Math.round(300 * Math.sin(i / 17)));
      const tif = path.join(dir, 'cells.tif');
      const description = 'ImageJ=1.53t\nimages=2\nchannels=2\nhyperstack=true\nmode=composite\n';
      fs.writeFileSync(tif, encodeTiff({ width: w, height: h, pages: [dapi, gfp], description, sliceLabels: ['DAPI', 'GFP'] }));
      const channels = await readAllChannels(tif);
      expect(channels.map((c) => c.name)).toEqual(['DAPI', 'GFP']);
      const paths = await writeSegmentationOutputs(result, image, dir, 'cells', { outputs: ['rois', 'measurements'], channels });
      const macro = path.join(dir, 'measure.ijm');
      const out = path.join(dir, 'ij.csv');
      fs.writeFileSync(macro, MEASURE_MACRO);
      const r = spawnSync('xvfb-run', ['-a', 'java', '-jar', IJ, '-batch', macro, `${tif},${paths.rois},${out}`], { encoding: 'utf8', timeout: 150_000 });
      expect(fs.existsSync(out) ? '' : `${r.stdout}\n${r.stderr}`).toBe('');
      const [head, ...rows] = fs
        .readFileSync(paths.measurements!, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(','));
      const ours = new Map(rows.map((row) => [Number(row[0]), row]));
      const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(2 * result.count);
      for (const line of lines) {
        const [c, name, mean, std] = line.split(',');
        const label = Number(/nucleus-(\d+)/.exec(name)![1]);
        const channel = ['DAPI', 'GFP'][Number(c) - 1];
        const row = ours.get(label)!;
        const relative = (ij: string, column: string) => Math.abs(Number(ij) - Number(row[head.indexOf(column)])) / Math.max(1e-9, Math.abs(Number(ij)));
        expect(relative(mean, `${channel}_mean`)).toBeLessThan(0.005);
        expect(relative(std, `${channel}_std`)).toBeLessThan(0.005);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ImageJ reads one ROI per nucleus with our areas and centroids', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-ij-'));
    try {
      const w = 160;
      const h = 120;
      const { result, image } = syntheticResult(w, h, 11);
      const { labels, count } = result;
      const paths = await writeSegmentationOutputs(result, image, dir, 'cells', { outputs: ['rois'] });
      const macro = path.join(dir, 'check.ijm');
      const out = path.join(dir, 'ij.csv');
      fs.writeFileSync(macro, MACRO);
      const r = spawnSync('xvfb-run', ['-a', 'java', '-jar', IJ, '-batch', macro, `${paths.rois},${w},${h},${out}`], { encoding: 'utf8', timeout: 150_000 });
      expect(fs.existsSync(out) ? '' : `${r.stdout}\n${r.stderr}`).toBe('');
      const [n, ...rows] = fs.readFileSync(out, 'utf8').trim().split('\n');
      expect(Number(n)).toBe(count);
      // Holes are not traced, so a nucleus with a hole would differ; synthetic ellipses have none.
      const ours = measureNuclei(labels, w, h, count);
      for (const row of rows) {
        const [name, area, x, y] = row.split(',');
        const label = Number(/nucleus-(\d+)/.exec(name)![1]);
        const m = ours.find((o) => o.label === label)!;
        expect([label, Number(area)]).toEqual([label, m.area]);
        expect(Number(x)).toBeCloseTo(m.centroidX, 3);
        expect(Number(y)).toBeCloseTo(m.centroidY, 3);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
