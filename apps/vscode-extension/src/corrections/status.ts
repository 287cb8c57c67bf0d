// How much has been corrected: a status-bar item counting the corrected label images saved in
// this workspace (kept in workspaceState; files deleted since are dropped), which starts
// fine-tuning on them. Hidden while there are none.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { EditTally } from '@nuclei/segmentation/label-edit';

const KEY = 'nuclei.savedCorrections';
export const FINE_TUNE_COMMAND = 'nuclei.fineTuneOnCorrections';

/** One saved corrected label image. */
export interface SavedCorrection {
  labels: string;
  image: string;
  /** Nuclei in the label image. */
  count: number;
  tally: EditTally;
  savedAt: string;
}

const refreshers = new Set<() => void>();

/** Corrections made: every counted edit (deleted, drawn, split, merged, painted, erased). */
export function correctionsIn(tally: EditTally): number {
  return tally.deleted + tally.drawn + tally.split + tally.merged + tally.painted + tally.erased;
}

/** The saved corrections whose label images are still there. */
export function savedCorrections(context: vscode.ExtensionContext): SavedCorrection[] {
  return (context.workspaceState.get<SavedCorrection[]>(KEY) ?? []).filter((c) => fs.existsSync(c.labels));
}

/** Records a save (replacing an earlier one of the same file) and updates the status bar. */
export async function recordSavedCorrection(context: vscode.ExtensionContext, saved: SavedCorrection): Promise<void> {
  const kept = savedCorrections(context).filter((c) => c.labels !== saved.labels);
  await context.workspaceState.update(KEY, [...kept, saved]);
  for (const refresh of refreshers) refresh();
}

export function createCorrectionsStatus(context: vscode.ExtensionContext): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('nuclei.corrections', vscode.StatusBarAlignment.Right, 99);
  item.name = 'Nuclei corrections';
  item.command = FINE_TUNE_COMMAND;
  const update = () => {
    const all = savedCorrections(context);
    if (!all.length) {
      item.hide();
      return;
    }
    const corrected = all.reduce((s, c) => s + correctionsIn(c.tally), 0);
    const nuclei = all.reduce((s, c) => s + c.count, 0);
    const folders = [...new Set(all.map((c) => path.dirname(c.labels)))];
    const images = `${all.length} image${all.length === 1 ? '' : 's'}`;
    item.text = `$(edit) ${images} · ${corrected} nuclei corrected`;
    item.tooltip = [
      `Corrected labels saved as training data: ${images}, ${nuclei} nuclei, ${corrected} corrections.`,
      `In ${folders.join(', ')}`,
      'Click to fine-tune the model on them.',
    ].join('\n');
    item.accessibilityInformation = { label: `${images}, ${corrected} nuclei corrected. Fine-tune on my corrections.` };
    item.show();
  };
  update();
  refreshers.add(update);
  context.subscriptions.push(item, { dispose: () => refreshers.delete(update) });
  return item;
}
