// The classical baseline a biologist has in Fiji without deep learning, run in a real ImageJ
// (Debian's imagej under xvfb-run) on the same images the models are scored on: 8-bit, Otsu with
// the background side chosen per image (dark unless most pixels would be foreground), Convert to
// Mask, Fill Holes, Watershed, Analyze Particles (size >= 10) as Count Masks.
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { imageKind, loadSampleFullSize, readLabelImage } from '@nuclei/data';
import { evaluateImage, reportFromRows, type EvaluationReport } from '@nuclei/evaluation';

const IJ = '/usr/share/java/ij.jar';

/** Why ImageJ cannot run here, or undefined when it can. */
export function imageJMissing(): string | undefined {
  if (!existsSync(IJ)) return `no ${IJ} (apt-get install imagej)`;
  if (spawnSync('which', ['xvfb-run']).status !== 0) return 'no xvfb-run (apt-get install xvfb xauth)';
  return undefined;
}

// (A macro variable named `log` hangs ImageJ 1.53t.)
const MACRO = `
args = split(getArgument(), ",");
paths = split(File.openAsString(args[0]), "\\n");
setBatchMode(true);
setOption("BlackBackground", true);
for (i = 0; i < paths.length; i++) {
  open(paths[i]);
  name = File.nameWithoutExtension;
  run("8-bit");
  setAutoThreshold("Otsu dark");
  getThreshold(lower, upper);
  getHistogram(values, counts, 256);
  inside = 0;
  for (v = lower; v <= upper; v++) inside = inside + counts[v];
  if (inside > getWidth() * getHeight() / 2) setAutoThreshold("Otsu");
  run("Convert to Mask");
  run("Fill Holes");
  run("Watershed");
  run("Analyze Particles...", "size=10-Infinity show=[Count Masks]");
  saveAs("Tiff", args[1] + "/" + name + ".tif");
  close("*");
}
`;

/** Scores the macro on DSB-layout samples `ids` of `dir` at full size, with kinds. */
export async function imageJMacroReport(dir: string, ids: readonly string[]): Promise<EvaluationReport> {
  const work = mkdtempSync(join(tmpdir(), 'nuclei-ij-baseline-'));
  try {
    const list = join(work, 'images.txt');
    writeFileSync(list, ids.map((id) => join(dir, id, 'images', `${id}.png`)).join('\n'));
    writeFileSync(join(work, 'baseline.ijm'), MACRO);
    const r = spawnSync('xvfb-run', ['-a', 'java', '-jar', IJ, '-batch', join(work, 'baseline.ijm'), `${list},${work}`], {
      encoding: 'utf8',
      timeout: 30 * 60_000,
    });
    const rows = [];
    for (const id of ids) {
      const out = join(work, `${id}.tif`);
      if (!existsSync(out)) throw new Error(`ImageJ wrote no count mask for ${id}:\n${r.stdout}\n${r.stderr}`);
      const [pred, truth] = await Promise.all([readLabelImage(out), loadSampleFullSize(dir, id)]);
      const { width, height } = truth.image;
      rows.push({ ...evaluateImage({ id, predLabels: pred.labels, trueLabels: truth.labels, width, height }), kind: imageKind(truth.image.data) });
    }
    return reportFromRows(rows);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
