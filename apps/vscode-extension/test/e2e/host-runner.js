// Loads an UNPACKED .vsix's dist/extension.js in plain Node with a minimal `vscode` stub,
// runs one command and prints what the extension did as JSON. This checks the package itself
// (bundle, shipped sharp, wasm binaries, model) without an editor.
//   node host-runner.js <extensionDir> <settings.json> segment <image>
//   node host-runner.js <extensionDir> <settings.json> train <datasetDir> <outDir>
//   node host-runner.js <extensionDir> <settings.json> evaluate <datasetDir>
const Module = require('module');
const path = require('path');
const fs = require('fs');

const [extensionDir, settingsFile, mode, ...paths] = process.argv.slice(2);
const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
const dialogAnswers = mode === 'segment' ? [] : paths; // folders the open dialogs "pick", in order
const updates = [];
const output = [];
const posted = [];
const panels = [];
const errors = [];
const statusBar = [];

class Uri {
  constructor(scheme, p) {
    this.scheme = scheme;
    this.path = p;
  }
  static file(p) {
    return new Uri('file', path.resolve(p));
  }
  static joinPath(b, ...parts) {
    return new Uri(b.scheme, path.join(b.path, ...parts));
  }
  get fsPath() {
    return this.path;
  }
  toString() {
    return `${this.scheme}://${this.path}`;
  }
}
const emitter = () => {
  const ls = [];
  return {
    event: (l) => {
      ls.push(l);
      return { dispose() {} };
    },
    fire: (e) => Promise.all(ls.map((l) => l(e))),
  };
};

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (l) => {
      this.listeners.add(l);
      return { dispose: () => this.listeners.delete(l) };
    };
  }
  fire(e) {
    for (const l of [...this.listeners]) l(e);
  }
  dispose() {
    this.listeners.clear();
  }
}

/** A Memento kept in memory (workspaceState, globalState). */
const memento = () => {
  const values = new Map();
  return { get: (k, d) => (values.has(k) ? values.get(k) : d), update: async (k, v) => void values.set(k, v), keys: () => [...values.keys()] };
};

const vscode = {
  Uri,
  EventEmitter,
  ProgressLocation: { Notification: 15 },
  ViewColumn: { Active: -1, Beside: -2 },
  ConfigurationTarget: { Global: 1, Workspace: 2 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  QuickPickItemKind: { Separator: -1, Default: 0 },
  workspace: {
    workspaceFolders: undefined,
    onDidChangeConfiguration: () => ({ dispose() {} }),
    getConfiguration: (section) => ({
      get: (k, d) => settings[`${section}.${k}`] ?? d,
      update: async (k, v) => {
        settings[`${section}.${k}`] = v;
        updates.push({ key: `${section}.${k}`, value: v });
      },
    }),
  },
  window: {
    createStatusBarItem: () => {
      const item = {
        text: '',
        show() {
          statusBar.push(item.text);
        },
        hide() {},
        dispose() {},
      };
      return item;
    },
    activeTextEditor: undefined,
    tabGroups: { activeTabGroup: { activeTab: undefined } },
    createOutputChannel: () => ({ appendLine: (l) => output.push(l), append: (l) => output.push(l), show() {}, dispose() {} }),
    showErrorMessage: async (m) => {
      errors.push(m);
      return undefined;
    },
    showInformationMessage: async (m, ...items) => {
      output.push(`[info] ${m}`);
      return items.includes('Use this model') ? 'Use this model' : undefined;
    },
    showWarningMessage: async () => undefined,
    showQuickPick: async (items) => items[0],
    showOpenDialog: async () => (dialogAnswers.length ? [Uri.file(dialogAnswers.shift())] : undefined),
    // The training run's name: the out folder given on the command line (a full path is used as it is).
    showInputBox: async (o) => (/name of this training run/.test(o.title) && dialogAnswers.length ? dialogAnswers.shift() : o.value),
    registerCustomEditorProvider: () => ({ dispose() {} }),
    withProgress: async (_o, task) => task({ report() {} }, { isCancellationRequested: false, onCancellationRequested() {} }),
    createWebviewPanel: (viewType, title, _c, options) => {
      const received = emitter();
      const panel = {
        viewType,
        title,
        options,
        webview: {
          options: {},
          html: '',
          cspSource: 'vscode-resource:',
          asWebviewUri: (u) => new Uri('vscode-resource', u.path),
          postMessage: async (m) => {
            posted.push(m);
            return true;
          },
          onDidReceiveMessage: received.event,
        },
        onDidDispose: () => ({ dispose() {} }),
        receive: received.fire,
      };
      panels.push(panel);
      return panel;
    },
  },
  commands: {
    registry: new Map(),
    registerCommand(id, fn) {
      this.registry.set(id, fn);
      return { dispose() {} };
    },
  },
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };

(async () => {
  const started = Date.now();
  const ext = require(path.join(extensionDir, 'dist/extension.js'));
  const context = {
    extensionPath: extensionDir,
    extensionUri: Uri.file(extensionDir),
    subscriptions: [],
    globalState: memento(),
    workspaceState: memento(),
    // Corrections' backups and fine-tuning's staged data go here.
    globalStorageUri: Uri.file(path.join(process.cwd(), '.nuclei-global-storage')),
    extension: { packageJSON: require(path.join(extensionDir, 'package.json')) },
  };
  ext.activate(context);
  const command = { segment: 'nuclei.segmentImage', train: 'nuclei.trainModel', evaluate: 'nuclei.evaluateModel' }[mode];
  const returned = await vscode.commands.registry.get(command)(mode === 'segment' ? Uri.file(paths[0]) : undefined);
  const session = mode === 'segment' ? returned : undefined;
  if (panels[0]) await panels[0].receive({ type: 'ready' });
  const seg = posted.find((m) => m.type === 'segmentation');
  if (panels[0] && session) {
    await panels[0].receive({ type: 'save', what: 'all', pickLocation: false });
  }
  const result = {
    ms: Date.now() - started,
    commands: [...vscode.commands.registry.keys()],
    statusBar,
    returned: mode === 'segment' ? undefined : returned,
    updates,
    messageTypes: posted.map((m) => m.type),
    evaluation: posted.find((m) => m.type === 'evaluation'),
    errors,
    output,
    count: seg?.payload.count,
    meanArea: seg?.payload.meanArea,
    width: seg?.payload.width,
    labelsDtype: seg?.payload.labels.dtype,
    saved: posted.find((m) => m.type === 'saved')?.files ?? [],
    html: panels[0]?.webview.html,
    roots: panels[0]?.webview.options.localResourceRoots?.map((u) => u.fsPath),
  };
  process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
})().catch((e) => {
  process.stdout.write(`\nRESULT ${JSON.stringify({ fatal: String((e && e.stack) || e), output, errors })}\n`);
  process.exitCode = 1;
});
