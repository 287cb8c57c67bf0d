import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '@nuclei/model';
import { buildCliBundle, seeded } from './bundle';

// kill -9 at seeded random moments of training and of segment's writes: checkpoints must stay
// loadable and resumable, outputs complete or absent (never truncated).
jest.setTimeout(900_000);

const TRIALS = 10;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-kill-'));
const data = path.join(root, 'data');
const big = path.join(root, 'big');
let cli: ReturnType<typeof buildCliBundle>;

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  cli = buildCliBundle('kill');
  const r = spawnSync(process.execPath, [cli.file, 'synth', '--out', data, '--count', '8', '--size', '64'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  // Larger images for segment, so its run lasts long enough for kills to land in the writes.
  const b = spawnSync(process.execPath, [cli.file, 'synth', '--out', big, '--count', '4', '--size', '640'], { encoding: 'utf8' });
  expect(b.status).toBe(0);
});
afterAll(() => {
  cli.remove();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Starts the CLI and SIGKILLs it after `ms`; resolves when it is gone. */
function runAndKill(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli.file, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const trainArgs = (out: string) => [
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
  '--backend',
  'wasm',
  '--workers',
  '1',
];

describe('kill -9 during training', () => {
  it(`leaves loadable checkpoints that resume, in ${TRIALS} seeded trials`, async () => {
    const rng = seeded(2024);
    let withCheckpoint = 0;
    for (let t = 0; t < TRIALS; t++) {
      const out = path.join(root, `train-${t}`);
      await runAndKill([...trainArgs(out), '--epochs', '40'], 1500 + rng() * 5000);
      for (const which of ['best', 'last']) {
        const dir = path.join(out, which);
        if (!fs.existsSync(dir)) continue;
        const { model } = await loadModel(dir); // throws on a half-written checkpoint
        model.dispose();
      }
      if (fs.existsSync(path.join(out, 'last'))) {
        withCheckpoint++;
        // The lock of the killed run is stale, its temp folders are cleaned, and the run continues.
        const meta = JSON.parse(fs.readFileSync(path.join(out, 'last', 'nuclei-model.json'), 'utf8'));
        const next = meta.training.state.epoch + 2;
        const r = spawnSync(
          process.execPath,
          [cli.file, 'train', '--data', data, '--out', out, '--resume', '--epochs', String(next), '--backend', 'wasm', '--workers', '1'],
          { encoding: 'utf8' },
        );
        expect([r.status, r.stderr.split('\n').filter((l) => /error|failed/i.test(l))]).toEqual([0, []]);
        expect(fs.readdirSync(out).filter((n) => n.includes('.saving-'))).toEqual([]);
      }
    }
    // The kill times span start-up and mid-training: most trials had at least one checkpoint.
    expect(withCheckpoint).toBeGreaterThanOrEqual(TRIALS / 2);
  });
});

describe('kill -9 during segment', () => {
  it(`leaves every output complete (the earlier one or the new one) or absent, in ${TRIALS} seeded trials`, async () => {
    const ids = fs.readdirSync(big).sort();
    const images = ids.map((id) => path.join(big, id, 'images', `${id}.png`));
    const out = path.join(root, 'seg');
    const suffixes = ['_mask.png', '_labels.png', '_overlay.png', '.json', '.csv'];
    const check = async () => {
      for (const id of ids) {
        for (const s of suffixes) {
          const f = path.join(out, `${id}${s}`);
          if (!fs.existsSync(f)) continue;
          if (s.endsWith('.png'))
            await sharp(f).raw().toBuffer(); // decodes completely
          else if (s === '.json') JSON.parse(fs.readFileSync(f, 'utf8'));
          else expect(fs.readFileSync(f, 'utf8')).toMatch(/^ImageId,EncodedPixels\n(.*\n)*$/);
        }
      }
    };
    const full = Date.now();
    expect(spawnSync(process.execPath, [cli.file, 'segment', ...images, '--out', out, '--backend', 'wasm']).status).toBe(0);
    const ms = Date.now() - full;
    const rng = seeded(7);
    for (let t = 0; t < TRIALS; t++) {
      // Kill somewhere in the second half of a run (start-up first, then predict-and-write per image).
      await runAndKill(['segment', ...images, '--out', out, '--backend', 'wasm'], ms * (0.4 + 0.6 * rng()));
      await check();
    }
    // A full run afterwards completes everything and removes the killed runs' temp files.
    const r = spawnSync(process.execPath, [cli.file, 'segment', ...images, '--out', out, '--backend', 'wasm'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    await check();
    expect(fs.readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    for (const id of ids) for (const s of suffixes) expect(fs.existsSync(path.join(out, `${id}${s}`))).toBe(true);
  });
});
