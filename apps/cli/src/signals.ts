import { EXIT } from './cli-error';

// Ctrl-C and SIGTERM end every command with 130 (Node's default for SIGTERM is death by the signal,
// which shells report as 143). A command that can stop cleanly (train: after the current batch)
// takes the signal over while it runs.

let graceful: ((signal: NodeJS.Signals) => void) | undefined;

/** While the returned function is not called, SIGINT and SIGTERM go to `handler` instead of ending the process. */
export function handleStop(handler: (signal: NodeJS.Signals) => void): () => void {
  graceful = handler;
  return () => {
    if (graceful === handler) graceful = undefined;
  };
}

/** Installed once by the `nuclei` executable (not by in-process callers such as tests). */
export function installStopHandlers(command: string): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (graceful) return graceful(signal);
    console.error(`\nnuclei ${command}: stopped (${signal})`);
    process.exit(EXIT.stopped);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
