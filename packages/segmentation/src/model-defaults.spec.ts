import { segmentOptionsForModel } from './model-defaults';

describe('segmentOptionsForModel', () => {
  test('takes the model recommendation, then explicit settings', () => {
    const metadata = { segmentation: { mode: 'resize' as const, split: 'watershed' as const, threshold: 0.4, basis: 'x' } };
    expect(segmentOptionsForModel(metadata)).toEqual({ mode: 'resize', split: 'watershed', threshold: 0.4 });
    expect(segmentOptionsForModel(metadata, { mode: 'tile', threshold: undefined, minArea: 5 })).toEqual({
      mode: 'tile',
      split: 'watershed',
      threshold: 0.4,
      minArea: 5,
    });
  });
  test('without a recommendation only the explicit settings apply (segment then uses its own defaults)', () => {
    expect(segmentOptionsForModel(undefined, { scale: 0.5, mode: undefined })).toEqual({ scale: 0.5 });
    expect(segmentOptionsForModel({}, {})).toEqual({});
  });
});
