import { test } from "node:test";
import * as assert from "node:assert/strict";

import { DEFAULT_SERVER_SETTINGS, FakeLanguageClient, fakeContext, loadExtension, makeWorld } from "./fakes";

async function activated(settings: Record<string, unknown> = {}) {
  const world = makeWorld("/work/project");
  Object.assign(world.settings, settings);
  const extension = loadExtension(world);
  const context = fakeContext();
  await extension.activate(context);
  return { world, extension, context };
}

const lastClient = () => FakeLanguageClient.instances[FakeLanguageClient.instances.length - 1];

test("activation starts `flowscan lsp` over stdio for the six languages", async () => {
  const { world } = await activated();
  assert.equal(FakeLanguageClient.instances.length, 1);
  const client = lastClient();
  assert.equal(client.started, true);
  assert.equal(client.id, "flowscan");
  assert.deepEqual(client.serverOptions.run, {
    command: "flowscan",
    args: ["lsp"],
    transport: 0,
    options: { cwd: "/work/project", env: process.env },
  });
  assert.deepEqual(client.serverOptions.debug, client.serverOptions.run);
  const languages = new Set(client.clientOptions.documentSelector.map((s: { language: string }) => s.language));
  assert.deepEqual([...languages].sort(), ["flowscan", "go", "java", "python", "rust", "sql"]);
  assert.deepEqual(client.clientOptions.initializationOptions, DEFAULT_SERVER_SETTINGS);
  const watched = client.clientOptions.synchronize.fileEvents.map((w: { glob: string }) => w.glob);
  assert.deepEqual(watched, ["**/*.fsr", "**/flowscan.toml", "**/pyproject.toml"]);
  assert.deepEqual(
    [...world.commands.keys()].sort(),
    ["flowscan.openDataFlowDocument", "flowscan.restartServer", "flowscan.showDataFlow", "flowscan.showFileDataFlow"],
  );
});

test("settings become initializationOptions; the interpreter runs `-m flowscan lsp`", async () => {
  await activated({
    interpreter: ".venv/bin/python",
    rules: ["ci/rules"],
    severity: { "python.pandas.to-sql": "warning" },
    "diagnostics.workspace": true,
  });
  const client = lastClient();
  assert.equal(client.serverOptions.run.command, "/work/project/.venv/bin/python");
  assert.deepEqual(client.serverOptions.run.args, ["-m", "flowscan", "lsp"]);
  assert.deepEqual(client.clientOptions.initializationOptions, {
    ...DEFAULT_SERVER_SETTINGS,
    rules: ["/work/project/ci/rules"],
    severity: { "python.pandas.to-sql": "warning" },
    diagnostics: { workspace: true },
  });
});

test("a settings change is sent as workspace/didChangeConfiguration, no restart", async () => {
  const { world } = await activated();
  await world.changeSettings({ rules: ["more/rules"], "diagnostics.workspace": true });
  assert.equal(FakeLanguageClient.instances.length, 1);
  assert.deepEqual(lastClient().notifications, [
    {
      method: "workspace/didChangeConfiguration",
      params: {
        settings: {
          flowscan: { ...DEFAULT_SERVER_SETTINGS, rules: ["/work/project/more/rules"], diagnostics: { workspace: true } },
        },
      },
    },
  ]);
});

test("a new executable restarts the server with it", async () => {
  const { world } = await activated();
  const first = lastClient();
  await world.changeSettings({ path: "/opt/flowscan/bin/flowscan" });
  assert.equal(first.stopped, true);
  assert.equal(FakeLanguageClient.instances.length, 2);
  assert.equal(lastClient().started, true);
  assert.equal(lastClient().serverOptions.run.command, "/opt/flowscan/bin/flowscan");
  assert.deepEqual(first.notifications, []);
});

test("workspace/configuration for `flowscan` answers what initializationOptions held", async () => {
  const { world } = await activated({ rules: ["r"] });
  const middleware = lastClient().clientOptions.middleware.workspace.configuration;
  world.settings.severity = { "a.b": "error" };
  const answer = await middleware(
    { items: [{ section: "flowscan" }, { section: "editor" }] },
    undefined,
    async () => [{ raw: true }, { tabSize: 4 }],
  );
  assert.deepEqual(answer, [
    { ...DEFAULT_SERVER_SETTINGS, rules: ["/work/project/r"], severity: { "a.b": "error" } },
    { tabSize: 4 },
  ]);
});

test("showDataFlow sends flowscan/dataFlow and shows the Mermaid source in a script-less webview", async () => {
  const { world } = await activated();
  FakeLanguageClient.answers.set("flowscan/dataFlow", {
    mermaid: "flowchart LR\n  a --> b\n",
    json: { nodes: [{}, {}], edges: [{}] },
  });
  await world.commands.get("flowscan.showDataFlow")!();
  await world.commands.get("flowscan.showDataFlow")!("file:///work/project/etl.py");
  assert.deepEqual(lastClient().requests, [
    { method: "flowscan/dataFlow", params: {} },
    { method: "flowscan/dataFlow", params: { uri: "file:///work/project/etl.py" } },
  ]);
  assert.equal(world.panels.length, 1, "one panel, reused");
  const panel = world.panels[0];
  assert.equal(panel.options.enableScripts, false);
  assert.match(panel.webview.html, /<pre id="mermaid">flowchart LR\n  a --&gt; b\n<\/pre>/);
  assert.match(panel.webview.html, /Data flow of file:\/\/\/work\/project\/etl\.py/);
  assert.equal(panel.revealed, 2);

  await world.commands.get("flowscan.openDataFlowDocument")!();
  assert.deepEqual(world.documents, [{ language: "markdown", content: "```mermaid\nflowchart LR\n  a --> b\n```\n" }]);
});

test("a code lens's [{uri}] argument and the active editor pick the file", async () => {
  const { world } = await activated();
  FakeLanguageClient.answers.set("flowscan/dataFlow", "flowchart LR\n");
  await world.commands.get("flowscan.showDataFlow")!({ uri: "file:///w/a.py" });
  world.vscode.window.activeTextEditor = { document: { uri: { toString: () => "file:///w/b.py" } } };
  await world.commands.get("flowscan.showFileDataFlow")!();
  assert.deepEqual(
    lastClient().requests.map((r) => r.params),
    [{ uri: "file:///w/a.py" }, { uri: "file:///w/b.py" }],
  );
});

test("a failing or empty dataFlow answer is reported, no panel", async () => {
  const { world } = await activated();
  FakeLanguageClient.answers.set("flowscan/dataFlow", new Error("no workspace scanned yet"));
  await world.commands.get("flowscan.showDataFlow")!();
  FakeLanguageClient.answers.set("flowscan/dataFlow", null);
  await world.commands.get("flowscan.showDataFlow")!();
  assert.deepEqual(world.errors, ["flowscan: no workspace scanned yet", "flowscan: flowscan/dataFlow returned no diagram"]);
  assert.equal(world.panels.length, 0);
});

test("restart command and deactivate stop the client", async () => {
  const { world, extension } = await activated();
  const first = lastClient();
  await world.commands.get("flowscan.restartServer")!();
  assert.equal(first.stopped, true);
  assert.equal(FakeLanguageClient.instances.length, 2);
  await extension.deactivate();
  assert.equal(lastClient().stopped, true);
});
