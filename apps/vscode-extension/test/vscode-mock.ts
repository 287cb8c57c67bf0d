// A small stand-in for the `vscode` module (mapped by jest.config.js): just what the commands use.
import * as fs from 'fs';
import * as path from 'path';

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static file(p: string): Uri {
    return new Uri('file', path.resolve(p));
  }
  static parse(s: string): Uri {
    const m = /^([a-z-]+):\/\/(.*)$/.exec(s);
    return new Uri(m?.[1] ?? 'file', m?.[2] ?? s);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, path.join(base.path, ...parts));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

/** vscode.RelativePattern: files matching `pattern` below `base`. */
export class RelativePattern {
  readonly baseUri: Uri;
  constructor(
    base: Uri | string,
    readonly pattern: string,
  ) {
    this.baseUri = typeof base === 'string' ? Uri.file(base) : base;
  }
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}
export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
}
export enum ConfigurationTarget {
  Global = 1,
  Workspace = 2,
  WorkspaceFolder = 3,
}
export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}
export enum QuickPickItemKind {
  Separator = -1,
  Default = 0,
}

export class CancellationError extends Error {
  constructor() {
    super('Canceled');
    this.name = 'Canceled';
  }
}

type Listener<T> = (e: T) => unknown;
class Emitter<T> {
  private listeners: Listener<T>[] = [];
  event = (l: Listener<T>) => {
    this.listeners.push(l);
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((x) => x !== l);
      },
    };
  };
  async fire(e: T) {
    for (const l of this.listeners) await l(e);
  }
}

/** vscode.EventEmitter: `event` to subscribe, `fire` to notify (synchronously, as VS Code does). */
export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly fired: T[] = [];
  event = (l: Listener<T>) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T): void {
    this.fired.push(e);
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export interface MockPanel {
  viewType: string;
  title: string;
  /** Whether it is the active tab (VS Code's WebviewPanel.active). */
  active: boolean;
  options: { enableScripts?: boolean; localResourceRoots?: Uri[] };
  webview: {
    /** What the page may do and load (set by the extension after creation, as VS Code allows). */
    options: { enableScripts?: boolean; localResourceRoots?: Uri[] };
    html: string;
    cspSource: string;
    asWebviewUri(uri: Uri): Uri;
    postMessage: jest.Mock;
    onDidReceiveMessage: Emitter<unknown>['event'];
  };
  /** Simulates a message from the page. */
  receive(message: unknown): Promise<void>;
  /** The first message of `type` posted to the page: at once if it was, else when it is. */
  posted(type: string): Promise<any>;
  onDidDispose: Emitter<void>['event'];
  dispose(): void;
}

export const createdPanels: MockPanel[] = [];

function createWebviewPanel(viewType: string, title: string, _column: unknown, options: MockPanel['options']): MockPanel {
  const received = new Emitter<unknown>();
  const disposed = new Emitter<void>();
  const waiting: Array<{ type: string; resolve: (m: unknown) => void }> = [];
  const panel: MockPanel = {
    viewType,
    title,
    options,
    active: true,
    webview: {
      options: {},
      html: '',
      cspSource: 'vscode-resource://mock',
      asWebviewUri: (uri: Uri) => Uri.parse(`vscode-resource://mock${uri.path}`),
      postMessage: jest.fn(async (m: { type?: string }) => {
        for (const w of waiting.filter((x) => x.type === m?.type)) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(m);
        }
        return true;
      }),
      onDidReceiveMessage: received.event,
    },
    receive: (m) => received.fire(m),
    posted: (type) => {
      const done = panel.webview.postMessage.mock.calls.find((c) => (c[0] as { type?: string })?.type === type);
      return done ? Promise.resolve(done[0]) : new Promise((resolve) => waiting.push({ type, resolve }));
    },
    onDidDispose: disposed.event,
    dispose: () => {
      void disposed.fire();
    },
  };
  createdPanels.push(panel);
  return panel;
}

export const settings: Record<string, unknown> = {};
export const configUpdates: Array<{ key: string; value: unknown; target: unknown }> = [];

/** Fired (with the changed key) by every configuration update, as VS Code does. */
const configChanged = new Emitter<{ affectsConfiguration(section: string): boolean }>();

/** A file system watcher the extension made (see `changeOnDisk`). */
export interface MockFileWatcher {
  pattern: RelativePattern;
  disposed: boolean;
  change: Emitter<Uri>;
  remove: Emitter<Uri>;
}
export const fileWatchers: MockFileWatcher[] = [];

/**
 * Plays VS Code noticing that `file` changed (or was deleted) on disk: fires the watchers whose
 * pattern names it (a base folder and a file name or `*`), and waits for their listeners.
 */
export async function changeOnDisk(file: string, kind: 'change' | 'delete' = 'change'): Promise<number> {
  const uri = Uri.file(file);
  const hits = fileWatchers.filter(
    (w) =>
      !w.disposed && w.pattern.baseUri.fsPath === path.dirname(uri.fsPath) && (w.pattern.pattern === '*' || w.pattern.pattern === path.basename(uri.fsPath)),
  );
  for (const w of hits) await (kind === 'change' ? w.change : w.remove).fire(uri);
  return hits.length;
}

export const workspace = {
  workspaceFolders: undefined as Array<{ uri: Uri; name: string; index: number }> | undefined,
  onDidChangeConfiguration: configChanged.event,
  createFileSystemWatcher: jest.fn((pattern: RelativePattern) => {
    const w: MockFileWatcher = { pattern, disposed: false, change: new Emitter<Uri>(), remove: new Emitter<Uri>() };
    fileWatchers.push(w);
    const never = new Emitter<Uri>();
    return {
      onDidChange: w.change.event,
      onDidCreate: never.event,
      onDidDelete: w.remove.event,
      dispose: () => {
        w.disposed = true;
      },
    };
  }),
  getConfiguration: jest.fn((section: string) => ({
    get: <T>(key: string, fallback?: T) => (`${section}.${key}` in settings ? (settings[`${section}.${key}`] as T) : fallback),
    update: jest.fn(async (key: string, value: unknown, target: unknown) => {
      settings[`${section}.${key}`] = value;
      configUpdates.push({ key: `${section}.${key}`, value, target });
      await configChanged.fire({ affectsConfiguration: (s: string) => `${section}.${key}` === s || `${section}.${key}`.startsWith(`${s}.`) });
    }),
  })),
};

export const outputLines: string[] = [];

export interface MockStatusBarItem {
  id: string;
  alignment: StatusBarAlignment;
  text: string;
  tooltip?: string;
  command?: string;
  name?: string;
  accessibilityInformation?: { label: string };
  visible: boolean;
  show(): void;
  hide(): void;
  dispose(): void;
}
export const statusBarItems: MockStatusBarItem[] = [];
export const statusNotes = new Set<string>();

export const window = {
  createStatusBarItem: jest.fn((id: string, alignment: StatusBarAlignment) => {
    const item: MockStatusBarItem = {
      id,
      alignment,
      text: '',
      visible: false,
      show() {
        item.visible = true;
      },
      hide() {
        item.visible = false;
      },
      dispose() {
        item.visible = false;
      },
    };
    statusBarItems.push(item);
    return item;
  }),
  showQuickPick: jest.fn(async <T>(_items: T[], _options?: unknown): Promise<T | undefined> => undefined),
  /** Like pressing Enter: the suggested value (unless a test says otherwise). */
  showInputBox: jest.fn(async (options?: { value?: string }): Promise<string | undefined> => options?.value ?? ''),
  activeTextEditor: undefined as { document: { uri: Uri } } | undefined,
  tabGroups: { activeTabGroup: { activeTab: undefined as { input: unknown } | undefined } },
  showOpenDialog: jest.fn(async (_options?: unknown): Promise<Uri[] | undefined> => undefined),
  showSaveDialog: jest.fn(async (_options?: unknown): Promise<Uri | undefined> => undefined),
  showErrorMessage: jest.fn(async (_message: string, ..._items: string[]): Promise<string | undefined> => undefined),
  showWarningMessage: jest.fn(async (_message: string, ..._items: string[]): Promise<string | undefined> => undefined),
  showInformationMessage: jest.fn(async (_message: string, ..._items: string[]): Promise<string | undefined> => undefined),
  /** A status bar note; `statusNotes` holds the ones not disposed. */
  setStatusBarMessage: jest.fn((text: string, _timeout?: number) => {
    statusNotes.add(text);
    return { dispose: () => statusNotes.delete(text) };
  }),
  withProgress: jest.fn(
    async <R>(
      _options: unknown,
      task: (progress: { report: jest.Mock }, token: { isCancellationRequested: boolean; onCancellationRequested: (l: () => void) => void }) => Promise<R>,
    ) => {
      const cancel = new Emitter<void>();
      return task(
        { report: jest.fn() },
        {
          isCancellationRequested: false,
          onCancellationRequested: (l) => {
            cancel.event(l);
          },
        },
      );
    },
  ),
  createWebviewPanel: jest.fn(createWebviewPanel),
  /** Custom editor providers by view type; `openInCustomEditor` plays VS Code opening a file with one. */
  customEditors: new Map<string, unknown>(),
  registerCustomEditorProvider: jest.fn((viewType: string, provider: unknown) => {
    window.customEditors.set(viewType, provider);
    return { dispose: () => window.customEditors.delete(viewType) };
  }),
  createOutputChannel: jest.fn((_name: string) => ({
    appendLine: (line: string) => outputLines.push(line),
    append: (text: string) => outputLines.push(text),
    show: jest.fn(),
    dispose: jest.fn(),
  })),
};

const registered = new Map<string, (...args: unknown[]) => unknown>();
export const commands = {
  registered,
  registerCommand: jest.fn((id: string, fn: (...args: unknown[]) => unknown) => {
    registered.set(id, fn);
    return { dispose: (): boolean => registered.delete(id) };
  }),
  executeCommand: jest.fn(async (id: string, ...args: unknown[]): Promise<unknown> => registered.get(id)?.(...args)),
};

/**
 * Opens `uri` in the registered custom editor `viewType` as VS Code would (`backupId`: reopening
 * after hot exit); returns the panel it draws in, with the document.
 */
export async function openInCustomEditor(viewType: string, uri: Uri, backupId?: string): Promise<MockPanel & { document: unknown }> {
  const provider = window.customEditors.get(viewType) as
    | {
        openCustomDocument(uri: Uri, openContext: { backupId?: string }): unknown;
        resolveCustomEditor(doc: unknown, panel: MockPanel): Promise<void>;
      }
    | undefined;
  if (!provider) throw new Error(`no custom editor ${viewType} registered`);
  const panel = createWebviewPanel(viewType, uri.path.split('/').pop()!, undefined, {});
  const document = await provider.openCustomDocument(uri, { backupId });
  await provider.resolveCustomEditor(document, panel);
  return Object.assign(panel, { document });
}

/** Puts the mock back to its first state (call in beforeEach). */
export function resetMock(): void {
  for (const k of Object.keys(settings)) delete settings[k];
  configUpdates.length = 0;
  outputLines.length = 0;
  for (const p of createdPanels) p.dispose(); // as closing the tabs would: the extension forgets them
  createdPanels.length = 0;
  statusBarItems.length = 0;
  statusNotes.clear();
  window.showQuickPick.mockReset();
  // Like pressing Enter: the first item.
  window.showQuickPick.mockImplementation(async <T>(items: T[]) => items[0]);
  window.showInputBox.mockReset();
  window.showInputBox.mockImplementation(async (options?: { value?: string }) => options?.value ?? '');
  workspace.workspaceFolders = undefined;
  fileWatchers.length = 0;
  window.activeTextEditor = undefined;
  window.tabGroups.activeTabGroup.activeTab = undefined;
  for (const fn of [window.showOpenDialog, window.showSaveDialog, window.showErrorMessage, window.showWarningMessage, window.showInformationMessage]) {
    fn.mockReset();
  }
  window.showOpenDialog.mockResolvedValue(undefined);
  window.showErrorMessage.mockResolvedValue(undefined);
  window.showInformationMessage.mockResolvedValue(undefined);
  window.showWarningMessage.mockResolvedValue(undefined);
  commands.registered.clear();
  window.customEditors.clear();
}

/**
 * An ExtensionContext for the command tests: the extension in `extensionPath` (with a bundled
 * model folder made there), storage under `storage`, and global / workspace state in the maps given.
 */
export function fakeContext(extensionPath: string, storage: string, state: { global?: Map<string, unknown>; workspace?: Map<string, unknown> } = {}) {
  fs.mkdirSync(path.join(extensionPath, 'dist/models/default'), { recursive: true });
  fs.writeFileSync(path.join(extensionPath, 'dist/models/default/model.json'), '{}');
  const memento = (m = new Map<string, unknown>()) => ({ get: (k: string) => m.get(k), update: async (k: string, v: unknown) => void m.set(k, v) });
  return {
    extensionPath,
    extensionUri: Uri.file(extensionPath),
    storageUri: Uri.file(storage),
    subscriptions: [] as Array<{ dispose(): unknown }>,
    globalState: memento(state.global),
    workspaceState: memento(state.workspace),
  };
}
