import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkPlannedOutputs, plannedKinds, recordPath, recordWriting, recordWritten } from './segment-outputs';

describe('which outputs segment may replace', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-seg-outputs-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const folder = () => {
    const dir = path.join(root, `case-${n++}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'cells.png'), 'image');
    return dir;
  };
  const plan = (dir: string) => [{ image: path.join(dir, 'cells.png'), base: 'cells' }];

  it("refuses the user's NAME_labels.png (ground truth beside the image) unless --overwrite", () => {
    const dir = folder();
    fs.writeFileSync(path.join(dir, 'cells_labels.png'), 'truth');
    expect(() => checkPlannedOutputs(plan(dir), dir, ['labels', 'mask'], false)).toThrow(
      `${path.join(dir, 'cells_labels.png')} exists and was not written by nuclei (ground truth?): choose another --out, or add --overwrite to replace it`,
    );
    expect(() => checkPlannedOutputs(plan(dir), dir, ['mask'], false)).not.toThrow(); // not an output of this run
    expect(() => checkPlannedOutputs(plan(dir), dir, ['labels', 'mask'], true)).not.toThrow();
  });

  it('replaces what nuclei wrote, but not once it was changed, nor what another image recorded', async () => {
    const dir = folder();
    const labels = path.join(dir, 'cells_labels.png');
    const summary = path.join(dir, 'cells.json');
    await recordWriting(dir, 'cells', plan(dir)[0].image, [labels, summary]);
    fs.writeFileSync(labels, 'labels v1');
    fs.writeFileSync(summary, '{}');
    await recordWritten(dir, 'cells', plan(dir)[0].image, [labels, summary]);
    expect(() => checkPlannedOutputs(plan(dir), dir, ['labels', 'json'], false)).not.toThrow();
    fs.writeFileSync(labels, 'corrected by hand');
    expect(() => checkPlannedOutputs(plan(dir), dir, ['labels', 'json'], false)).toThrow(/cells_labels\.png exists and was not written by nuclei/);
    // Another image's record says nothing about this one's files.
    fs.renameSync(recordPath(dir, 'cells'), recordPath(dir, 'other'));
    expect(() => checkPlannedOutputs(plan(dir), dir, ['json'], false)).toThrow(/cells\.json exists and was not written by nuclei/);
  });

  it('files a killed run was writing may be replaced by the next run', async () => {
    const dir = folder();
    const mask = path.join(dir, 'cells_mask.png');
    await recordWriting(dir, 'cells', plan(dir)[0].image, [mask]);
    fs.writeFileSync(mask, 'written, then killed before the record was completed');
    expect(() => checkPlannedOutputs(plan(dir), dir, ['mask'], false)).not.toThrow();
  });

  it('a set a killed run left incomplete is planned whole; a completed one as asked', async () => {
    const dir = folder();
    const [mask, csv] = [path.join(dir, 'cells_mask.png'), path.join(dir, 'cells.csv')];
    expect(plannedKinds(dir, 'cells', ['json'])).toEqual({ kinds: ['json'] });
    await recordWriting(dir, 'cells', plan(dir)[0].image, [mask, csv]);
    expect(plannedKinds(dir, 'cells', ['json'])).toEqual({ kinds: ['mask', 'json', 'csv'], incomplete: ['cells.csv', 'cells_mask.png'] });
    fs.writeFileSync(mask, 'mask');
    fs.writeFileSync(csv, 'csv');
    await recordWritten(dir, 'cells', plan(dir)[0].image, [mask, csv]);
    expect(plannedKinds(dir, 'cells', ['json'])).toEqual({ kinds: ['json'] });
  });

  it('never replaces an input of the same run, even with --overwrite', () => {
    const dir = folder();
    const other = path.join(dir, 'cells_mask.png'); // an input named like cells.png's mask output
    fs.writeFileSync(other, 'another image');
    const plans = [...plan(dir), { image: other, base: 'cells_mask' }];
    expect(() => checkPlannedOutputs(plans, dir, ['mask'], true)).toThrow(`${other} would be an output of this run but is one of its inputs (${other})`);
    // Also through a symlink in --out.
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    fs.symlinkSync(plan(dir)[0].image, path.join(out, 'cells.json'));
    expect(() => checkPlannedOutputs(plan(dir), out, ['json'], true)).toThrow(/cells\.json would be an output of this run but is one of its inputs/);
  });
});
