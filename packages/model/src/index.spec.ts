import * as tf from '@tensorflow/tfjs';
import * as model from './index';

describe('@nuclei/model', () => {
  it('leaves the backend registry alone: no wasm backend registered, no backend selection in its API', () => {
    expect(typeof model.buildUNet).toBe('function');
    expect('wasm' in tf.engine().registryFactory).toBe(false);
    expect(Object.keys(model)).not.toContain('selectBackend');
  });
});
