// Prettier is the format: every tracked TypeScript and JavaScript file must be as Prettier writes
// it (.prettierrc.json, .prettierignore), so CI fails on unformatted code. Fix: `npm run format`.
// (Prettier's CLI, run from here: its API needs ESM loading that jest does not do.)
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'node_modules/prettier/bin/prettier.cjs');
const prettier = (args: string[], cwd = root) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });

describe('format', () => {
  jest.setTimeout(120_000);
  it('every tracked .ts and .js file is formatted by Prettier', () => {
    const files = spawnSync('git', ['ls-files', '*.ts', '*.js'], { cwd: root, encoding: 'utf8' })
      .stdout.split('\n')
      .filter((f) => f && fs.existsSync(path.join(root, f)));
    expect(files.length).toBeGreaterThan(100);
    const r = prettier(['--list-different', ...files]);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([]);
  });

  it('the check fails on unformatted code', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-format-'));
    try {
      fs.copyFileSync(path.join(root, '.prettierrc.json'), path.join(dir, '.prettierrc.json'));
      fs.writeFileSync(path.join(dir, 'x.ts'), 'const a = {b:1}\n');
      expect(prettier(['--list-different', 'x.ts'], dir).stdout.trim()).toBe('x.ts');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
