import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildCliBundle } from './bundle';

// SIGTERM ends every command with 130, as the README says (it was 143, death by the signal, in all
// but train). Each run is signalled once it has printed that it is at work, not after a fixed time,
// so the test holds on a loaded machine.
jest.setTimeout(600_000);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-signals-'));
const data = path.join(root, 'data');
let cli: ReturnType<typeof buildCliBundle>;

beforeAll(() => {
  cli = buildCliBundle('signals');
  expect(spawnSync(process.execPath, [cli.file, 'synth', '--out', data, '--count', '4', '--size', '64']).status).toBe(0);
});
afterAll(() => {
  cli.remove();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Runs the CLI, sends SIGTERM when its output matches `ready`, and resolves with how it ended. */
function terminateWhen(args: string[], ready: RegExp): Promise<{ code: number | null; signal: string | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli.file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let sent = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!sent && ready.test(output)) {
        sent = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
  });
}

describe('SIGTERM', () => {
  it('synth: exit 130, saying so', async () => {
    const r = await terminateWhen(['synth', '--out', path.join(root, 'synth'), '--count', '10000'], /synth \[/);
    expect([r.code, r.signal]).toEqual([130, null]);
    expect(r.output).toMatch(/nuclei synth: stopped \(SIGTERM\)/);
  });

  it('segment: exit 130', async () => {
    // Many copies of one image, so the run is still at work when the signal comes.
    const id = fs.readdirSync(data).sort()[0];
    const images = Array.from({ length: 200 }, (_, i) => {
      const copy = path.join(root, 'images', `copy${i}.png`);
      fs.mkdirSync(path.dirname(copy), { recursive: true });
      fs.copyFileSync(path.join(data, id, 'images', `${id}.png`), copy);
      return copy;
    });
    const r = await terminateWhen(['segment', ...images, '--out', path.join(root, 'seg'), '--backend', 'wasm'], /copy0\.png: \d+ nuclei/);
    expect([r.code, r.signal]).toEqual([130, null]);
    expect(r.output).toMatch(/nuclei segment: stopped \(SIGTERM\)/);
  });

  it('train: stops after the current batch, keeps its checkpoints, exit 130', async () => {
    const out = path.join(root, 'run');
    const args = ['train', '--data', data, '--out', out, '--recipe', 'seed', '--preset', 'small', '--size', '32', '--batch', '2', '--epochs', '1000'];
    const r = await terminateWhen([...args, '--backend', 'wasm', '--workers', '1'], /epoch 1\/1000:/);
    expect([r.code, r.signal]).toEqual([130, null]);
    expect(r.output).toMatch(/stopping after this batch/);
    expect(fs.existsSync(path.join(out, 'last', 'nuclei-model.json'))).toBe(true);
  });
});
