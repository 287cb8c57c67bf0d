import { selectBackend } from '@nuclei/backend';
import { choiceOption, parseCommandArgs } from '../args';
import { CliError } from '../cli-error';

export const BACKEND_CHOICES = ['auto', 'gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

let active: { preference: BackendChoice; backend: string } | undefined;

/** Selects the TF.js backend and prints which one is active (and why better ones were skipped) first. */
export async function activateBackend(value: unknown): Promise<string> {
  const preference = choiceOption('backend', value, BACKEND_CHOICES, 'auto');
  // The demo runs several commands in one process: select (and print) once.
  if (active?.preference === preference) return active.backend;
  let selection: Awaited<ReturnType<typeof selectBackend>>;
  try {
    selection = await selectBackend(preference);
  } catch (e) {
    // An explicitly requested backend that does not load is the user's to fix (install it or pick another).
    throw new CliError(`--backend ${preference}: ${(e as Error).message.split('\n')[0]}`, 3);
  }
  console.log(selection.describe());
  active = { preference, backend: selection.backend };
  return selection.backend;
}

export async function runBackend(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs('backend', argv, { backend: { type: 'string', short: 'b' } });
  if (values.help) {
    console.log(
      'nuclei backend [--backend auto|gpu|node|wasm|cpu]\n  Loads the best (or the named) TF.js backend and says which one is active and why others were skipped.',
    );
    return;
  }
  await activateBackend(values.backend);
}
