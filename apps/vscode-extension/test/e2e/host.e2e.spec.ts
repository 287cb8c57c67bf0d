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

run(`packaged extension in a Node host${E2E ? '' : ' (SKIPPED: set NUCLEI_E2E=1)'}`, () => {
  jest.setTimeout(180_000);

  it('segments an image with the shipped sharp and the wasm backend, and saves the outputs', async () => {
    const { vsix, hasModel } = packagedVsix();
    const ext = unpackVsix(vsix);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-host-'));
    const ws = await makeWorkspace(tmp, !hasModel);
    const settings = path.join(tmp, 'settings.json');
    fs.writeFileSync(settings, JSON.stringify({ 'nuclei.backend': 'wasm', ...(ws.modelDir ? { 'nuclei.modelPath': ws.modelDir } : {}) }));
    const stdout = execFileSync(process.execPath, [path.join(__dirname, 'host-runner.js'), ext, ws.image, settings], {
      cwd: tmp, env: { ...process.env, NODE_PATH: '' }, maxBuffer: 64 << 20,
    }).toString();
    const result = JSON.parse(stdout.split('\nRESULT ').pop()!);
    // eslint-disable-next-line no-console
    console.log(`host run: ${result.ms} ms, ${result.count} nuclei, output:\n${(result.output ?? []).join('\n')}`);
    expect(result.fatal).toBeUndefined();
    expect(result.errors).toEqual([]);
    expect(result.commands.sort()).toEqual(['nuclei.evaluateModel', 'nuclei.segmentImage', 'nuclei.trainModel']);
    expect(result.output.join('\n')).toMatch(/backend: wasm/);
    expect(result.width).toBe(192);
    expect(typeof result.count).toBe('number');
    if (hasModel) expect(result.count).toBeGreaterThan(0);
    expect(result.saved.map((f: string) => path.basename(f)).sort()).toEqual(['cells.csv', 'cells.json', 'cells_labels.png', 'cells_mask.png', 'cells_overlay.png']);
    for (const f of result.saved) expect(fs.statSync(f).size).toBeGreaterThan(0);
    expect(result.roots).toEqual([path.join(ext, 'dist/webview'), ws.dir]);
    fs.rmSync(path.dirname(ext), { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
