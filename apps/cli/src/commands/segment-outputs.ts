// Which existing files `segment` may replace. For each image, nuclei records what it wrote in
// OUT/.NAME.nuclei-outputs.json (hidden, so dataset loaders and file lists skip it): each output's
// file name and SHA-1. A file listed there whose content still has that hash is nuclei's and is
// replaced freely; anything else under an output's name (the user's NAME_labels.png ground truth,
// a label image corrected in the editor, an output edited since, outputs of a version before this
// record) is replaced only with --overwrite. Just before writing, the record lists the files about
// to be written without a hash: a run killed midway leaves them (each whole: they are written
// atomically) and the next run may replace them. The record says `complete: false` until every file
// is written: the next run of that image says the set is incomplete and rewrites all of it (else a
// NAME.json summary of one run would sit beside a NAME.csv of another).
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '@nuclei/data';
import { OUTPUT_KINDS, outputPaths, type OutputKind } from '@nuclei/segmentation';
import { CliError, outputError } from '../cli-error';
import { realPath } from '../paths';

interface OutputRecord {
  tool: 'nuclei segment';
  /** The image these outputs are of. */
  image: string;
  /** false while a run writes them (or after it was killed doing so). */
  complete: boolean;
  /** File name -> SHA-1 of what nuclei wrote; null: being written by a run that did not finish. */
  files: Record<string, string | null>;
}

export const recordPath = (out: string, base: string): string => path.join(out, `.${base}.nuclei-outputs.json`);

function readRecord(out: string, base: string): OutputRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(recordPath(out, base), 'utf8')) as OutputRecord;
    return r && r.tool === 'nuclei segment' && typeof r.files === 'object' && r.files !== null ? r : undefined;
  } catch {
    return undefined;
  }
}

const sha1 = (file: string): string => createHash('sha1').update(fs.readFileSync(file)).digest('hex');

/** Whether `file` is as nuclei wrote it (per the record of its image's outputs). */
function writtenByNuclei(file: string, record: OutputRecord | undefined): boolean {
  const hash = record?.files[path.basename(file)];
  if (hash === undefined) return false;
  if (hash === null) return true;
  try {
    return sha1(file) === hash;
  } catch {
    return false;
  }
}

/**
 * The kinds to write for one image: `kinds`, plus every kind an interrupted run left in its set
 * (a record with `complete: false`), so that the set is rewritten whole. `incomplete` names the
 * unfinished set's files when there is one.
 */
export function plannedKinds(out: string, base: string, kinds: readonly OutputKind[]): { kinds: OutputKind[]; incomplete?: string[] } {
  const record = readRecord(out, base);
  if (!record || record.complete !== false) return { kinds: [...kinds] };
  const listed = OUTPUT_KINDS.filter((k) => Object.values(outputPaths(out, base, [k])).some((f) => f !== undefined && path.basename(f) in record.files));
  return { kinds: OUTPUT_KINDS.filter((k) => kinds.includes(k) || listed.includes(k)), incomplete: Object.keys(record.files).sort() };
}

/**
 * Refuses, before any work, outputs that would replace one of this run's inputs (always) or a file
 * nuclei did not write (unless `overwrite`), naming the file.
 */
export function checkPlannedOutputs(
  plans: ReadonlyArray<{ image: string; base: string; kinds?: readonly OutputKind[] }>,
  out: string,
  kinds: readonly OutputKind[],
  overwrite: boolean,
): void {
  const inputs = new Map(plans.map((p) => [realPath(p.image), p.image]));
  const refused: string[] = [];
  for (const plan of plans) {
    const { base } = plan;
    const record = readRecord(out, base);
    for (const file of Object.values(outputPaths(out, base, plan.kinds ?? kinds))) {
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(file);
      } catch {
        continue; // nothing there yet
      }
      const input = inputs.get(realPath(file));
      if (input !== undefined) throw new CliError(`${file} would be an output of this run but is one of its inputs (${input}): choose another --out`);
      if (stat.isDirectory()) throw outputError(`${file} is a folder where an output file would go: move it or choose another --out`);
      if (!overwrite && (stat.isSymbolicLink() || !writtenByNuclei(file, record))) refused.push(file);
    }
  }
  if (refused.length)
    throw new CliError(
      `${refused[0]} exists and was not written by nuclei (ground truth?)${refused.length > 1 ? ` (and ${refused.length - 1} more)` : ''}: ` +
        `choose another --out, or add --overwrite to replace ${refused.length > 1 ? 'them' : 'it'}`,
    );
}

/** Records, before writing, that `files` are being written for `image` (see the top of this file). */
export async function recordWriting(out: string, base: string, image: string, files: readonly string[]): Promise<void> {
  const previous = readRecord(out, base)?.files ?? {};
  const record: OutputRecord = { tool: 'nuclei segment', image, complete: false, files: { ...previous } };
  for (const f of files) record.files[path.basename(f)] = null;
  await writeFileAtomic(recordPath(out, base), JSON.stringify(record, null, 2) + '\n');
}

/** Records what was written for `image`: each file's hash, beside earlier outputs of other kinds. */
export async function recordWritten(out: string, base: string, image: string, files: readonly string[]): Promise<void> {
  const record: OutputRecord = { tool: 'nuclei segment', image, complete: true, files: { ...(readRecord(out, base)?.files ?? {}) } };
  for (const f of files) record.files[path.basename(f)] = sha1(f);
  await writeFileAtomic(recordPath(out, base), JSON.stringify(record, null, 2) + '\n');
}
