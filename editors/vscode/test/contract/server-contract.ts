// The extension's side of the wire, against the real `flowscan lsp` (run by
// tests/editors/test_vscode.py, not by `npm test`: it needs the Python package).
//
// It starts the server exactly as the extension would (serverCommand, serverSettings
// from a settings object), opens a document, waits for its diagnostics, changes a
// setting with workspace/didChangeConfiguration as the extension sends it, asks for
// flowscan/dataFlow and renders the answer with the extension's own view code, and
// prints what it saw as JSON.
//
//   node out/test/contract/server-contract.js <python> <workspace folder> <file>

import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";

import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";

import { DATA_FLOW_REQUEST, dataFlowHtml, dataFlowParams, parseDataFlowResult } from "../../src/dataflow";
import { readSettings, serverCommand, serverSettings } from "../../src/settings";

interface Diagnostic {
  code?: string | number;
  severity?: number;
  message: string;
  range: { start: { line: number; character: number } };
  codeDescription?: { href: string };
}

async function main(): Promise<void> {
  const [python, folder, file] = process.argv.slice(2);
  const ctx = { workspaceFolder: folder };
  const values: Record<string, unknown> = { interpreter: python, severity: {} };
  const config = { get: (key: string) => values[key] as any };
  const { command, args } = serverCommand(readSettings(config), ctx);
  const server = cp.spawn(command, args, { cwd: folder, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  server.stderr.on("data", (chunk) => (stderr += chunk));
  const connection = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));

  const uri = pathToFileURL(file).toString();
  const published: Diagnostic[][] = [];
  let waiters: (() => void)[] = [];
  connection.onNotification("textDocument/publishDiagnostics", (params: { uri: string; diagnostics: Diagnostic[] }) => {
    if (params.uri === uri) {
      published.push(params.diagnostics);
      waiters.forEach((w) => w());
      waiters = [];
    }
  });
  // what a client answers: progress tokens, configuration pulls, registrations
  connection.onRequest("window/workDoneProgress/create", () => null);
  connection.onRequest("client/registerCapability", () => null);
  connection.onRequest("workspace/configuration", (params: { items: { section?: string }[] }) =>
    params.items.map((item) => (item.section === "flowscan" ? serverSettings(readSettings(config), ctx) : null)),
  );
  connection.onNotification(() => undefined);
  connection.listen();

  const until = (predicate: () => boolean, ms = 30000) =>
    new Promise<boolean>((resolve) => {
      const deadline = setTimeout(() => resolve(predicate()), ms);
      const check = () => {
        if (predicate()) {
          clearTimeout(deadline);
          resolve(true);
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  const last = () => published[published.length - 1] ?? [];
  const severityOf = (code: string) => last().find((d) => d.code === code)?.severity;

  const result: Record<string, unknown> = { command: [command, ...args] };
  try {
    const init = await connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(folder).toString(),
      workspaceFolders: [{ uri: pathToFileURL(folder).toString(), name: path.basename(folder) }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false } },
        textDocument: { publishDiagnostics: { versionSupport: true, codeDescriptionSupport: true } },
        window: { workDoneProgress: true },
      },
      initializationOptions: serverSettings(readSettings(config), ctx),
    });
    result.serverInfo = (init as { serverInfo?: unknown }).serverInfo;
    await connection.sendNotification("initialized", {});
    await connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "python", version: 1, text: fs.readFileSync(file, "utf8") },
    });
    result.diagnosed = await until(() => last().some((d) => d.code === "python.pandas.to-sql"));
    result.diagnostics = last().map((d) => ({ code: d.code, severity: d.severity, line: d.range.start.line, href: d.codeDescription?.href }));
    result.severityBefore = severityOf("python.pandas.to-sql");

    // the extension's settings change, as it sends it
    values.severity = { "python.pandas.to-sql": "error" };
    await connection.sendNotification("workspace/didChangeConfiguration", {
      settings: { flowscan: serverSettings(readSettings(config), ctx) },
    });
    result.regraded = await until(() => severityOf("python.pandas.to-sql") === 1);
    result.severityAfter = severityOf("python.pandas.to-sql");

    for (const [name, arg] of [["workspace", undefined], ["file", uri]] as const) {
      const params = dataFlowParams(arg);
      const view = parseDataFlowResult(await connection.sendRequest(DATA_FLOW_REQUEST, params), params);
      result[`dataFlow_${name}`] = { view, html: dataFlowHtml(view, "vscode-webview://contract") };
    }
    await connection.sendRequest("shutdown");
    await connection.sendNotification("exit");
    result.ok = true;
  } catch (err) {
    result.ok = false;
    result.error = err instanceof Error ? err.stack : String(err);
  }
  result.stderr = stderr.slice(-4000);
  process.stdout.write(JSON.stringify(result) + "\n");
  connection.dispose();
  server.kill();
}

void main();
