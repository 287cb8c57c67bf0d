import * as tf from '@tensorflow/tfjs';

/** Tests run on the plain cpu backend: deterministic and no wasm start-up. */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}
