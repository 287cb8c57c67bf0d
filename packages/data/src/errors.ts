/**
 * An error about the user's input files: `path` is the offending file or folder, and the
 * message names it and says what is wrong, so the CLI and the VS Code extension can show it as is.
 */
export class NucleiInputError extends Error {
  readonly path: string;
  readonly problem: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'NucleiInputError';
    this.path = path;
    this.problem = problem;
  }
}
