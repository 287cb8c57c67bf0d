// The image viewer for TIFF (VS Code's own preview cannot show it): a custom editor on the segment
// page. It shows the image (8-bit view; a page picker for multi-page files), and its Segment button
// puts the nuclei overlay and the measurement table into the same tab. Corrections made there make
// the document dirty, so VS Code shows the dot, Ctrl+S saves them as training data, closing asks,
// and hot exit backs them up (a copy of the corrections backup, restored when VS Code reopens it).
// When the file changes on disk the views show it again, as VS Code's media preview does, unless
// they hold unsaved corrections: those are not replaced without asking. A whole slide (above 50
// megapixels) is shown by tiles instead (slide-editor.ts).
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { answerRegion } from './image-region';
import { buildPayload, pixelSizeFor, runSegmentation, saveFromPage, showRows, type SegmentationSession } from './segmentation-session';
import { readConfig } from './config';
import { errorMessage, type Logger } from './log';
import type { RgbImage } from './nuclei-api';
import { backupDirFor, backupRoot, readBackup, type BackupContents } from './corrections/backup';
import { sessionFromBackup } from './corrections/restored-session';
import { saveCorrections } from './corrections/save';
import { CorrectionSession, isEditMessage } from './corrections/session';
import { answerEdit, askRestore, findBackup, postEditState, settleUnsaved } from './corrections/viewer';
import { choosePlanes, needsChoice, planeInput, rememberPlanes, type PlaneSelection } from './image-planes';
import { describeChannel, describePlane, type AxesView, type FromWebview, type ImageSource, type ToWebview } from './webview/messages';
import { displayPixels } from './viewer-payload';
import { attachNucleiPage, type NucleiPanel } from './webview/panel';
import { resolveSlideEditor } from './slide-editor';

export const IMAGE_VIEW_TYPE = 'nuclei.imageViewer';
const RELOAD = 'Reload from disk';

/** The page shown: decoded and encoded once, then reused by Segment (a large TIFF is not read again). */
interface Shown {
  image: RgbImage;
  src: ImageSource;
  axes: AxesView;
}

/** One TIFF file open in the viewer; its views (split editors) show the same page and corrections. */
export class NucleiImageDocument implements vscode.CustomDocument {
  /** The channel and plane shown (asked once per folder when the image has several; see image-planes.ts). */
  plane?: PlaneSelection;
  shown?: Shown;
  /** The image message (or the error) the views show. */
  shownMessage?: ToWebview;
  session?: SegmentationSession;
  readonly views = new Set<NucleiPanel>();
  /** Settles when the first view shows the image and any backup has been dealt with. */
  ready: Promise<void> = Promise.resolve();
  /** Settles when the file, changed on disk, has been shown again (or kept, for unsaved corrections). */
  reloaded: Promise<void> = Promise.resolve();
  /** A reload is waiting behind the one running: more changes on disk join it. */
  reloadQueued = false;
  private watcher?: vscode.Disposable;

  constructor(
    readonly uri: vscode.Uri,
    /** VS Code's backup of this document (hot exit): restored when the first view opens. */
    readonly backupId: string | undefined,
    private readonly onDispose: (d: NucleiImageDocument) => void,
  ) {}

  get corrections(): CorrectionSession | undefined {
    return this.session?.corrections;
  }

  /** The watcher of this document's file, disposed with it. */
  watch(watcher: vscode.Disposable): void {
    this.watcher = watcher;
  }

  dispose(): void {
    this.watcher?.dispose();
    this.onDispose(this);
  }
}

export class NucleiImageEditor implements vscode.CustomEditorProvider<NucleiImageDocument> {
  private readonly changed = new vscode.EventEmitter<vscode.CustomDocumentContentChangeEvent<NucleiImageDocument>>();
  readonly onDidChangeCustomDocument = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Logger,
  ) {}

  openCustomDocument(uri: vscode.Uri, openContext?: vscode.CustomDocumentOpenContext): NucleiImageDocument {
    const document = new NucleiImageDocument(uri, openContext?.backupId, (d) => this.closed(d));
    const file = uri.fsPath;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
    const changed = watcher.onDidChange((u) => {
      if (u.fsPath === file) void this.changedOnDisk(document);
    });
    document.watch({
      dispose: () => {
        changed.dispose();
        watcher.dispose();
      },
    });
    return document;
  }

  /** The file changed on disk: shown again once whatever is running is done (changes in a burst make one reload). */
  changedOnDisk(document: NucleiImageDocument): Promise<void> {
    if (document.reloadQueued) return document.reloaded;
    document.reloadQueued = true;
    document.reloaded = document.reloaded
      .then(() => document.ready)
      .then(() => {
        document.reloadQueued = false;
        return this.reload(document);
      })
      .catch((err) => this.log.error(`viewer: reloading ${document.uri.fsPath}`, err));
    return document.reloaded;
  }

  /**
   * Reads the file again and shows it in every view (a segmentation of the old pixels goes). With
   * unsaved corrections the views keep the image they were made on, unless the user asks to reload
   * and then saves or discards them.
   */
  private async reload(document: NucleiImageDocument): Promise<void> {
    if (!document.shownMessage) return; // not shown yet: the first view reads the file as it is
    const file = document.uri.fsPath;
    const corrections = document.corrections;
    if (corrections?.dirty) {
      this.log.info(`viewer: ${file} changed on disk; kept on screen: it has ${corrections.edits} unsaved corrections`);
      const choice = await vscode.window.showWarningMessage(
        `Nuclei: ${path.basename(file)} changed on disk. The viewer still shows the image your unsaved corrections were made on.`,
        RELOAD,
      );
      if (choice !== RELOAD) return;
      if (!(await settleUnsaved(this.context, this.log, corrections, (n) => `reloading ${n} from disk replaces its unsaved corrections`))) return;
    }
    this.log.info(`viewer: ${file} changed on disk; shown again`);
    this.dropSession(document);
    this.broadcast(document, await this.show(document));
  }

  async resolveCustomEditor(document: NucleiImageDocument, webviewPanel: vscode.WebviewPanel): Promise<void> {
    const file = document.uri.fsPath;
    // A whole slide is shown by tiles (slide-editor.ts), never read whole.
    const slide = await (await import('./nuclei-api')).blockwiseReason(file, false).catch(() => undefined);
    if (slide) return resolveSlideEditor(this.context, this.log, file, webviewPanel, slide);
    const page = attachNucleiPage(
      webviewPanel,
      this.context.extensionUri,
      'segment',
      `Nuclei: ${path.basename(file)}`,
      [vscode.Uri.file(path.dirname(file))],
      (m, p) => this.onMessage(document, m, p),
    );
    document.views.add(page);
    webviewPanel.onDidDispose(() => document.views.delete(page));
    if (document.shownMessage) {
      // Another view of an open document: what the others show.
      page.send(document.shownMessage);
      const corrections = document.corrections;
      if (corrections) page.send(() => corrections.message());
      return;
    }
    page.send(await this.show(document));
    document.ready = this.offerBackup(document).catch((err) => this.log.error(`corrections: restoring ${file}`, err));
  }

  /** Ctrl+S: the corrections saved as training data (nothing to do before any). */
  async saveCustomDocument(document: NucleiImageDocument): Promise<void> {
    const corrections = document.corrections;
    if (!corrections?.edited) return;
    if (!(await saveCorrections(this.context, this.log, corrections))) throw new vscode.CancellationError();
  }

  /** Save As: the image copied to `destination`, its corrected labels beside it. */
  async saveCustomDocumentAs(document: NucleiImageDocument, destination: vscode.Uri): Promise<void> {
    const corrections = document.corrections;
    if (!corrections?.edited) {
      await fs.promises.copyFile(document.uri.fsPath, destination.fsPath);
      return;
    }
    if (!(await saveCorrections(this.context, this.log, corrections, { imageDest: destination.fsPath }))) throw new vscode.CancellationError();
  }

  /** Revert: the labels as last saved (or as segmented). */
  async revertCustomDocument(document: NucleiImageDocument): Promise<void> {
    const corrections = document.corrections;
    if (!corrections) return;
    await corrections.revert();
    this.broadcast(document, corrections.message());
  }

  /** VS Code's backup (hot exit): a copy of the corrections backup, which is kept up to date after every edit. */
  async backupCustomDocument(document: NucleiImageDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    const dest = context.destination.fsPath;
    if (document.corrections?.edited) await document.corrections.copyBackupTo(dest);
    else await fs.promises.mkdir(dest, { recursive: true });
    return { id: dest, delete: () => void fs.promises.rm(dest, { recursive: true, force: true }).catch(() => undefined) };
  }

  private async onMessage(document: NucleiImageDocument, m: FromWebview, p: NucleiPanel): Promise<void> {
    const corrections = document.corrections;
    if (m.type === 'channel' || m.type === 'plane') {
      const next = m.type === 'channel' ? { ...document.plane, channel: m.channel } : { ...document.plane, z: m.z };
      if (next.channel === document.plane?.channel && next.z === document.plane?.z) return;
      if (corrections && !(await settleUnsaved(this.context, this.log, corrections, (n) => `showing another page of ${n} leaves its unsaved corrections`))) {
        // Stay on the page with the corrections (the picker goes back too).
        p.poke(document.shownMessage!);
        p.poke(corrections.message()!);
        return;
      }
      document.plane = next;
      // The choice made here is the folder's from now on (batch and the command use it).
      if (document.shown) await rememberPlanes(this.context, document.uri.fsPath, document.shown.axes, next);
      this.dropSession(document);
      this.broadcast(document, await this.show(document));
    } else if (m.type === 'segment') {
      if (corrections && !(await settleUnsaved(this.context, this.log, corrections, (n) => `segmenting ${n} again replaces its unsaved corrections`))) return;
      const shown = document.shown;
      const plane = document.plane ?? {};
      const done = await runSegmentation(this.context, this.log, document.uri.fsPath, {
        ...plane,
        image: shown?.image,
        ...(shown ? { input: planeInput(shown.axes, plane) } : {}),
      });
      if (done) await this.adopt(document, done, p);
    } else if (m.type === 'region' && document.session) {
      await answerRegion(document.session.image, m, p);
    } else if (m.type === 'save' && document.session) {
      await saveFromPage(document.session, m.what, m.pickLocation, p, this.log, m.overlay, m.filters);
    } else if (corrections && isEditMessage(m)) {
      answerEdit(corrections, m, p, this.log);
      // Other views of this document get the labels whole (they did not make the edit).
      for (const v of document.views) if (v !== p) v.poke(corrections.message()!);
      this.changed.fire({ document });
    } else if (corrections && m.type === 'saveCorrections') {
      // Through VS Code's save when this editor is the active one, so its dirty mark goes too.
      const input = vscode.window.tabGroups?.activeTabGroup?.activeTab?.input as { uri?: vscode.Uri; viewType?: string } | undefined;
      if (input?.viewType === IMAGE_VIEW_TYPE && input.uri?.toString() === document.uri.toString()) {
        await vscode.commands.executeCommand('workbench.action.files.save');
      } else {
        await saveCorrections(this.context, this.log, corrections);
      }
    }
  }

  /** Shows a segmentation in every view of the document, with its corrections. */
  private async adopt(document: NucleiImageDocument, session: SegmentationSession, p: NucleiPanel, restore?: BackupContents): Promise<void> {
    this.dropSession(document);
    const payload = await buildPayload(p, session, document.shown?.src);
    const corrections = await CorrectionSession.create(this.context, this.log, session, payload);
    session.corrections = corrections;
    document.session = session;
    if (restore) corrections.restore(restore);
    postEditState(corrections, () => document.views);
    const sent = [...document.views].map((v) => v.send(() => corrections.message()));
    void showRows(
      corrections,
      Promise.all(sent).then(() => undefined),
      () => document.views,
      this.log,
    );
    if (restore) this.changed.fire({ document });
  }

  private dropSession(document: NucleiImageDocument): void {
    document.corrections?.dispose();
    document.session = undefined;
  }

  private broadcast(document: NucleiImageDocument, message: ToWebview | undefined): void {
    if (message) for (const v of document.views) v.send(message);
  }

  /** Reads the document's page and keeps what the views show. */
  private async show(document: NucleiImageDocument): Promise<ToWebview> {
    const file = document.uri.fsPath;
    if (!document.plane) {
      // The first view: the folder's channel and plane, else asked once; dismissed, the first is
      // shown and the pickers are there to choose another.
      const axes = await (await import('./nuclei-api')).imageAxes(file);
      const need = needsChoice(axes);
      document.plane = (await choosePlanes(this.context, file, axes)) ?? {
        ...(need.channel ? { channel: 0 } : {}),
        ...(need.z ? { z: 0 } : {}),
      };
    }
    const r = await this.imageMessage(file, document.plane);
    document.shown = r.shown;
    document.shownMessage = r.message;
    return r.message;
  }

  /**
   * Restores corrections left unsaved: VS Code's backup of this document silently (hot exit: it
   * reopens the document dirty), else a crash's backup after asking.
   */
  private async offerBackup(document: NucleiImageDocument): Promise<void> {
    const file = document.uri.fsPath;
    const hot = document.backupId ? await readBackup(document.backupId) : undefined;
    let found = hot;
    if (!found) {
      const root = backupRoot(this.context);
      const n = document.shown?.axes.channels.length ?? 1;
      const channels = n > 1 ? Array.from({ length: n }, (_, c) => c) : [undefined];
      for (const c of channels) {
        found = await findBackup(backupDirFor(root, file, c), file);
        if (found) break;
      }
      if (!found || !(await askRestore(this.log, found))) return;
    }
    const channel = found.meta.channel;
    if (channel !== undefined && channel !== document.plane?.channel) {
      document.plane = { ...document.plane, channel };
      this.broadcast(document, await this.show(document));
    }
    const image = document.shown?.image;
    const view = [...document.views][0];
    if (!image || !view || image.width !== found.meta.width || image.height !== found.meta.height) return;
    const session = sessionFromBackup(found, image, await pixelSizeFor(file, readConfig().pixelSize, this.log));
    await this.adopt(document, session, view, found);
    this.log.info(`corrections: restored ${session.corrections?.edits} unsaved edits of ${file}${hot ? ' (VS Code backup)' : ''}`);
  }

  /** A closed document: corrections still unsaved were declined in VS Code's own question ("Don't Save"). */
  private closed(document: NucleiImageDocument): void {
    const corrections = document.corrections;
    if (corrections?.dirty) void corrections.discard();
    corrections?.dispose();
  }

  /** The image (one channel and plane) as the page shows it, or an error naming the file. */
  private async imageMessage(file: string, plane: PlaneSelection): Promise<{ message: ToWebview; shown?: Shown }> {
    try {
      const api = await import('./nuclei-api');
      const axes = await api.imageAxes(file);
      const image = await api.readImage(file, plane);
      const src = displayPixels(image);
      const input = planeInput(axes, plane);
      const where = [describeChannel(input), describePlane(input)].filter(Boolean).join(', ');
      this.log.info(`viewer: ${file} ${image.width}x${image.height}${where ? `, ${where}` : ''}`);
      return {
        message: { type: 'image', payload: { fileName: path.basename(file), imageSrc: src, width: image.width, height: image.height, input } },
        shown: { image, src, axes },
      };
    } catch (err) {
      this.log.error(`viewer: ${file}`, err);
      return { message: { type: 'error', message: `Cannot show ${path.basename(file)}: ${errorMessage(err)}` } };
    }
  }
}
