import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// .ci/run (no project of its own, so tested here with the other fault tests): its closing
// `tests: N passed, N failed` line is printed even when a step fails (`set -e` used to exit first),
// and its exit status still says that a step failed. npm and dpkg are stubs that print jest summaries;
// the SLURM start script is a stub too.
const script = path.join(__dirname, '../../../../.ci/run');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-ci-run-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Runs a copy of .ci/run with stub commands; `npm` answers each step with `steps[its arguments]`. */
function ciRun(steps: Record<string, { out?: string; status: number }>) {
  const dir = fs.mkdtempSync(path.join(root, 'run-'));
  fs.mkdirSync(path.join(dir, '.ci'));
  fs.copyFileSync(script, path.join(dir, '.ci', 'run'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const cases = Object.entries(steps)
    .map(([args, { out = '', status }]) => `  "${args}") printf '%s\\n' ${JSON.stringify(out)}; exit ${status} ;;`)
    .join('\n');
  fs.writeFileSync(path.join(bin, 'npm'), `#!/usr/bin/env bash\ncase "$*" in\n${cases}\n  *) exit 0 ;;\nesac\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'dpkg'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  // The SLURM cluster the slide test submits to: started by a script of the repository, stubbed here.
  fs.mkdirSync(path.join(dir, 'tools', 'slurm'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tools', 'slurm', 'local-cluster.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return spawnSync('bash', [path.join(dir, '.ci', 'run')], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
}

describe('.ci/run', () => {
  it('sums every jest summary and exits 0 when every step passes', () => {
    const r = ciRun({
      test: { out: 'Tests:       5 passed, 5 total', status: 0 },
      'run e2e -w nuclei-vscode': { out: 'Tests:       1 skipped, 2 passed, 3 total', status: 0 },
    });
    expect([r.status, r.stdout.trim().split('\n').slice(-1)[0]]).toEqual([0, 'tests: 7 passed, 0 failed, 1 skipped']);
  });

  it('prints the closing line when a step fails, runs the other test steps, and exits non-zero', () => {
    const r = ciRun({
      test: { out: 'cli: Tests:       2 failed, 5 passed, 7 total', status: 1 },
      'run e2e -w nuclei-vscode': { out: 'Tests:       3 passed, 3 total', status: 0 },
    });
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split('\n').slice(-2)).toEqual(['tests: 8 passed, 2 failed, 0 skipped', 'failed steps: npm test']);
  });

  it('a failed install still ends with the closing line', () => {
    const r = ciRun({ 'ci --no-audit --no-fund': { status: 1 } });
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split('\n').slice(-2)).toEqual(['tests: 0 passed, 0 failed, 0 skipped', 'failed steps: npm ci']);
  });
});
