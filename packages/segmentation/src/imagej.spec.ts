import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateSyntheticSample, masksToLabels } from '@nuclei/data';
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

(haveImageJ ? describe : describe.skip)('ROIs in ImageJ', () => {
  it('ImageJ reads one ROI per nucleus with our areas and centroids', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-ij-'));
    try {
      const w = 160;
      const h = 120;
      const { image, masks } = generateSyntheticSample({ width: w, height: h, seed: 11, style: 'fluorescent' });
      const labels = masksToLabels(masks, w, h);
      const count = masks.length;
      const areas = masks.map((m) => m.reduce((a, b) => a + b, 0));
      const result: SegmentResult = {
        width: w,
        height: h,
        probability: new Float32Array(w * h),
        mask: Uint8Array.from(labels, (v) => (v ? 1 : 0)),
        labels,
        count,
        areas,
        meanArea: 0,
        mode: 'tile',
        tiles: 1,
        threshold: 0.5,
        split: 'watershed',
      };
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
