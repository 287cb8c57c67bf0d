import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateSyntheticDataset } from '@nuclei/data';
import { prepareRecipe } from './recipes';

describe('prepareRecipe mix', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-mix-'));
  const own = path.join(root, 'own');
  const base = path.join(root, 'base');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  beforeAll(async () => {
    await generateSyntheticDataset(own, { count: 2, width: 48, height: 48, seed: 1 });
    await generateSyntheticDataset(base, { count: 8, width: 48, height: 48, seed: 2 });
  });

  it("adds a seeded share of another dataset's images, never the excluded (held-out) ones, and names them", async () => {
    const exclude = ['synthetic_000', 'synthetic_001', 'synthetic_002'];
    const req = { recipe: 'nuclei' as const, preset: 'nuclei-small' as const, size: 32, mix: { dir: base, share: 0.5, exclude } };
    const a = await prepareRecipe(own, req);
    // share 0.5 of the training images: as many mixed in as the dataset's own 2; the own ids are the same names as base's
    // first two, so those are skipped too.
    expect(a.mixedIds).toHaveLength(2);
    for (const id of a.mixedIds) expect(exclude).not.toContain(id);
    expect(a.samples).toBe(2); // the dataset's own
    expect('kind' in a.data && a.data.kind === 'crops' && a.data.samples.length).toBe(4);
    const b = await prepareRecipe(own, req);
    expect(b.mixedIds).toEqual(a.mixedIds); // seeded
    const none = await prepareRecipe(own, { ...req, mix: { dir: base, share: 0 } });
    expect(none.mixedIds).toEqual([]);
    await expect(prepareRecipe(own, { ...req, mix: { dir: base, share: 0.95 } })).rejects.toThrow(/from 0 to 0.9/);
    // Nothing left to mix in (every image is the dataset's own or excluded): none, no error.
    expect((await prepareRecipe(own, { ...req, mix: { dir: own, share: 0.5 } })).mixedIds).toEqual([]);
  });
});
