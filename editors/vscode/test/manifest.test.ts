// package.json against the code: every setting the code reads is declared with the
// default the code assumes, every command registered is contributed, the files exist.

import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

import { readSettings } from "../src/settings";
import { FakeLanguageClient, fakeContext, loadExtension, makeWorld } from "./fakes";

const ROOT = path.resolve(__dirname, "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const properties = manifest.contributes.configuration.properties as Record<string, { default: unknown }>;

test("declared defaults are the defaults the code assumes", () => {
  const declared: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) {
    declared[key.replace(/^flowscan\./, "")] = schema.default;
  }
  const fromDefaults = readSettings({ get: (key: string) => declared[key] as any });
  const fromNothing = readSettings({ get: () => undefined });
  assert.deepEqual(fromDefaults, fromNothing);
  assert.deepEqual(Object.keys(properties).sort(), [
    "flowscan.builtinRules",
    "flowscan.diagnostics.workspace",
    "flowscan.interpreter",
    "flowscan.minimumSeverity",
    "flowscan.path",
    "flowscan.rules",
    "flowscan.scaffold.directory",
    "flowscan.scaffold.target",
    "flowscan.severity",
    "flowscan.trace.server",
    "flowscan.workspaceScan",
  ]);
});

test("every registered command is contributed, and only those", async () => {
  const world = makeWorld();
  await loadExtension(world).activate(fakeContext());
  const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual([...world.commands.keys()].sort(), contributed);
  assert.equal(FakeLanguageClient.instances.length, 1);
});

test("the extension activates for every language it serves", () => {
  const events = new Set(manifest.activationEvents);
  for (const language of ["python", "go", "java", "rust", "sql"]) {
    assert.ok(events.has(`onLanguage:${language}`), language);
  }
  // onLanguage:flowscan is implied by contributes.languages since VS Code 1.74
  assert.deepEqual(manifest.contributes.languages[0].extensions, [".fsr"]);
  assert.equal(manifest.contributes.grammars[0].language, "flowscan");
});

test("the files the manifest names exist; the languageclient fits the engine", () => {
  assert.ok(fs.existsSync(path.join(ROOT, manifest.contributes.languages[0].configuration)));
  assert.ok(fs.existsSync(path.join(ROOT, manifest.contributes.grammars[0].path)));
  assert.ok(fs.existsSync(path.join(ROOT, "LICENSE")));
  assert.equal(manifest.main, "./dist/extension.js");
  assert.match(manifest.dependencies["vscode-languageclient"], /^\^9\./);
  assert.equal(manifest.engines.vscode, "^1.82.0");
  const languageConfiguration = JSON.parse(
    fs.readFileSync(path.join(ROOT, manifest.contributes.languages[0].configuration), "utf8"),
  );
  assert.equal(languageConfiguration.comments.lineComment, "#");
});
