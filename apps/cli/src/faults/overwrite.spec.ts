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

  it('segment keeps going past a bad image and exits non-zero at the end', async () => {
    const [a] = fs.readdirSync(data).sort();
    const bad = path.join(root, 'broken.png');
    fs.writeFileSync(bad, 'not a png');
    const out = path.join(root, 'seg2');
    const r = await runCli(['segment', bad, path.join(data, a, 'images', `${a}.png`), '--out', out, '--backend', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/broken\.png: not an image/);
    expect(r.err.join('\n')).toMatch(/1 of 2 images failed/);
    expect(fs.existsSync(path.join(out, `${a}_labels.png`))).toBe(true);
  });
});
