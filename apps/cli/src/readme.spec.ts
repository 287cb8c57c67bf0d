import * as fs from 'fs';
import * as path from 'path';
import type { TilePredictor } from '@nuclei/model';
import { tuneSegmentation } from '@nuclei/segmentation';
import { runCli } from './faults/run-cli';

// The README's CLI paragraphs say what the code does: checked here so they cannot drift apart again
// (they said 48 settings for publish's grid after it grew, "DSB layout" where pairs work too).
const README = fs.readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
const words = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('README', () => {
  it('states the exit codes as the usage text does', async () => {
    const usage = (await runCli(['--help'])).out.join('\n');
    const codes = words(/Exit codes, [\s\S]*?SIGTERM\./.exec(usage)![0]);
    expect(codes).toMatch(/^Exit codes, the same in every command: 0 done, 1 .*, 2 .*, 3 .*, 4 .*, 130 stopped/);
    expect(words(README)).toContain(codes);
  });

  it("counts publish's grid as tuneSegmentation tries it", async () => {
    // Constant predictions from a two-output model: every setting is scored, ties go to the first.
    const predictor: TilePredictor = {
      engine: 'fake',
      description: 'constant',
      size: 16,
      channels: 3,
      outputs: 2,
      predict: async (_tiles, n, side) => Float32Array.from({ length: n * side * side * 2 }, (_, i) => (i % 2 ? 0.1 : 0.9)),
      dispose: () => undefined,
    };
    const labels = new Int32Array(32 * 32).map((_, i) => (i % 32 > 8 && i % 32 < 20 && i > 8 * 32 && i < 20 * 32 ? 1 : 0));
    const image = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(128) };
    const { candidates } = await tuneSegmentation([{ id: 'a', image, labels }], predictor);
    const plain = candidates.filter((c) => c.options.scale === 1 && !c.options.tta && !c.options.minArea && !c.options.fillHoles);
    const markers = plain.filter((c) => c.options.split === 'markers').length;
    const watersheds = plain.filter((c) => c.options.split === 'watershed' || c.options.split === 'cut').length;
    const publish = README.split('\n').find((l) => l.startsWith('| `nuclei publish'))!;
    expect(publish).toContain(`t1 x t2 x smallest marker (${markers} settings on one set of predictions)`);
    expect(publish).toContain(`after cutting out the predicted borders (${watersheds})`);
    expect(publish).toContain(`(${candidates.length} settings in all)`);
  });

  it('help texts name both dataset layouts where both work', async () => {
    for (const command of ['train', 'evaluate']) {
      const help = words((await runCli([command, '--help'])).out.join('\n'));
      expect([command, help]).toEqual([command, expect.stringMatching(/(DSB|Data Science Bowl) layout.* or\b.*image \+ label-image pairs/)]);
    }
    expect((await runCli(['--help'])).out.join('\n')).not.toMatch(/DSB-layout dataset/);
  });
});
