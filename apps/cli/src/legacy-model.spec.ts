import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { generateSyntheticSample } from '@nuclei/data';
import { loadModel } from '@nuclei/model';
import { predictImage, segment, segmentOptionsForModel } from '@nuclei/segmentation';

// models/seed was saved before input preprocessing existed: it must load and segment as it did,
// on raw 8-bit RGB (the model scales by 1/255 itself).
const SEED_MODEL = path.join(__dirname, '../../../models/seed');

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

(fs.existsSync(SEED_MODEL) ? describe : describe.skip)('a model saved before preprocessing (models/seed)', () => {
  it('has no preprocessing, predicts on the raw 8-bit values, and finds nuclei', async () => {
    const { model, metadata } = await loadModel(SEED_MODEL, { compile: false });
    try {
      expect(metadata.preprocessing).toBeUndefined();
      const options = segmentOptionsForModel(metadata);
      expect(options.preprocessing).toBeUndefined();
      const { image } = generateSyntheticSample({ width: 128, height: 128, seed: 5, style: 'fluorescent' });
      // One 128x128 tile at scale 1: the tiled prediction is the model's own output on the raw bytes.
      const pred = await predictImage(image, model, { mode: 'tile', scale: 1 });
      const direct = tf.tidy(() => (model.predict(tf.tensor4d(Float32Array.from(image.data), [1, 128, 128, 3])) as tf.Tensor).dataSync());
      let worst = 0;
      for (let i = 0; i < direct.length; i++) worst = Math.max(worst, Math.abs(direct[i] - pred.planes[0][i]));
      expect(worst).toBeLessThan(1e-5);
      const r = await segment(image, model, options);
      expect(r.split).toBe(metadata.segmentation?.split ?? 'watershed');
      expect(r.count).toBeGreaterThan(0);
    } finally {
      model.dispose();
    }
  });
});
