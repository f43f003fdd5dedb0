// Fakes of the `vscode` and `vscode-languageclient/node` modules, installed in Node's
// module loader so that src/extension.ts runs in plain Node (no VS Code download).

import Module = require("module");
import * as path from "path";

type Listener<T> = (value: T) => unknown;

export class FakeLanguageClient {
  static instances: FakeLanguageClient[] = [];
  started = false;
  stopped = false;
  notifications: { method: string; params: unknown }[] = [];
  requests: { method: string; params: unknown }[] = [];
  constructor(
    public id: string,
    public name: string,
    public serverOptions: any,
    public clientOptions: any,
  ) {
    FakeLanguageClient.instances.push(this);
  }
  async start(): Promise<void> {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  async sendNotification(method: string, params: unknown): Promise<void> {
    this.notifications.push({ method, params });
  }
  async sendRequest(method: string, params: unknown): Promise<unknown> {
    this.requests.push({ method, params });
    const answer = FakeLanguageClient.answers.get(method);
    if (answer instanceof Error) {
      throw answer;
    }
    return answer;
  }
  /** What `sendRequest` answers, by method (an Error is thrown). */
  static answers = new Map<string, unknown>();
}

export interface FakeWorld {
  vscode: any;
  /** The `flowscan.*` settings the fake configuration returns. */
  settings: Record<string, unknown>;
  commands: Map<string, (...args: unknown[]) => unknown>;
  errors: string[];
  panels: any[];
  documents: any[];
  configListeners: Listener<any>[];
  /** Fires `onDidChangeConfiguration` as VS Code does after a settings edit. */
  changeSettings(changes: Record<string, unknown>): Promise<void>;
}

export function makeWorld(workspaceFolder = "/work/project"): FakeWorld {
  const world: FakeWorld = {
    vscode: undefined,
    settings: {},
    commands: new Map(),
    errors: [],
    panels: [],
    documents: [],
    configListeners: [],
    async changeSettings(changes) {
      Object.assign(world.settings, changes);
      const keys = Object.keys(changes).map((k) => `flowscan.${k}`);
      const event = {
        affectsConfiguration: (section: string) =>
          keys.some((k) => k === section || k.startsWith(section + ".")),
      };
      for (const listener of world.configListeners) {
        await listener(event);
      }
      // let the handler's promise chain settle
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
  const disposable = { dispose() {} };
  world.vscode = {
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    Uri: {
      file: (p: string) => ({ scheme: "file", fsPath: p, path: p, toString: () => `file://${p}` }),
    },
    workspace: {
      workspaceFolders: [
        { uri: { scheme: "file", fsPath: workspaceFolder, toString: () => `file://${workspaceFolder}` }, name: "project", index: 0 },
      ],
      getConfiguration(section?: string) {
        if (section !== "flowscan") {
          throw new Error(`unexpected configuration section ${section}`);
        }
        return { get: (key: string) => world.settings[key] };
      },
      onDidChangeConfiguration(listener: Listener<any>) {
        world.configListeners.push(listener);
        return disposable;
      },
      createFileSystemWatcher(glob: string) {
        return { glob, dispose() {} };
      },
      async openTextDocument(options: any) {
        world.documents.push(options);
        return options;
      },
    },
    window: {
      activeTextEditor: undefined,
      createOutputChannel: (name: string) => ({ name, appendLine() {}, dispose() {} }),
      showErrorMessage: (message: string) => {
        world.errors.push(message);
        return Promise.resolve(undefined);
      },
      async showTextDocument() {
        return undefined;
      },
      createWebviewPanel(viewType: string, title: string, showOptions: unknown, options: any) {
        const disposeListeners: (() => void)[] = [];
        const panel = {
          viewType,
          title,
          showOptions,
          options,
          revealed: 0,
          webview: { html: "", cspSource: "vscode-webview://fake" },
          reveal() {
            panel.revealed++;
          },
          onDidDispose(listener: () => void) {
            disposeListeners.push(listener);
            return disposable;
          },
          dispose() {
            disposeListeners.forEach((l) => l());
          },
        };
        world.panels.push(panel);
        return panel;
      },
    },
    commands: {
      registerCommand(id: string, handler: (...args: unknown[]) => unknown) {
        if (world.commands.has(id)) {
          throw new Error(`command ${id} already exists`);
        }
        world.commands.set(id, handler);
        return { dispose: () => world.commands.delete(id) };
      },
    },
  };
  return world;
}

const fakeClientModule = {
  LanguageClient: FakeLanguageClient,
  TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 },
};

let currentWorld: FakeWorld | undefined;
const originalLoad = (Module as any)._load;
(Module as any)._load = function (request: string, parent: unknown, isMain: boolean) {
  if (request === "vscode") {
    if (currentWorld === undefined) {
      throw new Error("no fake vscode world: call loadExtension()");
    }
    return currentWorld.vscode;
  }
  if (request === "vscode-languageclient/node") {
    return fakeClientModule;
  }
  return originalLoad.call(this, request, parent, isMain);
};

const SRC = path.resolve(__dirname, "..", "src");

/** A fresh copy of src/extension.ts bound to `world` (module state included). */
export function loadExtension(world: FakeWorld): typeof import("../src/extension") {
  currentWorld = world;
  FakeLanguageClient.instances = [];
  FakeLanguageClient.answers = new Map();
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(SRC)) {
      delete require.cache[key];
    }
  }
  return require(path.join(SRC, "extension"));
}

export function fakeContext(): any {
  return { subscriptions: [] as { dispose(): unknown }[] };
}

/** What the server gets when no setting is set. */
export const DEFAULT_SERVER_SETTINGS = {
  rules: [],
  severity: {},
  diagnostics: { workspace: false },
  minimumSeverity: "hint",
  builtinRules: true,
  workspaceScan: true,
  scaffold: { target: "prefect", directory: "pipelines" },
};
