import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'child_process';
import sharp from 'sharp';
import { loadSampleFullSize } from '@nuclei/data';
import { main } from './main';

// One small end-to-end pass through the commands, on the wasm backend (with our training kernels) and a tiny network.
jest.setTimeout(300_000);

function capture() {
  const lines: string[] = [];
  const push = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  const spies = [
    jest.spyOn(console, 'log').mockImplementation(push),
    jest.spyOn(console, 'warn').mockImplementation(push),
    jest.spyOn(console, 'error').mockImplementation(push),
    jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (push(String(s)), true)),
  ];
  return { text: () => lines.join('\n'), restore: () => spies.forEach((s) => s.mockRestore()) };
}

async function run(args: string[]) {
  const out = capture();
  try {
    const code = await main(args);
    return { code, text: out.text() };
  } finally {
    out.restore();
  }
}

describe('nuclei CLI', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-cli-'));
  const data = path.join(root, 'data');
  const model = path.join(root, 'model');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('usage and unknown commands', async () => {
    expect((await run([])).text).toMatch(/nuclei train --data DIR --out DIR/);
    const bad = await run(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.text).toMatch(/unknown command "frobnicate"/);
  });

  test('bad arguments name the problem', async () => {
    expect(await run(['train', '--out', model])).toMatchObject({ code: 2, text: expect.stringMatching(/--data DIR is required/) });
    expect(await run(['train', '--data', data, '--out', model, '--epochs', 'many'])).toMatchObject({
      code: 2,
      text: expect.stringMatching(/--epochs must be an integer/),
    });
    expect(await run(['segment', path.join(root, 'missing.png'), '--out', root])).toMatchObject({
      code: 3,
      text: expect.stringMatching(/missing\.png: no such file/),
    });
    expect(await run(['backend', '--backend', 'tpu'])).toMatchObject({ code: 2, text: expect.stringMatching(/one of auto, gpu, node, wasm, cpu/) });
  });

  test('synth -> train -> resume -> evaluate -> segment', async () => {
    const synth = await run(['synth', '--out', data, '--count', '10', '--size', '64', '--seed', '3']);
    expect(synth.code).toBe(0);
    expect(fs.readdirSync(data)).toHaveLength(10);

    const common = [
      '--data',
      data,
      '--out',
      model,
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
      '--no-cache',
      '--workers',
      '1',
    ];
    const trained = await run(['train', ...common, '--epochs', '1']);
    expect(trained.code).toBe(0);
    expect(trained.text).toMatch(/^backend: wasm/m);
    expect(trained.text).toMatch(/epoch 1\/1: loss \d/);
    for (const f of ['best/model.json', 'last/model.json', 'history.csv', 'history.jsonl']) expect(fs.existsSync(path.join(model, f))).toBe(true);
    expect(fs.readFileSync(path.join(model, 'history.csv'), 'utf8').trim().split('\n')).toHaveLength(2);

    const resumed = await run(['train', ...common, '--epochs', '2', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.text).toMatch(/epochs 2\.\.2/);
    expect(fs.readFileSync(path.join(model, 'history.csv'), 'utf8').trim().split('\n')).toHaveLength(3);

    const published = path.join(root, 'published');
    const pub = await run(['publish', path.join(model, 'best'), '--out', published, '--backend', 'wasm']);
    expect(pub.code).toBe(0);
    expect(pub.text).toMatch(/scoring on 1 held-out images/);
    const meta = JSON.parse(fs.readFileSync(path.join(published, 'nuclei-model.json'), 'utf8'));
    expect(['tile', 'resize']).toContain(meta.segmentation.mode);
    expect(meta.segmentation.basis).toMatch(/mean DSB [\d.]+, best other [\d.]+/);
    expect(meta.metrics.fullsize_dsb).toBeGreaterThanOrEqual(0);
    expect(meta.training.state).toBeUndefined(); // no resume state in a shipped model
    // Shipped without Adam's moments: a third of the checkpoint's weight file.
    expect(fs.statSync(path.join(published, 'weights.bin')).size * 2).toBeLessThan(fs.statSync(path.join(model, 'best', 'weights.bin')).size);
    expect(fs.existsSync(path.join(published, 'history.csv'))).toBe(true);
    // The ONNX graph ships beside the TF.js files, with the model's metadata inside.
    const onnxBytes = fs.readFileSync(path.join(published, 'model.onnx'));
    expect(onnxBytes.toString('latin1')).toContain('nuclei-preprocessing');
    expect(pub.text).toMatch(/^engine: onnx \(onnxruntime-node [\d.]+ cpu, \d threads?\)$/m);

    const verified = await run(['verify', '--model', published, '--data', data, '--backend', 'wasm']);
    expect(verified).toMatchObject({
      code: 0,
      text: expect.stringMatching(/model\.onnx: the same network and weights as the TF\.js files[\s\S]*figures hold/),
    });
    const onnxFile = path.join(root, 'exported.onnx');
    const exported = await run(['export', published, '--format', 'onnx', '--out', onnxFile, '--backend', 'wasm']);
    expect(exported).toMatchObject({ code: 0, text: expect.stringMatching(/wrote .*exported\.onnx/) });
    expect(fs.statSync(onnxFile).size).toBe(onnxBytes.length);
    expect(await run(['export', published, '--format', 'onnx', '--out', onnxFile])).toMatchObject({
      code: 2,
      text: expect.stringMatching(/already exists: add --overwrite/),
    });
    expect(await run(['export', published, '--format', 'pt', '--out', onnxFile])).toMatchObject({
      code: 2,
      text: expect.stringMatching(/--format must be one of onnx, bioimageio/),
    });
    const bioimageio = path.join(root, 'model.bioimageio.zip');
    const packaged = await run(['export', published, '--format', 'bioimageio', '--out', bioimageio, '--name', 'tiny test model']);
    expect(packaged).toMatchObject({
      code: 0,
      text: expect.stringMatching(/bioimage\.io 0\.5\.7: weights\.onnx, tfjs_layers_model\.zip, test_input\.npy, test_output\.npy/),
    });
    expect(fs.readFileSync(bioimageio).toString('latin1')).toContain('name: "tiny test model"');
    expect(await run(['export', published, '--format', 'bioimageio', '--out', path.join(root, 'x.tar')])).toMatchObject({
      code: 2,
      text: expect.stringMatching(/writes a \.zip package/),
    });

    const report = path.join(root, 'report.json');
    const evaluated = await run(['evaluate', '--data', data, '--model', path.join(model, 'best'), '--out', report, '--limit', '2', '--backend', 'wasm']);
    expect(evaluated.code).toBe(0);
    expect(evaluated.text).toMatch(/mean \(2\)/);
    const json = JSON.parse(fs.readFileSync(report, 'utf8'));
    expect(json.rows).toHaveLength(2);

    const id = fs.readdirSync(data).sort()[0];
    const seg = await run(['segment', path.join(data, id, 'images', `${id}.png`), '--model', published, '--out', path.join(root, 'seg'), '--backend', 'wasm']);
    expect(seg.code).toBe(0);
    expect(seg.text).toContain(`segmentation: ${meta.segmentation.mode}`); // the model's recommendation applies
    const tfjsSeg = await run([
      'segment',
      path.join(data, id, 'images', `${id}.png`),
      '--model',
      published,
      '--out',
      path.join(root, 'seg-tfjs'),
      '--backend',
      'wasm',
      '--engine',
      'tfjs',
    ]);
    expect(tfjsSeg.text).toMatch(/^engine: tfjs \(tfjs wasm\)$/m);
    // Same nuclei on either engine (the count line is the same).
    expect(tfjsSeg.text.match(/: \d+ nuclei, mean area [\d.]+ px/)?.[0]).toBe(seg.text.match(/: \d+ nuclei, mean area [\d.]+ px/)?.[0]);
    expect(
      await run(['segment', path.join(data, id, 'images', `${id}.png`), '--model', published, '--out', path.join(root, 'seg-x'), '--engine', 'tpu']),
    ).toMatchObject({ code: 2, text: expect.stringMatching(/--engine must be one of auto, onnx, tfjs/) });
    for (const suffix of ['_mask.png', '_labels.png', '_overlay.png', '.json', '.csv', '_measurements.csv', '_rois.zip', '.geojson']) {
      expect(fs.existsSync(path.join(root, 'seg', `${id}${suffix}`))).toBe(true);
    }
    const only = await run([
      'segment',
      path.join(data, id, 'images', `${id}.png`),
      '--model',
      published,
      '--out',
      path.join(root, 'seg-some'),
      '--outputs',
      'labels,measurements',
      '--pixel-size',
      '0.5',
      '--backend',
      'wasm',
    ]);
    expect(only.code).toBe(0);
    // (and the hidden record of what nuclei wrote, so a later run may replace them)
    expect(fs.readdirSync(path.join(root, 'seg-some')).sort()).toEqual([`.${id}.nuclei-outputs.json`, `${id}_labels.png`, `${id}_measurements.csv`]);
    expect(fs.readFileSync(path.join(root, 'seg-some', `${id}_measurements.csv`), 'utf8')).toMatch(/^label,area_um2,perimeter_um,/);
    expect((await run(['segment', path.join(data, id, 'images', `${id}.png`), '--out', root, '--outputs', 'labels,pdf'])).text).toMatch(/unknown kind "pdf"/);
    // A TIFF that records its pixel size is measured in microns without --pixel-size (sharp's xres is pixels per mm).
    const tif = path.join(root, `${id}.tif`);
    await sharp(path.join(data, id, 'images', `${id}.png`))
      .tiff({ xres: 4000, yres: 4000, resolutionUnit: 'cm' })
      .toFile(tif);
    const microns = await run(['segment', tif, '--model', published, '--out', path.join(root, 'seg-tif'), '--outputs', 'measurements', '--backend', 'wasm']);
    expect(microns.text).toContain(`${tif}: pixel size 0.25 um (from its TIFF resolution); measurements in microns`);
    expect(fs.readFileSync(path.join(root, 'seg-tif', `${id}_measurements.csv`), 'utf8')).toMatch(/^label,area_um2,/);
    expect(tf.memory().numTensors).toBeLessThan(50); // models were disposed
  });

  test('the default recipe: crops, two outputs, resume keeps the run, publish tunes the marker split', async () => {
    const out = path.join(root, 'nuclei-model');
    const common = [
      '--data',
      data,
      '--out',
      out,
      '--preset',
      'nuclei-small',
      '--size',
      '32',
      '--batch',
      '4',
      '--backend',
      'wasm',
      '--workers',
      '1',
      '--val',
      '0.2',
      '--crops',
      '2',
    ];
    const trained = await run(['train', ...common, '--epochs', '1']);
    expect(trained.code).toBe(0);
    expect(trained.text).toMatch(/loaded 10 full-size images .*; 2 32x32 crops per image per epoch/);
    expect(trained.text).toMatch(/^kinds of image: (fluorescence|stained|brightfield) \d+/m);
    const last = JSON.parse(fs.readFileSync(path.join(out, 'last', 'nuclei-model.json'), 'utf8'));
    expect(last.preprocessing).toMatchObject({ kind: 'percentile', low: 1, high: 99.8 });
    expect(last.training.state.options).toMatchObject({ validationSplit: 0.2, batchSize: 4, crops: { cropsPerImage: 2 } });
    expect(last.training.validationIds).toHaveLength(2);

    // A flag that would change the run is refused, naming both values; no flags continue it as it was.
    const changed = await run(['train', '--data', data, '--out', out, '--resume', '--val', '0.3', '--epochs', '2', '--backend', 'wasm']);
    expect(changed.code).toBe(2);
    expect(changed.text).toMatch(/--val 0.3 differs from the run in .* \(val 0.2\)/);
    expect((await run(['train', '--data', data, '--out', out, '--resume', '--balance-kinds', '0.5', '--backend', 'wasm'])).text).toMatch(
      /--balance-kinds 0.5 differs from the run in .* \(balance-kinds 0\)/,
    );
    const resumed = await run(['train', '--data', data, '--out', out, '--resume', '--epochs', '2', '--backend', 'wasm', '--workers', '1']);
    expect(resumed.code).toBe(0);
    // A finished run made longer: its cosine schedule is recomputed over the new total, and that is said.
    expect(resumed.text).toMatch(
      /warning: --epochs 2 changes the length of the run in .* \(1 epoch, finished, last learning rate [\d.e-]+\): its cosine learning-rate schedule is recomputed over 2 epochs/,
    );
    const again = JSON.parse(fs.readFileSync(path.join(out, 'last', 'nuclei-model.json'), 'utf8'));
    expect(again.training.validationIds).toEqual(last.training.validationIds);
    expect(again.training.state.options).toMatchObject({ validationSplit: 0.2, batchSize: 4, epochs: 2, crops: { cropsPerImage: 2 } });
    expect(again.preprocessing).toEqual(last.preprocessing);

    const published = path.join(root, 'nuclei-published');
    const pub = await run(['publish', path.join(out, 'best'), '--out', published, '--backend', 'wasm']);
    expect(pub.code).toBe(0);
    expect(pub.text).toMatch(/tile x1\.5, markers t1 0\.5 t2 0\.5 min 4/);
    const meta = JSON.parse(fs.readFileSync(path.join(published, 'nuclei-model.json'), 'utf8'));
    expect(meta.preprocessing).toEqual(last.preprocessing);
    expect(['markers', 'watershed']).toContain(meta.segmentation.split);
    expect(Object.keys(meta.metrics).some((k) => k.startsWith('fullsize_dsb_'))).toBe(true);
  });

  test('the nuclei recipe with one gray input channel trains and segments', async () => {
    const out = path.join(root, 'gray-model');
    const r = await run([
      'train',
      '--data',
      data,
      '--out',
      out,
      '--preset',
      'nuclei-small',
      '--size',
      '32',
      '--batch',
      '4',
      '--epochs',
      '1',
      '--crops',
      '1',
      '--input',
      'gray',
      '--loss',
      'bce',
      '--backend',
      'wasm',
      '--workers',
      '1',
    ]);
    expect(r.code).toBe(0);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'best', 'nuclei-model.json'), 'utf8'));
    expect(meta.preprocessing.channels).toBe('gray');
    expect(meta.config).toMatchObject({ inputChannels: 1, loss: 'bce' });
    expect(meta.preset).toBe('custom');
    const id = fs.readdirSync(data).sort()[0];
    const seg = await run([
      'segment',
      path.join(data, id, 'images', `${id}.png`),
      '--model',
      path.join(out, 'best'),
      '--out',
      path.join(root, 'gray-seg'),
      '--backend',
      'wasm',
    ]);
    expect(seg.code).toBe(0);
    expect(seg.text).toMatch(/gray, invert auto/);
  });

  test('trains and evaluates on image + label-image pairs (the layout Cellpose and napari write)', async () => {
    const pairs = path.join(root, 'pairs');
    fs.mkdirSync(pairs);
    for (const id of fs.readdirSync(data).sort().slice(0, 6)) {
      const s = await loadSampleFullSize(data, id);
      fs.copyFileSync(path.join(data, id, 'images', `${id}.png`), path.join(pairs, `${id}.png`));
      await sharp(Uint16Array.from(s.labels), { raw: { width: s.image.width, height: s.image.height, channels: 1 } })
        .toColourspace('grey16')
        .png()
        .toFile(path.join(pairs, `${id}_labels.png`));
    }
    const out = path.join(root, 'pairs-model');
    const r = await run([
      'train',
      '--data',
      pairs,
      '--out',
      out,
      '--preset',
      'nuclei-small',
      '--size',
      '32',
      '--batch',
      '4',
      '--epochs',
      '1',
      '--crops',
      '1',
      '--val',
      '0.34',
      '--backend',
      'wasm',
      '--workers',
      '1',
    ]);
    expect(r).toMatchObject({ code: 0, text: expect.stringMatching(/loaded 6 full-size images/) });
    const evaluated = await run(['evaluate', '--data', pairs, '--model', path.join(out, 'best'), '--backend', 'wasm']);
    expect(evaluated).toMatchObject({ code: 0, text: expect.stringMatching(/mean \(6\)/) });
    // Fine-tuning from that model: its network, normalisation and segmentation settings, a tenth of its learning rate.
    const srcFile = path.join(out, 'best', 'nuclei-model.json');
    const published = { mode: 'tile', scale: 1.5, split: 'markers', threshold: 0.6, borderThreshold: 0.05, minMarker: 12, minArea: 32, basis: 'as published' };
    fs.writeFileSync(srcFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(srcFile, 'utf8')), segmentation: published }));
    const tuned = path.join(root, 'pairs-tuned');
    const ft = await run([
      'train',
      '--data',
      pairs,
      '--out',
      tuned,
      '--from',
      path.join(out, 'best'),
      '--batch',
      '4',
      '--epochs',
      '1',
      '--crops',
      '1',
      '--val',
      '0.34',
      '--backend',
      'wasm',
      '--workers',
      '1',
    ]);
    expect(ft).toMatchObject({
      code: 0,
      text: expect.stringMatching(
        /fine-tuning .*pairs-model.best \(nuclei recipe, learning rate 0\.0002\)[\s\S]*nothing to mix in from .*pairs: every image there is in this dataset/,
      ),
    });
    const ftMeta = JSON.parse(fs.readFileSync(path.join(tuned, 'last', 'nuclei-model.json'), 'utf8'));
    const srcMeta = JSON.parse(fs.readFileSync(path.join(out, 'best', 'nuclei-model.json'), 'utf8'));
    expect(ftMeta.training.fineTunedFrom).toBe('pairs-model/best');
    expect(ftMeta.training.baseModel).toMatchObject({ name: 'pairs-model/best', createdAt: srcMeta.createdAt });
    expect(ftMeta.training.fineTuneImages).toHaveLength(6);
    const { basis, ...kept } = ftMeta.segmentation;
    const { basis: _published, ...settings } = published;
    expect(kept).toEqual(settings);
    expect(basis).toMatch(/kept from its base model pairs-model\/best \(as published\)/);
    expect(JSON.parse(fs.readFileSync(path.join(tuned, 'best', 'nuclei-model.json'), 'utf8')).segmentation).toEqual(ftMeta.segmentation);
    // Publishing it on its 2 held-out images: too few to re-tune, so the kept settings are scored and stay.
    const pub = await run(['publish', path.join(tuned, 'best'), '--out', path.join(root, 'pairs-tuned-pub'), '--backend', 'wasm']);
    expect(pub).toMatchObject({ code: 0, text: expect.stringMatching(/\(kept from its base model\)[\s\S]*too few to re-tune/) });
    const pubMeta = JSON.parse(fs.readFileSync(path.join(root, 'pairs-tuned-pub', 'nuclei-model.json'), 'utf8'));
    expect({ ...pubMeta.segmentation, basis: undefined }).toEqual({ ...settings, basis: undefined });
    expect(pubMeta.metrics.fullsize_dsb).toEqual(expect.any(Number));
    expect(ftMeta.config).toEqual({ ...srcMeta.config, learningRate: 0.0002 });
    expect(ftMeta.preprocessing).toEqual(srcMeta.preprocessing);
    expect(await run(['train', '--data', pairs, '--out', path.join(root, 'x'), '--from', path.join(out, 'best'), '--size', '64'])).toMatchObject({
      code: 2,
      text: expect.stringMatching(/--from keeps the model's network and normalisation: --size cannot change them/),
    });
    const seed = await run([
      'train',
      '--data',
      pairs,
      '--out',
      path.join(root, 'pairs-seed'),
      '--recipe',
      'seed',
      '--size',
      '32',
      '--epochs',
      '1',
      '--backend',
      'wasm',
      '--no-cache',
    ]);
    expect(seed).toMatchObject({ code: 3, text: expect.stringMatching(/the seed recipe reads only the Data Science Bowl layout/) });
  });

  test('the bundled CLI trains with two data-parallel replicas (worker threads run the bundle itself)', () => {
    // Workers start on the running script, so this needs the real esbuild bundle, not ts sources.
    const bundle = path.join(__dirname, '..', 'dist', `test-bundle-${process.pid}.js`);
    const esbuild = require('esbuild');
    esbuild.buildSync({
      entryPoints: [path.join(__dirname, 'main.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['@tensorflow/*', 'sharp', 'onnxruntime-node'],
      tsconfig: path.join(__dirname, '../../../tsconfig.base.json'),
      logLevel: 'error',
    });
    try {
      const out = path.join(root, 'parallel-model');
      const r = spawnSync(
        process.execPath,
        [
          bundle,
          'train',
          '--data',
          data,
          '--out',
          out,
          '--preset',
          'nuclei-small',
          '--size',
          '32',
          '--crops',
          '2',
          '--batch',
          '4',
          '--epochs',
          '1',
          '--backend',
          'wasm',
          '--workers',
          '2',
          '--no-cache',
        ],
        { encoding: 'utf8', timeout: 240_000 },
      );
      expect(r.stderr + r.stdout).toMatch(/data-parallel: 2 replicas per batch/);
      expect(r.status).toBe(0);
      expect(r.stderr + r.stdout).toMatch(/epoch 1\/1: loss \d/);
      expect(fs.existsSync(path.join(out, 'best', 'model.json'))).toBe(true);
    } finally {
      fs.rmSync(bundle, { force: true });
    }
  });
});
