import { parseArgs, ParseArgsConfig } from 'util';
import { CliError } from './cli-error';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with errors turned into CliError, naming the command. An empty value
 * (`--threshold=`, `--model ""`) is refused: Number('') is 0 and an empty path means "the default",
 * both silently not what was asked.
 */
export function parseCommandArgs(
  command: string,
  argv: string[],
  options: Options,
  allowPositionals = false,
): {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
} {
  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals, strict: true });
    parsed = { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    // main() prefixes the command name once.
    throw new CliError(`${(e as Error).message}\nRun "nuclei ${command} --help" for usage.`);
  }
  for (const [name, value] of Object.entries(parsed.values))
    if (typeof value === 'string' && value.trim() === '')
      throw new CliError(`--${name} needs a value, got an empty one\nRun "nuclei ${command} --help" for usage.`);
  return parsed;
}

/** Most images (or samples) a --limit may name: more than any dataset here, small enough to be a number. */
export const MAX_LIMIT = 1_000_000;
/** Seeds feed a 32-bit generator: larger ones would repeat smaller ones' runs. */
export const MAX_SEED = 2 ** 32 - 1;

/**
 * An integer flag within [min, max]. Every numeric flag has a maximum: an unbounded one hangs
 * (`--threads 1000`) or kills Node (`--crops 99999999`) instead of saying what is wrong.
 */
export function intOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

export function numberOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new CliError(`--${name} must be a number from ${min} to ${max}, got "${value}"`);
  return n;
}

export function choiceOption<T extends string>(name: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new CliError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}
