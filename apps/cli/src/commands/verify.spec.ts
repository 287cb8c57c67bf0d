import * as fs from 'fs';
import * as path from 'path';
import { main } from '../main';

// Re-scores the shipped model on real held-out images and checks them against what publish recorded.
jest.setTimeout(600_000);

const DATA = path.resolve(process.env.NUCLEI_DSB_DIR ?? path.join(__dirname, '../../../../../shared/data/dsb2018-train'));
const MODEL = path.join(__dirname, '../../../../models/default');
const present = fs.existsSync(DATA);
if (!present) console.log(`verify.spec: skipped, the DSB 2018 data is absent (looked in ${DATA}; set NUCLEI_DSB_DIR)`);

(present ? describe : describe.skip)('nuclei verify models/default', () => {
  it('reproduces the published per-image figures on its first held-out images', async () => {
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((...a) => void lines.push(a.join(' ')));
    const err = jest.spyOn(console, 'error').mockImplementation((...a) => void lines.push(a.join(' ')));
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await main(['verify', '--model', MODEL, '--data', DATA, '--limit', '6', '--backend', 'wasm']);
      expect([code, lines.join('\n')]).toEqual([0, expect.stringMatching(/figures hold: 6 images/)]);
    } finally {
      log.mockRestore();
      err.mockRestore();
      write.mockRestore();
    }
  });
});
