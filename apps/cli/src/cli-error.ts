/**
 * The exit codes, as the README and the usage text state them: one rule for every command. 1: an
 * unexpected error, or a check that failed (verify).
 */
export const EXIT = { failed: 1, usage: 2, input: 3, output: 4, stopped: 130 } as const;

/** An error the user can fix (bad arguments, missing files): printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** An output that cannot be written (a file where a folder must be, a read-only folder, a full disk). */
export const outputError = (message: string): CliError => new CliError(message, EXIT.output);

type ErrorLike = Error & { code?: string; syscall?: string; path?: string };

/** Errno codes only a write can raise. */
const WRITE_ERRNO = ['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG'];
/** Errno codes a read or a write can raise: which one is told by the system call. */
const ACCESS_ERRNO = ['EACCES', 'EPERM', 'ENOTDIR', 'EISDIR', 'EEXIST'];
const READ_SYSCALLS = ['scandir', 'opendir', 'read', 'stat', 'lstat', 'fstat', 'access', 'readlink', 'realpath'];
const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EFBIG: 'the file is too large for the file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'something is already there',
};

/** An errno code in words: "part of the path is a file, not a folder (ENOTDIR)". */
export const errnoInWords = (code: string): string => `${REASONS[code] ?? 'failed'} (${code})`;

/**
 * The errno code of a failed file operation: Node's own, or the one a library kept in its message
 * when it wrapped the error ("Saving model to X failed: ENOSPC: ...").
 */
function errnoOf(err: ErrorLike): string | undefined {
  const known = [...WRITE_ERRNO, ...ACCESS_ERRNO];
  if (err.code && known.includes(err.code)) return err.code;
  return new RegExp(`\\b(${known.join('|')})\\b`).exec(err.message ?? '')?.[1];
}

/**
 * 2 usage, 3 bad input (an image, a dataset, a model), 4 an output that cannot be written, 1 anything
 * else (a bug: --verbose shows where). Inputs are read through the libraries, which raise
 * NucleiInputError / ModelLoadError; a bare errno error is a write unless its system call only reads.
 */
export function exitCodeOf(err: ErrorLike): number {
  if (err instanceof CliError) return err.exitCode;
  if (err.name === 'NucleiInputError' || err.name === 'ModelLoadError') return EXIT.input;
  const code = errnoOf(err);
  if (!code) return EXIT.failed;
  if (WRITE_ERRNO.includes(code)) return EXIT.output;
  return err.syscall && READ_SYSCALLS.includes(err.syscall) ? EXIT.input : EXIT.output;
}

/**
 * One line for an error: Node's errno errors ("ENOTDIR: not a directory, mkdir '/a/b'") name the
 * file first and say what is wrong in words. Usage errors may carry the command's help after
 * their first line.
 */
export function errorMessage(err: ErrorLike): string {
  if (err instanceof CliError) return err.message;
  if (err.syscall && err.path && err.code) {
    const output = exitCodeOf(err) === EXIT.output;
    return `${err.path}: cannot ${output ? 'write' : 'read'} it: ${errnoInWords(err.code)}`;
  }
  return (err.message ?? String(err)).split('\n')[0];
}

/**
 * The exit code of a run in which several items failed independently (segment's images): an
 * unexpected error first, then an output that could not be written, then bad input.
 */
export function worstExitCode(codes: readonly number[]): number {
  for (const code of [EXIT.failed, EXIT.output, EXIT.input, EXIT.usage]) if (codes.includes(code)) return code;
  return codes[0] ?? 0;
}
