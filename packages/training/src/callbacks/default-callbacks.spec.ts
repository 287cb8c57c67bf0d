import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { blobSamples } from '../test-utils/samples';
import { tinyModel } from '../test-utils/tiny-model';
import { TINY_UNET } from '../test-utils/tiny-unet';
import { useCpu } from '../test-utils/backend';
import { train } from '../train';
import { defaultCallbacks } from './default-callbacks';

describe('defaultCallbacks', () => {
  it('writes history and both checkpoints and reports progress in one run', async () => {
    await useCpu();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'nuclei-default-'));
    const types = new Set<string>();
    const model = tinyModel();
    const result = await train(
      model,
      { train: blobSamples(4), val: blobSamples(2, 16, 3) },
      {
        epochs: 2,
        batchSize: 4,
        callbacks: defaultCallbacks(out, {
          metadata: { config: TINY_UNET },
          onProgress: (e) => types.add(e.type),
          earlyStopping: { patience: 5 },
          reduceLr: {},
        }),
      },
    );
    model.dispose();
    expect(result.stopReason).toBe('completed');
    expect(fs.readdirSync(out).sort()).toEqual(['best', 'history.csv', 'history.jsonl', 'last']);
    expect([...types]).toEqual(['train-begin', 'epoch-begin', 'batch', 'epoch-end', 'train-end']);
  });
});
