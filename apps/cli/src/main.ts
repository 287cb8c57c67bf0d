import { isTrainingWorker, runTrainingWorker } from '@nuclei/training';
import { errorMessage, exitCodeOf } from './cli-error';
import { runTrain } from './commands/train';
import { runSegment } from './commands/segment';
import { runEvaluate } from './commands/evaluate';
import { runSynth } from './commands/synth';
import { runDemo } from './commands/demo';
import { runBackend } from './commands/backend';
import { runPublish } from './commands/publish';
import { runVerify } from './commands/verify';
import { runExport } from './commands/export';
import { runSlide } from './commands/slide';
import { installStopHandlers } from './signals';

const USAGE = `nuclei: find cell nuclei in microscopy images with a U-Net

Usage:
  nuclei demo [--out DIR]                          synthetic data -> train briefly -> evaluate -> segment
  nuclei train --data DIR --out DIR [options]      train a U-Net on a dataset (DSB layout or image + label-image pairs)
  nuclei segment IMAGE... [--model DIR] --out DIR  masks, labels, overlays, CSV for each image
  nuclei evaluate --data DIR [--model DIR]         pixel metrics and DSB score on full-size truth
  nuclei synth --out DIR [--count N]               write a synthetic dataset
  nuclei publish CHECKPOINT --out DIR              score on held-out images at full size, save a model to ship
  nuclei verify [--model DIR]                      re-score a published model on its held-out images; fail if its figures moved
  nuclei export [MODEL] --format onnx|bioimageio --out FILE  a model as ONNX, or a bioimage.io package
  nuclei slide plan|run|merge|slurm IMAGE/DIR      whole slides block by block, on one machine or as shards (SLURM, Kubernetes)
  nuclei backend [--backend auto|gpu|node|wasm|cpu] show which TF.js backend loads

Run "nuclei COMMAND --help" for a command's options. --verbose shows an error's stack trace.
Exit codes, the same in every command: 0 done, 1 an unexpected error or a failed check (verify),
2 bad usage (a flag, a value out of its range, a refusal to replace files), 3 bad input (an image,
a dataset, a model), 4 an output that cannot be written (a full disk, a read-only folder, a file
where a folder must be), 130 stopped by Ctrl-C or SIGTERM.`;

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
  slide: runSlide,
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
    const err = e as Error;
    // One line naming the file and the problem (cli-error.ts: the message and the exit code, one rule
    // for every command); the trace only with --verbose.
    console.error(`nuclei ${command}: ${errorMessage(err)}`);
    if (verbose) console.error(err.stack ?? err);
    return exitCodeOf(err);
  }
}

// `nuclei train --workers N` starts worker threads on this same bundle: they train, not parse argv.
if (isTrainingWorker()) {
  runTrainingWorker();
} else if (require.main === module) {
  installStopHandlers(process.argv[2] ?? '');
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
