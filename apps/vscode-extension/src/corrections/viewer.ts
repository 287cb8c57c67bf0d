// What the viewers (the overlay panel and the TIFF editor) share about corrections: answering the
// page's edits, telling pages whether the corrections are saved, asking before unsaved ones go,
// and offering to restore the ones a crash or a reload left in a backup.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Logger } from '../log';
import type { NucleiPanel } from '../webview/panel';
import { backupFitsImage, editsInEffect, readBackup, type BackupContents } from './backup';
import { saveCorrections } from './save';
import type { CorrectionSession, EditMessage } from './session';

/**
 * Applies an edit the page made and answers that page with the changed rows (never replayed: the
 * live payload holds them). Should the host fail to apply it, the page still gets its answer and
 * then the host's labels, so the two do not drift apart.
 */
export function answerEdit(corrections: CorrectionSession, message: EditMessage, page: NucleiPanel, log: Logger): void {
  try {
    page.poke(corrections.handle(message));
  } catch (err) {
    log.error(`corrections: could not apply ${JSON.stringify(message)}`, err);
    page.poke({ type: 'editRows', rows: [], removed: [], count: corrections.count, meanArea: corrections.meanArea });
    const current = corrections.message();
    if (current) page.poke(current);
  }
}

/** Posts `editState` to the pages whenever the saved state changes (with `savedTo` after a save). */
export function postEditState(corrections: CorrectionSession, pages: () => Iterable<NucleiPanel>): void {
  let dirty = corrections.dirty;
  let savedTo = corrections.savedTo;
  let saves = corrections.saves;
  corrections.onDidChange(() => {
    const saved = corrections.saves !== saves;
    if (corrections.dirty === dirty && !saved) return;
    dirty = corrections.dirty;
    savedTo = corrections.savedTo;
    saves = corrections.saves;
    for (const p of pages()) p.poke({ type: 'editState', dirty, ...(saved && savedTo ? { savedTo } : {}) });
  });
}

/** The overlay panel's title, with VS Code's dirty marker while corrections are unsaved. */
export function markDirtyTitle(corrections: CorrectionSession, page: NucleiPanel, title: () => string): void {
  corrections.onDidChange(() => {
    page.panel.title = corrections.dirty ? `● ${title()}` : title();
  });
}

/**
 * Asks what to do with unsaved corrections that are about to go (a closed panel, which VS Code
 * does not let an extension keep open; segmenting again). Resolves true when they are saved or
 * discarded, false when the user cancelled (then the backup is kept).
 */
export async function settleUnsaved(
  context: vscode.ExtensionContext,
  log: Logger,
  corrections: CorrectionSession,
  why: (name: string) => string,
): Promise<boolean> {
  if (!corrections.dirty) return true;
  const name = path.basename(corrections.session.imagePath);
  const n = corrections.edits;
  const choice = await vscode.window.showWarningMessage(
    `Nuclei: ${why(name)} (${n} edit${n === 1 ? '' : 's'}). Save them as training data?`,
    { modal: true, detail: 'Cancel keeps them in a backup: segment or open the image again to restore them.' },
    'Save corrections',
    'Discard',
  );
  if (choice === 'Save corrections') {
    if (await saveCorrections(context, log, corrections)) return true;
  } else if (choice === 'Discard') {
    log.info(`corrections: discarded ${n} unsaved edits of ${name}`);
    await corrections.discard();
    return true;
  }
  log.info(`corrections: the unsaved corrections of ${name} are kept in ${corrections.backupDir}`);
  return false;
}

/** A backup of unsaved corrections of this image (and page) that fits it as it is now, if any. */
export async function findBackup(dir: string, imagePath: string, width?: number, height?: number): Promise<BackupContents | undefined> {
  const contents = await readBackup(dir);
  if (!contents || !backupFitsImage(contents.meta, imagePath)) return undefined;
  if (width !== undefined && (contents.meta.width !== width || contents.meta.height !== height)) return undefined;
  return editsInEffect(contents.log) > 0 ? contents : undefined;
}

/**
 * Asks whether to restore the corrections found in a backup (modal: the next edit would replace
 * that backup). True when the user chose to restore them; 'Discard' deletes the backup.
 */
export async function askRestore(log: Logger, contents: BackupContents): Promise<boolean> {
  const name = path.basename(contents.meta.imagePath);
  const n = editsInEffect(contents.log);
  const restore = `Restore unsaved corrections (${n} edit${n === 1 ? '' : 's'})`;
  const choice = await vscode.window.showInformationMessage(
    `Nuclei: ${name} has corrections that were not saved (started ${new Date(contents.meta.created).toLocaleString()}).`,
    { modal: true, detail: 'Cancel keeps them until you edit this image again.' },
    restore,
    'Discard',
  );
  if (choice === 'Discard') {
    log.info(`corrections: discarded the backup of ${contents.meta.imagePath}`);
    await fs.promises.rm(contents.dir, { recursive: true, force: true });
  }
  return choice === restore;
}
