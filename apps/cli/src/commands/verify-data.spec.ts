import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findData } from './verify';

describe("verify finds the model's dataset", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-verify-data-'));
  const recorded = path.join(root, 'recorded');
  const elsewhere = path.join(root, 'elsewhere');
  fs.mkdirSync(recorded);
  fs.mkdirSync(elsewhere);
  const env = process.env.NUCLEI_DSB_DIR;
  let warn: jest.SpyInstance;
  beforeEach(() => {
    delete process.env.NUCLEI_DSB_DIR;
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());
  afterAll(() => {
    if (env !== undefined) process.env.NUCLEI_DSB_DIR = env;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('at the path recorded at publish time, after --data and $NUCLEI_DSB_DIR', () => {
    expect(findData(undefined, 'recorded', recorded)).toBe(recorded);
    expect(findData(elsewhere, 'recorded', recorded)).toBe(elsewhere);
    process.env.NUCLEI_DSB_DIR = elsewhere;
    expect(findData(undefined, 'recorded', recorded)).toBe(elsewhere);
    expect(warn).not.toHaveBeenCalled();
  });

  it('says when the recorded path has moved, found elsewhere or not', () => {
    const gone = path.join(root, 'gone');
    expect(findData(undefined, elsewhere, gone)).toBe(elsewhere);
    expect(warn).toHaveBeenCalledWith(`warning: the dataset it was published from is no longer at ${gone} (moved?): using ${elsewhere}`);
    expect(() => findData(undefined, 'no-such-dataset-name', gone)).toThrow(
      new RegExp(`^no dataset found for this model \\(tried ${gone}, .*; the dataset it was published from is no longer at ${gone}\\): pass --data DIR$`),
    );
    expect(findData(elsewhere, 'recorded', gone)).toBe(elsewhere); // --data given: not said
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
