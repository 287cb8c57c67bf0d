import * as tf from '@tensorflow/tfjs';

/** Tests run on the plain cpu backend: deterministic and no wasm start-up. */
export async function useCpu(): Promise<void> {
  // IS_TEST silences tfjs's "install tfjs-node" banner, which buries test output.
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  await tf.ready();
}
