import { selectBackend } from '@nuclei/model';
import { choiceOption, parseCommandArgs } from '../args';

export const BACKEND_CHOICES = ['auto', 'gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

let active: { preference: BackendChoice; backend: string } | undefined;

/** Selects the TF.js backend and prints which one is active (and why better ones were skipped) first. */
export async function activateBackend(value: unknown): Promise<string> {
  const preference = choiceOption('backend', value, BACKEND_CHOICES, 'auto');
  // The demo runs several commands in one process: select (and print) once.
  if (active?.preference === preference) return active.backend;
  const selection = await selectBackend(preference);
  console.log(selection.describe());
  active = { preference, backend: selection.backend };
  return selection.backend;
}

export async function runBackend(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs('backend', argv, { backend: { type: 'string', short: 'b' } });
  if (values.help) {
    console.log('nuclei backend [--backend auto|gpu|node|wasm|cpu]\n  Loads the best (or the named) TF.js backend and says which one is active and why others were skipped.');
    return;
  }
  await activateBackend(values.backend);
}
