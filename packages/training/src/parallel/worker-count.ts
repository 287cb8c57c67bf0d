import * as os from 'os';

/**
 * Replicas worth running for a backend. wasm (and cpu) run one thread per replica in Node, so
 * each core can take a replica; tfjs-node already uses every core inside libtensorflow, so more
 * replicas would only compete with it. Capped at 4: past that, averaging and copying weights
 * every step costs more than the extra compute brings on a typical workstation.
 */
export function defaultWorkerCount(backend: string, cores = os.availableParallelism?.() ?? os.cpus().length): number {
  return backend === 'wasm' || backend === 'cpu' ? Math.max(1, Math.min(4, cores)) : 1;
}
