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

const USAGE = `nuclei: find cell nuclei in microscopy images with a U-Net

Usage:
  nuclei demo [--out DIR]                          synthetic data -> train briefly -> evaluate -> segment
  nuclei train --data DIR --out DIR [options]      train a U-Net on a DSB-layout dataset
  nuclei segment IMAGE... [--model DIR] --out DIR  masks, labels, overlays, CSV for each image
  nuclei evaluate --data DIR [--model DIR]         pixel metrics and DSB score on full-size truth
  nuclei synth --out DIR [--count N]               write a synthetic dataset
  nuclei publish CHECKPOINT --out DIR              score on held-out images at full size, save a model to ship
  nuclei verify [--model DIR]                      re-score a published model on its held-out images; fail if its figures moved
  nuclei backend [--backend auto|gpu|node|wasm|cpu] show which TF.js backend loads

Run "nuclei COMMAND --help" for a command's options.`;

const COMMANDS: Record<string, (argv: string[]) => Promise<unknown>> = {
  train: runTrain,
  segment: runSegment,
  evaluate: runEvaluate,
  synth: runSynth,
  demo: runDemo,
  backend: runBackend,
  publish: runPublish,
  verify: runVerify,
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
  try {
    // A command may return its exit code (a training run stopped by Ctrl-C returns 130).
    const code = await run(rest);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    const err = e as Error & { path?: string };
    // Input errors (CliError, NucleiInputError and friends) carry a message meant for the user.
    if (err instanceof CliError || err.name === 'NucleiInputError' || err.name === 'ModelLoadError') {
      console.error(`nuclei ${command}: ${err.message}`);
      return err instanceof CliError ? err.exitCode : 1;
    }
    console.error(`nuclei ${command} failed: ${err.stack ?? err}`);
    return 1;
  }
}

// `nuclei train --workers N` starts worker threads on this same bundle: they train, not parse argv.
if (isTrainingWorker()) {
  runTrainingWorker();
} else if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
