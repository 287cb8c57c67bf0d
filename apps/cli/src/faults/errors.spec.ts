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
  [
    'output under a file',
    () => ['segment', image(), '--out', path.join(image(), 'sub'), '--backend', 'wasm'],
    4,
    /sub: output folder is not writable: part of the path is a file, not a folder \(ENOTDIR\)/,
  ],
  ['synth into a file', () => ['synth', '--out', image(), '--count', '1'], 4, /is a file, not a folder/],
  ['synth under a file', () => ['synth', '--out', path.join(image(), 'x'), '--count', '1'], 4, /part of the path is a file, not a folder \(ENOTDIR\)/],
  [
    'train into a file',
    () => {
      fs.writeFileSync(path.join(root, 'a-file'), '');
      return ['train', '--data', data, '--out', path.join(root, 'a-file'), '--backend', 'wasm'];
    },
    4,
    /a-file is a file, not a folder/,
  ],
  ['evaluate --out under a file', () => ['evaluate', '--data', data, '--out', path.join(image(), 'e.json'), '--backend', 'wasm'], 4, /is a file, not a folder/],
  [
    'publish --out under a file',
    () => ['publish', path.join(root, 'run', 'best'), '--out', path.join(image(), 'm'), '--backend', 'wasm'],
    4,
    /is a file, not a folder/,
  ],
  [
    'export --out under a file',
    () => ['export', path.join(root, 'run', 'best'), '--format', 'onnx', '--out', path.join(image(), 'm.onnx')],
    4,
    /is a file, not a folder/,
  ],
  [
    'an output file where a folder is',
    () => {
      const out = path.join(root, 'o10');
      const id = fs.readdirSync(data).sort()[0];
      fs.mkdirSync(path.join(out, `${id}_mask.png`), { recursive: true });
      return ['segment', image(), '--out', out, '--backend', 'wasm'];
    },
    4,
    /_mask\.png is a folder where an output file would go/,
  ],
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
  [
    'a huge tile size',
    () => ['segment', image(), '--out', path.join(root, 'o5'), '--tile-size', '100000'],
    2,
    /--tile-size must be an integer from 16 to 2048/,
  ],
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
    3,
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

// Every numeric flag has a range: past it, a usage error naming the flag and the range, before
// anything is read or written (--threads 1000 hung, --crops 99999999 killed Node, synth --size
// 99999999 printed an internal message).
describe('numeric flags out of range', () => {
  const out = () => path.join(root, 'bounded');
  const bounds: Array<[string[], string, string]> = [
    [['segment', '<image>', '--out', '<out>', '--threads', '1000'], 'threads', `1 to ${os.availableParallelism()}`],
    [['segment', '<image>', '--out', '<out>', '--min-area', '99999999'], 'min-area', '0 to 1000000'],
    [['segment', '<image>', '--out', '<out>', '--min-marker', '99999999'], 'min-marker', '1 to 1000000'],
    [['segment', '<image>', '--out', '<out>', '--channel', '100000'], 'channel', '0 to 999'],
    [['evaluate', '--data', '<data>', '--out', '<out>/e.json', '--limit', '99999999'], 'limit', '1 to 1000000'],
    [['evaluate', '--data', '<data>', '--threads', '1000'], 'threads', `1 to ${os.availableParallelism()}`],
    [['train', '--data', '<data>', '--out', '<out>', '--crops', '99999999'], 'crops', '1 to 1000'],
    [['train', '--data', '<data>', '--out', '<out>', '--epochs', '99999999'], 'epochs', '1 to 10000'],
    [['train', '--data', '<data>', '--out', '<out>', '--batch', '99999999'], 'batch', '1 to 256'],
    [['train', '--data', '<data>', '--out', '<out>', '--size', '99999999'], 'size', '16 to 512'],
    [['train', '--data', '<data>', '--out', '<out>', '--seed', '99999999999'], 'seed', '0 to 4294967295'],
    [['train', '--data', '<data>', '--out', '<out>', '--patience', '99999999'], 'patience', '1 to 10000'],
    [['train', '--data', '<data>', '--out', '<out>', '--reduce-lr', '99999999'], 'reduce-lr', '1 to 10000'],
    [['train', '--data', '<data>', '--out', '<out>', '--workers', '99999999'], 'workers', '1 to 1024'],
    [['synth', '--out', '<out>', '--size', '99999999'], 'size', '32 to 2048'],
    [['synth', '--out', '<out>', '--count', '99999999'], 'count', '1 to 10000'],
    [['synth', '--out', '<out>', '--seed', '99999999999'], 'seed', '0 to 4294967295'],
    [['demo', '--out', '<out>', '--count', '99999999'], 'count', '10 to 1000'],
    [['demo', '--out', '<out>', '--epochs', '99999999'], 'epochs', '1 to 10000'],
    [['publish', '<checkpoint>', '--out', '<out>', '--limit', '99999999'], 'limit', '1 to 1000000'],
    [['publish', '<checkpoint>', '--out', '<out>', '--threads', '1000'], 'threads', `1 to ${os.availableParallelism()}`],
    [['verify', '--model', '<checkpoint>', '--limit', '99999999'], 'limit', '1 to 1000000'],
  ];
  it.each(bounds)('%j', async (template, flag, range) => {
    const fill: Record<string, string> = { '<image>': image(), '<out>': out(), '<data>': data, '<checkpoint>': path.join(root, 'run', 'best') };
    const args = template.map((a) => a.replace(/<[a-z]+>/, (m) => fill[m]));
    const r = await runCli(args);
    expect([r.code, r.err[0]]).toEqual([2, expect.stringContaining(`nuclei ${args[0]}: --${flag} must be an integer from ${range}, got`)]);
    expect(fs.existsSync(out())).toBe(false);
  });
});

// verify compares a model with what it was published with; with nothing to compare it must not say
// "figures hold" (exit 1, one line, before any scoring).
describe('verify with nothing to compare', () => {
  const published = path.join(root, 'published');
  beforeAll(async () => {
    expect((await runCli(['publish', path.join(root, 'run', 'best'), '--out', published, '--backend', 'wasm'])).code).toBe(0);
  });
  const verify = (model: string) => runCli(['verify', '--model', model, '--data', data, '--backend', 'wasm']);
  const variant = (name: string, change: (dir: string) => void) => {
    const dir = path.join(root, name);
    fs.cpSync(published, dir, { recursive: true });
    change(dir);
    return dir;
  };
  const editMetadata = (dir: string, edit: (m: { training: Record<string, unknown>; metrics: Record<string, number> }) => void) => {
    const file = path.join(dir, 'nuclei-model.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    edit(m);
    fs.writeFileSync(file, JSON.stringify(m));
  };

  it('a published model verifies', async () => {
    const r = await verify(published);
    expect([r.code, r.out.join('\n')]).toEqual([0, expect.stringMatching(/figures hold/)]);
  });

  it('a published model records where its dataset was at publish time, and verify finds it there without --data', async () => {
    expect(JSON.parse(fs.readFileSync(path.join(published, 'nuclei-model.json'), 'utf8')).training).toMatchObject({ dataset: 'data', datasetPath: data });
    const env = process.env.NUCLEI_DSB_DIR;
    delete process.env.NUCLEI_DSB_DIR;
    try {
      const r = await runCli(['verify', '--model', published, '--backend', 'wasm']);
      expect([r.code, r.out.join('\n')]).toEqual([0, expect.stringMatching(new RegExp(`held-out images in ${data};[\\s\\S]*figures hold`))]);
    } finally {
      if (env !== undefined) process.env.NUCLEI_DSB_DIR = env;
    }
  });

  it.each([
    [
      'an unpublished checkpoint',
      () => path.join(root, 'run', 'best'),
      /best: records no full-size dsb, ap50, iou: nothing to verify it against \(a checkpoint/,
    ],
    [
      'recorded figures removed',
      () => variant('no-figures', (d) => editMetadata(d, (m) => delete m.metrics.fullsize_ap50)),
      /no-figures: records no full-size ap50: nothing to verify it against/,
    ],
    [
      'held-out ids removed',
      () => variant('no-ids', (d) => editMetadata(d, (m) => delete m.training.validationIds)),
      /no-ids: records no held-out images: nothing to verify it against/,
    ],
    [
      'a fine-tuned model published with no held-out images',
      () =>
        variant('fine-tuned', (d) =>
          editMetadata(d, (m) => {
            m.training.fineTunedFrom = 'models/default';
            m.training.validationIds = [];
            for (const k of Object.keys(m.metrics)) if (k.startsWith('fullsize_')) delete m.metrics[k];
          }),
        ),
      /fine-tuned: fine-tuned and published with no held-out images: nothing to verify it against/,
    ],
    [
      'evaluation.json removed',
      () => variant('no-evaluation', (d) => fs.rmSync(path.join(d, 'evaluation.json'))),
      /no-evaluation: evaluation\.json is missing/,
    ],
    ['model.onnx removed', () => variant('no-onnx', (d) => fs.rmSync(path.join(d, 'model.onnx'))), /no-onnx: model\.onnx is missing/],
  ])('%s: exit 1 with the reason', async (_name, model, message) => {
    const r = await verify(model());
    expect([r.code, r.err]).toEqual([1, [expect.stringMatching(message)]]);
    expect(r.out.join('\n')).not.toMatch(/figures hold|verifying/);
  });
});
