import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanLeftovers, isInside, realPath } from './paths';

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

  it("removes what killed runs left (temp files, temp sample folders, write probes), not a live process's, nor other files", () => {
    const dir = path.join(root, 'out');
    const dead = 999999999;
    const left = [`.cells_mask.png.${dead}.0a1b2c3d.tmp`, `.nuclei-write-test.${dead}.0a1b2c3d`, `.synthetic_000.${dead}.0a1b2c3d.tmp`];
    const kept = [`.cells.png.${process.pid}.0a1b2c3d.tmp`, '.hidden', 'cells.png', `notes.${dead}.0a1b2c3d.tmp`];
    fs.mkdirSync(path.join(dir, left[2], 'images'), { recursive: true });
    for (const f of [...left.slice(0, 2), ...kept]) fs.writeFileSync(path.join(dir, f), '');
    expect(cleanLeftovers(dir)).toBe(3);
    expect(fs.readdirSync(dir).sort()).toEqual([...kept].sort());
    expect(cleanLeftovers(path.join(root, 'not-there'))).toBe(0);
  });
});
