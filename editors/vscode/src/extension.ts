// The flowscan extension: starts `flowscan lsp` with vscode-languageclient, keeps the
// server's settings in step with VS Code's, and shows the data-flow diagram.

import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

import {
  DATA_FLOW_REQUEST,
  DataFlowView,
  dataFlowHtml,
  dataFlowParams,
  parseDataFlowResult,
} from "./dataflow";
import {
  FlowscanSettings,
  PathContext,
  needsRestart,
  readSettings,
  serverCommand,
  serverSettings,
} from "./settings";

export const CLIENT_ID = "flowscan";
export const LANGUAGES = ["python", "go", "java", "rust", "sql", "flowscan"];

let client: LanguageClient | undefined;
let current: FlowscanSettings | undefined;
let lastView: DataFlowView | undefined;
let panel: vscode.WebviewPanel | undefined;

function pathContext(): PathContext {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return { workspaceFolder: folder?.uri.scheme === "file" ? folder.uri.fsPath : undefined };
}

function currentSettings(): FlowscanSettings {
  return readSettings(vscode.workspace.getConfiguration("flowscan"));
}

export function documentSelector(): { scheme: string; language: string }[] {
  const selector: { scheme: string; language: string }[] = [];
  for (const language of LANGUAGES) {
    selector.push({ scheme: "file", language }, { scheme: "untitled", language });
  }
  return selector;
}

export function createClient(settings: FlowscanSettings, output: vscode.OutputChannel): LanguageClient {
  const ctx = pathContext();
  const { command, args } = serverCommand(settings, ctx);
  const executable = {
    command,
    args,
    transport: TransportKind.stdio,
    options: { cwd: ctx.workspaceFolder, env: process.env },
  };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    initializationOptions: serverSettings(settings, ctx),
    outputChannel: output,
    synchronize: {
      // rule files and configuration: the server reloads its rules on these
      fileEvents: [
        vscode.workspace.createFileSystemWatcher("**/*.fsr"),
        vscode.workspace.createFileSystemWatcher("**/flowscan.toml"),
        vscode.workspace.createFileSystemWatcher("**/pyproject.toml"),
      ],
    },
    middleware: {
      workspace: {
        // `workspace/configuration` for `flowscan` gets what initializationOptions held,
        // with paths resolved, rather than VS Code's raw section.
        configuration: async (params, token, next) => {
          const answer = await next(params, token);
          if (!Array.isArray(answer)) {
            return answer;
          }
          return params.items.map((item, i) =>
            item.section === "flowscan" ? serverSettings(currentSettings(), pathContext()) : answer[i],
          );
        },
      },
    },
  };
  return new LanguageClient(CLIENT_ID, "flowscan", serverOptions, clientOptions);
}

async function startClient(output: vscode.OutputChannel): Promise<void> {
  current = currentSettings();
  client = createClient(current, output);
  try {
    await client.start();
  } catch (err) {
    const { command, args } = serverCommand(current, pathContext());
    void vscode.window.showErrorMessage(
      `flowscan: could not start \`${[command, ...args].join(" ")}\` (${String(err)}). ` +
        "Set flowscan.path or flowscan.interpreter to a flowscan installation.",
    );
  }
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    await running.stop().catch(() => undefined);
  }
}

export async function onConfigurationChanged(output: vscode.OutputChannel): Promise<void> {
  const next = currentSettings();
  if (client === undefined || current === undefined || needsRestart(current, next)) {
    await stopClient();
    await startClient(output);
    return;
  }
  current = next;
  await client.sendNotification("workspace/didChangeConfiguration", {
    settings: { flowscan: serverSettings(next, pathContext()) },
  });
}

export async function showDataFlow(arg?: unknown): Promise<DataFlowView | undefined> {
  if (client === undefined) {
    void vscode.window.showErrorMessage("flowscan: the language server is not running.");
    return undefined;
  }
  const params = dataFlowParams(arg);
  let view: DataFlowView;
  try {
    view = parseDataFlowResult(await client.sendRequest(DATA_FLOW_REQUEST, params), params);
  } catch (err) {
    void vscode.window.showErrorMessage(`flowscan: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  lastView = view;
  if (panel === undefined) {
    panel = vscode.window.createWebviewPanel(
      "flowscan.dataFlow",
      "flowscan: data flow",
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: false, enableCommandUris: false, localResourceRoots: [] },
    );
    panel.onDidDispose(() => {
      panel = undefined;
    });
  }
  panel.webview.html = dataFlowHtml(view, panel.webview.cspSource);
  panel.reveal(undefined, true);
  return view;
}

async function openDataFlowDocument(): Promise<void> {
  const view = lastView ?? (await showDataFlow());
  if (view === undefined) {
    return;
  }
  const document = await vscode.workspace.openTextDocument({
    language: "markdown",
    content: "```mermaid\n" + view.mermaid.replace(/\n*$/, "\n") + "```\n",
  });
  await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("flowscan");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("flowscan.showDataFlow", (arg?: unknown) => showDataFlow(arg)),
    vscode.commands.registerCommand("flowscan.showFileDataFlow", (arg?: unknown) =>
      showDataFlow(arg ?? vscode.window.activeTextEditor?.document.uri.toString()),
    ),
    vscode.commands.registerCommand("flowscan.openDataFlowDocument", () => openDataFlowDocument()),
    vscode.commands.registerCommand("flowscan.restartServer", async () => {
      await stopClient();
      await startClient(output);
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("flowscan")) {
        void onConfigurationChanged(output);
      }
    }),
    { dispose: () => void stopClient() },
  );
  await startClient(output);
}

export async function deactivate(): Promise<void> {
  panel?.dispose();
  await stopClient();
}
