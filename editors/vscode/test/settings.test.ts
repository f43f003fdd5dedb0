import { test } from "node:test";
import * as assert from "node:assert/strict";

import {
  cleanSeverity,
  expandVariables,
  needsRestart,
  readSettings,
  serverCommand,
  serverSettings,
} from "../src/settings";
import { DEFAULT_SERVER_SETTINGS } from "./fakes";

const config = (values: Record<string, unknown>) => ({ get: (key: string) => values[key] as any });
const ctx = { workspaceFolder: "/work/project", home: "/home/ada", env: { VENV: "/opt/venv" } };

test("defaults: `flowscan lsp`, no rules, no severity, no workspace diagnostics", () => {
  const settings = readSettings(config({}));
  assert.deepEqual(settings, {
    path: "flowscan",
    interpreter: "",
    rules: [],
    severity: {},
    diagnosticsWorkspace: false,
    minimumSeverity: "hint",
    builtinRules: true,
    workspaceScan: true,
    scaffoldTarget: "prefect",
    scaffoldDirectory: "pipelines",
  });
  assert.deepEqual(serverCommand(settings, ctx), { command: "flowscan", args: ["lsp"] });
  assert.deepEqual(serverSettings(settings, ctx), DEFAULT_SERVER_SETTINGS);
});

test("an empty or blank path falls back to `flowscan`", () => {
  assert.equal(readSettings(config({ path: "  " })).path, "flowscan");
  assert.equal(readSettings(config({ path: 42 })).path, "flowscan");
});

test("the interpreter wins over the path: `<python> -m flowscan lsp`", () => {
  const settings = readSettings(config({ path: "/usr/bin/flowscan", interpreter: " /usr/bin/python3 " }));
  assert.deepEqual(serverCommand(settings, ctx), { command: "/usr/bin/python3", args: ["-m", "flowscan", "lsp"] });
});

test("executables: bare names stay for PATH, relative paths come from the workspace folder", () => {
  const cmd = (path: string) => serverCommand(readSettings(config({ path })), ctx).command;
  assert.equal(cmd("flowscan"), "flowscan");
  assert.equal(cmd(".venv/bin/flowscan"), "/work/project/.venv/bin/flowscan");
  assert.equal(cmd("${workspaceFolder}/.venv/bin/flowscan"), "/work/project/.venv/bin/flowscan");
  assert.equal(cmd("~/.local/bin/flowscan"), "/home/ada/.local/bin/flowscan");
  assert.equal(cmd("${env:VENV}/bin/flowscan"), "/opt/venv/bin/flowscan");
  const python = serverCommand(readSettings(config({ interpreter: ".venv/bin/python" })), ctx).command;
  assert.equal(python, "/work/project/.venv/bin/python");
});

test("without a workspace folder, relative paths and ${workspaceFolder} are left as written", () => {
  const noFolder = { home: "/home/ada", env: {} };
  assert.equal(serverCommand(readSettings(config({ path: "bin/flowscan" })), noFolder).command, "bin/flowscan");
  assert.equal(expandVariables("${workspaceFolder}/x", noFolder), "${workspaceFolder}/x");
});

test("rules and severity reach the server, rule paths absolute", () => {
  const settings = readSettings(
    config({
      rules: ["ci/rules", " /etc/flowscan/org.fsr ", "", 7, "~/rules"],
      severity: { "python.pandas.to-sql": "warning", "go.sql.exec": "ERROR", "x.y": "loud", "a.b": 3 },
      "diagnostics.workspace": true,
    }),
  );
  assert.deepEqual(serverSettings(settings, ctx), {
    ...DEFAULT_SERVER_SETTINGS,
    rules: ["/work/project/ci/rules", "/etc/flowscan/org.fsr", "/home/ada/rules"],
    severity: { "python.pandas.to-sql": "warning", "go.sql.exec": "error" },
    diagnostics: { workspace: true },
  });
});

test("the server's other settings: minimum severity, built-in rules, background scan, scaffold", () => {
  const settings = readSettings(
    config({
      minimumSeverity: "Warning",
      builtinRules: false,
      workspaceScan: false,
      "scaffold.target": "airflow",
      "scaffold.directory": "dags",
    }),
  );
  assert.deepEqual(serverSettings(settings, ctx), {
    ...DEFAULT_SERVER_SETTINGS,
    minimumSeverity: "warning",
    builtinRules: false,
    workspaceScan: false,
    scaffold: { target: "airflow", directory: "dags" },
  });
  const odd = readSettings(config({ minimumSeverity: "loud", builtinRules: "no", "scaffold.directory": " " }));
  assert.deepEqual(serverSettings(odd, ctx), DEFAULT_SERVER_SETTINGS);
});

test("severity that is not an object is dropped", () => {
  assert.deepEqual(cleanSeverity(["warning"]), {});
  assert.deepEqual(cleanSeverity(null), {});
  assert.deepEqual(cleanSeverity("warning"), {});
});

test("only a new executable or interpreter needs a restart", () => {
  const base = readSettings(config({}));
  assert.equal(needsRestart(base, { ...base, rules: ["r"] }), false);
  assert.equal(needsRestart(base, { ...base, severity: { "a.b": "hint" } }), false);
  assert.equal(needsRestart(base, { ...base, diagnosticsWorkspace: true }), false);
  assert.equal(needsRestart(base, { ...base, path: "/opt/flowscan" }), true);
  assert.equal(needsRestart(base, { ...base, interpreter: "python3" }), true);
});
