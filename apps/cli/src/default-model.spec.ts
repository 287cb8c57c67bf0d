import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findDefaultModel } from './default-model';

describe('findDefaultModel', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-default-model-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('walks up to the nearest models/default with a model.json', () => {
    const deep = path.join(root, 'a', 'b', 'c');
    fs.mkdirSync(deep, { recursive: true });
    expect(findDefaultModel(deep, {})).toBeUndefined();
    fs.mkdirSync(path.join(root, 'a', 'models', 'default'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'models', 'default', 'model.json'), '{}');
    expect(findDefaultModel(deep, {})).toBe(path.join(root, 'a', 'models', 'default'));
  });

  test('NUCLEI_MODEL wins', () => {
    expect(findDefaultModel(root, { NUCLEI_MODEL: '/x/y' })).toBe(path.resolve('/x/y'));
  });
});
