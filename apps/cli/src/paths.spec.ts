import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isInside, realPath } from './paths';

describe('real paths', () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-paths-')));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('resolves symlinks in what exists and keeps the rest', () => {
    fs.mkdirSync(path.join(root, 'data'));
    fs.symlinkSync(path.join(root, 'data'), path.join(root, 'link'));
    expect(realPath(path.join(root, 'link', 'not', 'yet'))).toBe(path.join(root, 'data', 'not', 'yet'));
    expect(isInside(path.join(root, 'link', 'out'), path.join(root, 'data'))).toBe(true);
    expect(isInside(path.join(root, 'data'), path.join(root, 'link'))).toBe(true);
    expect(isInside(path.join(root, 'data2'), path.join(root, 'data'))).toBe(false);
  });
});
