import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultWorkerScript } from './worker-script';

describe('defaultWorkerScript', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-worker-script-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is the running bundle when no worker entry is shipped beside it', () => {
    expect(defaultWorkerScript(dir, path.join(dir, 'bundle.js'))).toBe(path.join(dir, 'bundle.js'));
  });

  it("is the package's worker-entry.js when it is there", () => {
    fs.writeFileSync(path.join(dir, 'worker-entry.js'), '');
    expect(defaultWorkerScript(dir, path.join(dir, 'train.js'))).toBe(path.join(dir, 'worker-entry.js'));
  });

  it('the shipped entry starts the worker loop only inside a training worker', () => {
    const src = fs.readFileSync(path.join(__dirname, 'worker-entry.ts'), 'utf8');
    expect(src).toMatch(/if \(isTrainingWorker\(\)\) runTrainingWorker\(\);/);
  });
});
