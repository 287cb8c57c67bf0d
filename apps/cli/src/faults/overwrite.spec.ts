import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from './run-cli';

// Refusals that keep users' results: each case must fail with a message and leave files as they were.
jest.setTimeout(300_000);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-overwrite-'));
const data = path.join(root, 'data');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const train = (out: string, ...more: string[]) =>
  runCli([
    'train',
    '--data',
    data,
    '--out',
    out,
    '--recipe',
    'seed',
    '--preset',
    'small',
    '--size',
    '32',
    '--batch',
    '4',
    '--epochs',
    '1',
    '--backend',
    'wasm',
    '--workers',
    '1',
    ...more,
  ]);

beforeAll(async () => {
  expect((await runCli(['synth', '--out', data, '--count', '6', '--size', '64'])).code).toBe(0);
});

describe('refusals that keep results', () => {
  it('synth refuses a non-empty folder (its old masks would stay beside new images)', async () => {
    const r = await runCli(['synth', '--out', data, '--count', '2']);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/is not empty/);
  });

  it('train refuses a finished run without --resume or --overwrite, and keeps it', async () => {
    const out = path.join(root, 'run');
    expect((await train(out)).code).toBe(0);
    const before = fs.readFileSync(path.join(out, 'best', 'weights.bin'));
    const again = await train(out);
    expect(again.code).toBe(2);
    expect(again.err.join('\n')).toMatch(/already holds a training run .* add --resume to continue it or --overwrite/);
    expect(fs.readFileSync(path.join(out, 'best', 'weights.bin')).equals(before)).toBe(true);
    expect((await train(out, '--overwrite')).code).toBe(0);
  });

  it('train refuses an output inside the dataset, and a dataset inside the output', async () => {
    const inside = await train(path.join(data, 'checkpoints'));
    expect(inside.code).toBe(2);
    expect(inside.err.join('\n')).toMatch(/is inside the dataset/);
    expect(fs.existsSync(path.join(data, 'checkpoints'))).toBe(false);
    const around = await runCli(['train', '--data', data, '--out', root, '--backend', 'wasm']);
    expect(around.code).toBe(2);
    expect(around.err.join('\n')).toMatch(/is inside --out/);
  });

  it("a second train on the same folder is refused while the first holds its lock; a dead run's lock is taken over", async () => {
    const out = path.join(root, 'locked');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, '.nuclei-train.lock'), `${process.ppid}\n`); // a live process
    const busy = await train(out);
    expect(busy.code).toBe(2);
    expect(busy.err.join('\n')).toMatch(new RegExp(`in use by another training run \\(pid ${process.ppid}\\)`));
    fs.writeFileSync(path.join(out, '.nuclei-train.lock'), '999999999\n'); // no such process
    expect((await train(out)).code).toBe(0);
    expect(fs.existsSync(path.join(out, '.nuclei-train.lock'))).toBe(false); // released on exit
  });

  it('segment refuses two inputs that would write the same outputs, naming both', async () => {
    const [a, b] = fs.readdirSync(data).sort();
    const imgA = path.join(data, a, 'images', `${a}.png`);
    const copy = path.join(root, 'other', `${a}.png`);
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.copyFileSync(path.join(data, b, 'images', `${b}.png`), copy);
    const r = await runCli(['segment', imgA, copy, '--out', path.join(root, 'seg'), '--backend', 'wasm']);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toContain(`${imgA} and ${copy} would both write ${a}_* outputs`);
    expect(fs.existsSync(path.join(root, 'seg'))).toBe(false);
  });

  it('segment keeps going past a bad image and exits 3 (bad input) at the end', async () => {
    const [a] = fs.readdirSync(data).sort();
    const bad = path.join(root, 'broken.png');
    fs.writeFileSync(bad, 'not a png');
    const out = path.join(root, 'seg2');
    const r = await runCli(['segment', bad, path.join(data, a, 'images', `${a}.png`), '--out', out, '--backend', 'wasm']);
    expect(r.code).toBe(3);
    expect(r.err.join('\n')).toMatch(/broken\.png: not an image/);
    expect(r.err.join('\n')).toMatch(/1 of 2 images failed/);
    expect(fs.existsSync(path.join(out, `${a}_labels.png`))).toBe(true);
  });

  it("segment into the images' own folder keeps the user's NAME_labels.png ground truth, and replaces only what it wrote", async () => {
    const [a] = fs.readdirSync(data).sort();
    const pairs = path.join(root, 'pairs');
    fs.mkdirSync(pairs);
    const image = path.join(pairs, `${a}.png`);
    fs.copyFileSync(path.join(data, a, 'images', `${a}.png`), image);
    const truth = path.join(pairs, `${a}_labels.png`);
    fs.writeFileSync(truth, 'the ground truth');
    const segment = (...more: string[]) => runCli(['segment', image, '--out', pairs, '--backend', 'wasm', ...more]);
    const refused = await segment();
    expect(refused.code).toBe(2);
    expect(refused.err.join('\n')).toContain(`${truth} exists and was not written by nuclei (ground truth?): choose another --out, or add --overwrite`);
    expect(fs.readFileSync(truth, 'utf8')).toBe('the ground truth');
    expect(fs.readdirSync(pairs).sort()).toEqual([`${a}.png`, `${a}_labels.png`]); // refused before any work
    // Outputs that do not clash are written, and a later run replaces them (nuclei wrote them).
    expect((await segment('--outputs', 'mask,overlay')).code).toBe(0);
    const mask = fs.readFileSync(path.join(pairs, `${a}_mask.png`));
    expect((await segment('--outputs', 'mask,overlay', '--threshold', '0.9')).code).toBe(0);
    expect(fs.readFileSync(path.join(pairs, `${a}_mask.png`)).equals(mask)).toBe(false);
    // Edited since: no longer nuclei's.
    fs.writeFileSync(path.join(pairs, `${a}_overlay.png`), 'edited');
    expect((await segment('--outputs', 'overlay')).code).toBe(2);
    expect((await segment('--overwrite')).code).toBe(0);
    expect(fs.readFileSync(truth, 'utf8')).not.toBe('the ground truth');
  });

  it('segment after an interrupted one says its set of outputs is incomplete and rewrites all of it (the summary matches the CSV)', async () => {
    const [a] = fs.readdirSync(data).sort();
    const out = path.join(root, 'interrupted');
    const image = path.join(data, a, 'images', `${a}.png`);
    expect((await runCli(['segment', image, '--out', out, '--backend', 'wasm'])).code).toBe(0);
    // As a run killed while writing leaves it: the record lists the set without hashes, complete: false,
    // and the CSV is another run's (two extra nuclei).
    const record = path.join(out, `.${a}.nuclei-outputs.json`);
    const written = JSON.parse(fs.readFileSync(record, 'utf8'));
    const files = Object.fromEntries(Object.keys(written.files).map((f) => [f, null]));
    fs.writeFileSync(record, JSON.stringify({ ...written, complete: false, files }));
    const csv = path.join(out, `${a}.csv`);
    fs.appendFileSync(csv, `${a},1 2\n${a},5 2\n`);
    const r = await runCli(['segment', image, '--out', out, '--outputs', 'json', '--backend', 'wasm']);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(new RegExp(`${a}\\.png: its outputs in .* are an incomplete set .*: rewriting all of them`));
    const count = JSON.parse(fs.readFileSync(path.join(out, `${a}.json`), 'utf8')).count;
    const rows = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1);
    expect(new Set(rows.map((row) => row.split(',')[1])).size).toBe(count);
    expect(rows).toHaveLength(count);
    expect(JSON.parse(fs.readFileSync(record, 'utf8'))).toMatchObject({ complete: true, files: { [`${a}.csv`]: expect.stringMatching(/^[0-9a-f]{40}$/) } });
  });

  it("segment never replaces an input of the same run (an input named like another input's output), even with --overwrite", async () => {
    const [a, b] = fs.readdirSync(data).sort();
    const dir = path.join(root, 'named-like-outputs');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(data, a, 'images', `${a}.png`), path.join(dir, 'cells.png'));
    fs.copyFileSync(path.join(data, b, 'images', `${b}.png`), path.join(dir, 'cells_mask.png'));
    const r = await runCli(['segment', path.join(dir, 'cells.png'), path.join(dir, 'cells_mask.png'), '--out', dir, '--overwrite', '--backend', 'wasm']);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toContain(`cells_mask.png would be an output of this run but is one of its inputs`);
    expect(fs.readdirSync(dir).sort()).toEqual(['cells.png', 'cells_mask.png']);
  });

  it('publish refuses an existing model folder, or the checkpoint itself, without --overwrite', async () => {
    const checkpoint = path.join(root, 'pub-run', 'best');
    fs.mkdirSync(checkpoint, { recursive: true });
    fs.writeFileSync(path.join(checkpoint, 'nuclei-model.json'), '{"the": "checkpoint"}');
    const published = path.join(root, 'pub-model');
    fs.mkdirSync(published);
    fs.writeFileSync(path.join(published, 'nuclei-model.json'), '{"the": "shipped model"}');
    const over = await runCli(['publish', checkpoint, '--out', published, '--backend', 'wasm']);
    expect(over.code).toBe(2);
    expect(over.err.join('\n')).toContain(`${published} already exists: add --overwrite to replace it`);
    const itself = await runCli(['publish', checkpoint, '--out', checkpoint, '--backend', 'wasm']);
    expect(itself.code).toBe(2);
    expect(itself.err.join('\n')).toMatch(/is the checkpoint being published: that would drop its optimizer state/);
    expect(fs.readFileSync(path.join(published, 'nuclei-model.json'), 'utf8')).toBe('{"the": "shipped model"}');
    expect(fs.readFileSync(path.join(checkpoint, 'nuclei-model.json'), 'utf8')).toBe('{"the": "checkpoint"}');
  });

  it('evaluate --out refuses an existing file without --overwrite (an image is not replaced by JSON)', async () => {
    const [a] = fs.readdirSync(data).sort();
    const image = path.join(root, 'keep.png');
    fs.copyFileSync(path.join(data, a, 'images', `${a}.png`), image);
    const before = fs.readFileSync(image);
    const r = await runCli(['evaluate', '--data', data, '--out', image, '--backend', 'wasm']);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toContain(`${image} already exists: add --overwrite to replace it`);
    expect(fs.readFileSync(image).equals(before)).toBe(true);
  });

  it('train takes the lock before looking for a finished run, and refuses --resume with --overwrite', async () => {
    const out = path.join(root, 'busy-finished');
    fs.mkdirSync(path.join(out, 'last'), { recursive: true });
    fs.writeFileSync(path.join(out, '.nuclei-train.lock'), `${process.ppid}\n`); // a live run holds it
    const r = await train(out);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/in use by another training run/);
    const both = await train(path.join(root, 'both'), '--resume', '--overwrite');
    expect(both.code).toBe(2);
    expect(both.err.join('\n')).toMatch(/--resume continues the run in --out and --overwrite starts a new one over it/);
    expect(fs.existsSync(path.join(root, 'both'))).toBe(false);
  });

  it('train --resume refuses another --data than the run was started with (a symlink to it is the same)', async () => {
    const out = path.join(root, 'resume-data');
    expect((await train(out)).code).toBe(0);
    const other = path.join(root, 'data-copy');
    fs.cpSync(data, other, { recursive: true });
    const r = await runCli(['train', '--data', other, '--out', out, '--resume', '--epochs', '2', '--backend', 'wasm', '--workers', '1']);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toContain(`--resume: --data ${other} is not the dataset the run in ${out} was started with (${data})`);
    const link = path.join(root, 'data-link');
    fs.symlinkSync(data, link);
    expect((await runCli(['train', '--data', link, '--out', out, '--resume', '--epochs', '2', '--backend', 'wasm', '--workers', '1'])).code).toBe(0);
  });

  it('train refuses an output that reaches into the dataset through a symlink', async () => {
    const link = path.join(root, 'link-into-data');
    fs.symlinkSync(data, link);
    const r = await train(path.join(link, 'checkpoints'));
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/is inside the dataset/);
    expect(fs.existsSync(path.join(data, 'checkpoints'))).toBe(false);
  });

  it('empty flag values are refused, not read as 0 or the default', async () => {
    const [a] = fs.readdirSync(data).sort();
    const image = path.join(data, a, 'images', `${a}.png`);
    for (const [args, flag] of [
      [['segment', image, '--out', path.join(root, 'empty-flag'), '--threshold='], 'threshold'],
      [['segment', image, '--out', path.join(root, 'empty-flag'), '--model', ''], 'model'],
      [['train', '--data', data, '--out', path.join(root, 'empty-flag'), '--val='], 'val'],
      [['train', '--data', data, '--out', path.join(root, 'empty-flag'), '--seed='], 'seed'],
    ] as const) {
      const r = await runCli([...args]);
      expect([r.code, r.err[0]]).toEqual([2, `nuclei ${args[0]}: --${flag} needs a value, got an empty one`]);
    }
    expect(fs.existsSync(path.join(root, 'empty-flag'))).toBe(false);
  });

  it('what a killed run left is cleaned by the next run, not refused (synth killed in its first sample; a probe; a temp file)', async () => {
    const out = path.join(root, 'killed-synth');
    const dead = 999999999;
    fs.mkdirSync(path.join(out, `.synthetic_000.${dead}.0a1b2c3d.tmp`, 'images'), { recursive: true });
    fs.writeFileSync(path.join(out, `.nuclei-write-test.${dead}.0a1b2c3d`), '');
    expect((await runCli(['synth', '--out', out, '--count', '2', '--size', '64'])).code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['synthetic_000', 'synthetic_001']);
    const reports = path.join(root, 'reports');
    fs.mkdirSync(reports);
    fs.writeFileSync(path.join(reports, `.e.json.${dead}.0a1b2c3d.tmp`), '{"half": ');
    expect((await runCli(['evaluate', '--data', out, '--out', path.join(reports, 'e.json'), '--backend', 'wasm'])).code).toBe(0);
    expect(fs.readdirSync(reports)).toEqual(['e.json']);
  });
});
