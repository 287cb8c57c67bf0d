import { isTrainingWorker, runTrainingWorker } from '@nuclei/training';
import { CliError } from './cli-error';
import { runTrain } from './commands/train';
import { runSegment } from './commands/segment';
import { runEvaluate } from './commands/evaluate';
import { runSynth } from './commands/synth';
import { runDemo } from './commands/demo';
import { runBackend } from './commands/backend';
import { runPublish } from './commands/publish';
import { runVerify } from './commands/verify';
import { runExport } from './commands/export';

const USAGE = `nuclei: find cell nuclei in microscopy images with a U-Net

Usage:
  nuclei demo [--out DIR]                          synthetic data -> train briefly -> evaluate -> segment
  nuclei train --data DIR --out DIR [options]      train a U-Net on a DSB-layout dataset
  nuclei segment IMAGE... [--model DIR] --out DIR  masks, labels, overlays, CSV for each image
  nuclei evaluate --data DIR [--model DIR]         pixel metrics and DSB score on full-size truth
  nuclei synth --out DIR [--count N]               write a synthetic dataset
  nuclei publish CHECKPOINT --out DIR              score on held-out images at full size, save a model to ship
  nuclei verify [--model DIR]                      re-score a published model on its held-out images; fail if its figures moved
  nuclei export [MODEL] --format onnx|bioimageio --out FILE  a model as ONNX, or a bioimage.io package
  nuclei backend [--backend auto|gpu|node|wasm|cpu] show which TF.js backend loads

Run "nuclei COMMAND --help" for a command's options. --verbose shows an error's stack trace.
Exit codes: 0 done, 1 unexpected error, 2 bad usage, 3 bad input (image, dataset, model),
4 an output that cannot be written, 130 stopped by Ctrl-C / SIGTERM.`;

const COMMANDS: Record<string, (argv: string[]) => Promise<unknown>> = {
  train: runTrain,
  segment: runSegment,
  evaluate: runEvaluate,
  synth: runSynth,
  demo: runDemo,
  backend: runBackend,
  publish: runPublish,
  verify: runVerify,
  export: runExport,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    // Asked for help: success. Called with nothing to do: a usage error.
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`nuclei: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const verbose = rest.includes('--verbose');
  try {
    // A command may return its exit code (a training run stopped by Ctrl-C returns 130).
    const code = await run(rest.filter((a) => a !== '--verbose'));
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    const err = e as Error & { path?: string; code?: string };
    // One line naming the file and the problem; the trace only with --verbose.
    // Usage errors may carry the command's help after their first line; other errors are one line.
    const message = err instanceof CliError ? err.message : (err.message ?? String(err)).split('\n')[0];
    console.error(`nuclei ${command}: ${message}`);
    if (verbose) console.error(err.stack ?? err);
    return exitCodeOf(err);
  }
}

/**
 * Exit codes: 2 usage (bad flags), 3 bad input (an image, a dataset or a model folder), 4 an
 * output that cannot be written (read-only, full disk), 1 anything else (a bug: --verbose shows where).
 */
export function exitCodeOf(err: Error & { code?: string }): number {
  if (err instanceof CliError) return err.exitCode;
  if (err.name === 'NucleiInputError' || err.name === 'ModelLoadError') return 3;
  if (err.code && ['EACCES', 'EROFS', 'ENOSPC', 'EDQUOT', 'EPERM'].includes(err.code)) return 4;
  return 1;
}

// `nuclei train --workers N` starts worker threads on this same bundle: they train, not parse argv.
if (isTrainingWorker()) {
  runTrainingWorker();
} else if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
