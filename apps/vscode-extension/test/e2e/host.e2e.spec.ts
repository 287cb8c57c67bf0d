// Opt-in (NUCLEI_E2E=1): the PACKAGED extension (unpacked .vsix, outside this repository's
// node_modules) loaded in plain Node with a stub `vscode`, segmenting a real image: checks the
// bundle, the shipped sharp, the wasm binaries and the model load where the extension is installed.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { E2E, makeWorkspace, packagedVsix, unpackVsix } from './support';

const run = E2E ? describe : describe.skip;
if (!E2E) {
  process.stderr.write('SKIPPED packaged-extension host test: set NUCLEI_E2E=1 (npm run e2e -w nuclei-vscode)\n');
}

function runHost(ext: string, cwd: string, settings: string, mode: string, ...paths: string[]): any {
  const stdout = execFileSync(process.execPath, [path.join(__dirname, 'host-runner.js'), ext, settings, mode, ...paths], {
    cwd,
    env: { ...process.env, NODE_PATH: '' },
    maxBuffer: 64 << 20,
  }).toString();
  return JSON.parse(stdout.split('\nRESULT ').pop()!);
}

run(`packaged extension in a Node host${E2E ? '' : ' (SKIPPED: set NUCLEI_E2E=1)'}`, () => {
  jest.setTimeout(180_000);

  it('segments an image with the shipped sharp and the wasm backend, and saves the outputs', async () => {
    const { vsix, hasModel } = packagedVsix();
    const ext = unpackVsix(vsix);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-host-'));
    const ws = await makeWorkspace(tmp, !hasModel);
    const settings = path.join(tmp, 'settings.json');
    fs.writeFileSync(settings, JSON.stringify({ 'nuclei.backend': 'wasm', ...(ws.modelDir ? { 'nuclei.modelPath': ws.modelDir } : {}) }));
    const result = runHost(ext, tmp, settings, 'segment', ws.image);
    console.log(`host run: ${result.ms} ms, ${result.count} nuclei, output:\n${(result.output ?? []).join('\n')}`);
    expect(result.fatal).toBeUndefined();
    expect(result.errors).toEqual([]);
    expect(result.commands.filter((c: string) => !c.startsWith('nuclei.viewer.')).sort()).toEqual([
      'nuclei.compareModels',
      'nuclei.evaluateModel',
      'nuclei.fineTuneOnCorrections',
      'nuclei.labelsViewer.pickImage',
      'nuclei.openSlide',
      'nuclei.segmentFolder',
      'nuclei.segmentImage',
      'nuclei.selectModel',
      'nuclei.trainModel',
    ]);
    expect(result.commands.filter((c: string) => c.startsWith('nuclei.viewer.'))).toHaveLength(6);
    expect(result.statusBar[0]).toMatch(/^\$\(symbol-color\) Nuclei: /);
    expect(result.output.join('\n')).toMatch(/backend: wasm/);
    // Prediction ran on the ONNX Runtime shipped inside the .vsix.
    expect(result.output.join('\n')).toMatch(/engine: onnx \(onnxruntime-node [\d.]+ cpu/);
    expect(result.width).toBe(192);
    expect(typeof result.count).toBe('number');
    if (hasModel) expect(result.count).toBeGreaterThan(0);
    expect(result.saved.map((f: string) => path.basename(f)).sort()).toEqual([
      'cells.csv',
      'cells.geojson',
      'cells.json',
      'cells_labels.png',
      'cells_mask.png',
      'cells_measurements.csv',
      'cells_overlay.png',
      'cells_rois.zip',
    ]);
    for (const f of result.saved) expect(fs.statSync(f).size).toBeGreaterThan(0);
    expect(result.roots).toEqual([path.join(ext, 'dist/webview'), ws.dir]);
    fs.rmSync(path.dirname(ext), { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('trains on a small synthetic DSB dataset (checkpoints, new model offered), then evaluates it', async () => {
    const { vsix } = packagedVsix();
    const ext = unpackVsix(vsix);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-host-train-'));
    const dataset = path.join(tmp, 'stage1_train');
    const { generateSyntheticDataset } = await import('@nuclei/data');
    await generateSyntheticDataset(dataset, { count: 6, width: 96, height: 96, seed: 3 });
    const out = path.join(tmp, 'model-out');
    const settings = path.join(tmp, 'settings.json');
    fs.writeFileSync(settings, JSON.stringify({ 'nuclei.backend': 'wasm', 'nuclei.epochs': 1, 'nuclei.batchSize': 3, 'nuclei.inputSize': 64 }));
    const trained = runHost(ext, tmp, settings, 'train', dataset, out);
    process.stderr.write(`host train: ${trained.ms} ms\n${(trained.output ?? []).join('\n')}\n`);
    expect(trained.fatal).toBeUndefined();
    expect(trained.errors).toEqual([]);
    expect(trained.returned.status).toBe('completed');
    expect(fs.existsSync(path.join(trained.returned.modelDir, 'model.json'))).toBe(true);
    expect(trained.updates).toEqual([{ key: 'nuclei.modelPath', value: trained.returned.modelDir }]);
    expect(trained.messageTypes).toEqual(expect.arrayContaining(['trainStart', 'trainProgress', 'trainDone']));
    expect(trained.output.join('\n')).toMatch(/epoch 1\/1 loss/);
    // On wasm the packaged extension trains with one replica per core (dist/training-worker.js).
    const replicas = Math.min(4, require('os').cpus().length);
    expect(trained.output.join('\n')).toMatch(replicas > 1 ? new RegExp(`${replicas} replicas \\(data-parallel threads\\) per batch`) : /1 replica per batch/);

    fs.writeFileSync(settings, JSON.stringify({ 'nuclei.backend': 'wasm', 'nuclei.modelPath': trained.returned.modelDir }));
    const evaluated = runHost(ext, tmp, settings, 'evaluate', dataset);
    expect(evaluated.fatal).toBeUndefined();
    expect(evaluated.errors).toEqual([]);
    expect(evaluated.evaluation.table.rows).toHaveLength(6);
    expect(evaluated.evaluation.table.columns).toContain('DSB score');
    expect(evaluated.output.join('\n')).toMatch(/evaluate: \S+ on stage1_train\n/);
    fs.rmSync(path.dirname(ext), { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
