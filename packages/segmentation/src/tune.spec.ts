import * as tf from '@tensorflow/tfjs';
import { generateSyntheticSample, masksToLabels, SYNTHETIC_STYLES } from '@nuclei/data';
import { DEFAULT_PREPROCESSING } from '@nuclei/model';
import { brightnessModel, normalisedTwoOutputModel } from './test-utils/models';
import { BORDER_THRESHOLDS, MASK_THRESHOLDS, MIN_AREAS, MIN_MARKERS, tuneSegmentation, type TuneSample } from './tune';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const samples: TuneSample[] = SYNTHETIC_STYLES.map((style, i) => {
  const { image, masks } = generateSyntheticSample({ width: 64, height: 64, seed: 10 + i, style });
  return { id: `s${i}`, image, labels: masksToLabels(masks, 64, 64) };
});

describe('tuneSegmentation', () => {
  it('two-output models: tries scales, the marker grid and TTA, and keeps the best (per kind too)', async () => {
    const model = normalisedTwoOutputModel(32);
    const r = await tuneSegmentation(samples, model, { preprocessing: DEFAULT_PREPROCESSING, scales: [1, 1.5] });
    model.dispose();
    const labels = r.candidates.map((c) => c.label);
    expect(labels).toContain('tile x1, markers t1 0.5 t2 0.5 min 4');
    expect(labels).toContain('tile x1.5, markers t1 0.5 t2 0.5 min 4');
    expect(labels.some((l) => l.includes('tta'))).toBe(true);
    expect(labels.some((l) => l.includes('watershed'))).toBe(true);
    expect(labels.filter((l) => l.includes(', cut watershed t1 0.5 t2 0.35'))).toHaveLength(1);
    // 2 scales, the marker grid (its default already scored), the watershed per t1, the cut watershed per t1 x t2, TTA.
    expect(r.candidates.length).toBe(
      2 +
        (MASK_THRESHOLDS.length * BORDER_THRESHOLDS.length * MIN_MARKERS.length - 1) +
        MASK_THRESHOLDS.length * (1 + BORDER_THRESHOLDS.length) +
        MIN_AREAS.length +
        1 + // holes filled
        1,
    );
    // The best is within the tie margin of every candidate's score.
    const top = Math.max(...r.candidates.map((c) => c.report.mean.dsb));
    expect(r.best.report.mean.dsb).toBeGreaterThanOrEqual(top - 0.005);
    expect(r.defaults.mode).toBe('tile');
    expect(r.defaults.basis).toMatch(/on 3 held-out images/);
    expect(Object.keys(r.best.report.byKind!).sort()).toEqual(['brightfield', 'fluorescence', 'stained']);
  });

  it('one-output models: tiles x1 / x0.5, resize, then watershed against components', async () => {
    const model = brightnessModel(32);
    const r = await tuneSegmentation(samples, model);
    model.dispose();
    expect(r.candidates.map((c) => c.label)).toEqual(expect.arrayContaining(['tile x1, watershed', 'tile x0.5, watershed', 'resize, watershed']));
    expect(r.candidates).toHaveLength(4);
    expect(['watershed', 'components']).toContain(r.defaults.split);
  });
});
