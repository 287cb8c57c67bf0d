import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from './run-cli';

// Every class of user error: a non-zero code of its kind and one line naming the file and the
// problem (no stack trace unless --verbose).
jest.setTimeout(300_000);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-errors-'));
const data = path.join(root, 'data');
const image = () => {
  const id = fs.readdirSync(data).sort()[0];
  return path.join(data, id, 'images', `${id}.png`);
};
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  expect((await runCli(['synth', '--out', data, '--count', '3', '--size', '64'])).code).toBe(0);
  // A model folder to break in various ways.
  expect(
    (
      await runCli([
        'train',
        '--data',
        data,
        '--out',
        path.join(root, 'run'),
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
      ])
    ).code,
  ).toBe(0);
});

function brokenModel(name: string, breakIt: (dir: string) => void): string {
  const dir = path.join(root, name);
  fs.cpSync(path.join(root, 'run', 'best'), dir, { recursive: true });
  breakIt(dir);
  return dir;
}

const cases: Array<[string, () => string[], number, RegExp]> = [
  ['unknown option (the command named once)', () => ['train', '--batch-size', '2'], 2, /^nuclei train: Unknown option '--batch-size'/],
  ['no command', () => [], 2, /./],
  ['missing model folder', () => ['segment', image(), '--out', path.join(root, 'o1'), '--model', path.join(root, 'nope'), '--backend', 'wasm'], 3, /nope/],
  [
    'corrupt model.json',
    () => [
      'segment',
      image(),
      '--out',
      path.join(root, 'o2'),
      '--model',
      brokenModel('corrupt', (d) => fs.writeFileSync(path.join(d, 'model.json'), '{oops')),
      '--backend',
      'wasm',
    ],
    3,
    /corrupt.*model\.json/,
  ],
  [
    'weights full of NaN',
    () => [
      'segment',
      image(),
      '--out',
      path.join(root, 'o3'),
      '--model',
      brokenModel('nan', (d) => {
        const f = path.join(d, 'weights.bin');
        fs.writeFileSync(f, Buffer.from(new Float32Array(fs.statSync(f).size / 4).fill(NaN).buffer));
      }),
      '--backend',
      'wasm',
    ],
    3,
    /weights\.bin: weight .* NaN or infinite/,
  ],
  ['output under a file', () => ['segment', image(), '--out', path.join(image(), 'sub'), '--backend', 'wasm'], 3, /output folder is not writable/],
  ['a backend that is not installed', () => ['backend', '--backend', 'gpu'], 3, /--backend gpu/],
  [
    'an empty dataset',
    () => {
      fs.mkdirSync(path.join(root, 'empty'), { recursive: true });
      return ['evaluate', '--data', path.join(root, 'empty'), '--out', path.join(root, 'e.json'), '--backend', 'wasm'];
    },
    3,
    /empty/,
  ],
  ['a bad tile size', () => ['segment', image(), '--out', path.join(root, 'o4'), '--tile-size', '17'], 2, /--tile-size must be a multiple of 16/],
  ['a huge tile size', () => ['segment', image(), '--out', path.join(root, 'o5'), '--tile-size', '100000'], 2, /too large/],
  [
    'too many workers',
    () => ['train', '--data', data, '--out', path.join(root, 'w'), '--workers', '64', '--backend', 'wasm'],
    2,
    /more than this machine's \d+ cores/,
  ],
  [
    'a FIFO as the image',
    () => {
      const f = path.join(root, 'fifo.png');
      require('child_process').spawnSync('mkfifo', [f]);
      return ['segment', f, '--out', path.join(root, 'o6')];
    },
    2,
    /not a regular file/,
  ],
  [
    'a marker flag with a watershed model',
    () => ['segment', image(), '--out', path.join(root, 'o9'), '--model', path.join(root, 'run', 'best'), '--min-marker', '3', '--backend', 'wasm'],
    2,
    /--min-marker only apply to --split markers/,
  ],
  [
    '--crops with the seed recipe',
    () => ['train', '--data', data, '--out', path.join(root, 'c'), '--recipe', 'seed', '--crops', '3'],
    2,
    /--crops only applies to the crop recipe/,
  ],
  [
    'resize mode with tile flags',
    () => ['segment', image(), '--out', path.join(root, 'o7'), '--mode', 'resize', '--tta'],
    2,
    /--tta only apply to --mode tile/,
  ],
];

// Where tfjs-node-gpu does install, --backend gpu loads: that case only applies where it is absent.
const gpuInstalled = (() => {
  try {
    require.resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
})();
if (gpuInstalled)
  cases.splice(
    cases.findIndex((c) => c[0].startsWith('a backend')),
    1,
  );

describe('user errors', () => {
  it.each(cases)('%s: non-zero, one line', async (_name, args, code, message) => {
    const r = await runCli(args());
    expect(r.code).toBe(code);
    const lines = r.err.filter((l) => l.trim() && !l.startsWith('warning:'));
    if (args().length) {
      expect(lines[0]).toMatch(message);
      // One line, or a usage error's line followed by its help (never a stack trace).
      expect(lines.join('\n')).not.toMatch(/^\s+at /m);
      if (code !== 2) expect(lines).toHaveLength(1);
    }
  });

  it('--verbose adds the stack trace', async () => {
    const r = await runCli(['segment', image(), '--out', path.join(root, 'o8'), '--model', path.join(root, 'nope'), '--backend', 'wasm', '--verbose']);
    expect(r.code).toBe(3);
    expect(r.err.join('\n')).toMatch(/^\s+at /m);
  });
});
