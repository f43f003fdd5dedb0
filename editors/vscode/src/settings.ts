// The extension's settings and what the server receives from them. Pure functions: no
// `vscode` import, so the unit tests run in plain Node.

import * as os from "os";
import * as path from "path";

export const SEVERITIES = ["hint", "info", "warning", "error"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The `flowscan.*` settings, as VS Code stores them. */
export interface FlowscanSettings {
  path: string;
  interpreter: string;
  rules: string[];
  severity: Record<string, Severity>;
  diagnosticsWorkspace: boolean;
  minimumSeverity: Severity;
  builtinRules: boolean;
  workspaceScan: boolean;
  scaffoldTarget: string;
  scaffoldDirectory: string;
}

/**
 * What the server gets, the same shape on every channel: `initializationOptions`,
 * `workspace/didChangeConfiguration` (as `{settings: {flowscan: …}}`) and the answer to
 * `workspace/configuration` for the section `flowscan`. The Neovim plugin sends the same.
 */
export interface ServerSettings {
  rules: string[];
  severity: Record<string, Severity>;
  diagnostics: { workspace: boolean };
  minimumSeverity: Severity;
  builtinRules: boolean;
  workspaceScan: boolean;
  scaffold: { target: string; directory: string };
}

/** The part of `vscode.WorkspaceConfiguration` the extension reads. */
export interface ConfigurationLike {
  get<T>(section: string): T | undefined;
}

/** Where `~`, `${workspaceFolder}` and relative paths are taken from. */
export interface PathContext {
  workspaceFolder?: string;
  home?: string;
  env?: Record<string, string | undefined>;
}

export function readSettings(config: ConfigurationLike): FlowscanSettings {
  const str = (key: string, fallback: string): string => {
    const value = config.get<unknown>(key);
    return typeof value === "string" ? value.trim() : fallback;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const value = config.get<unknown>(key);
    return typeof value === "boolean" ? value : fallback;
  };
  const minimum = str("minimumSeverity", "hint").toLowerCase();
  const rules = config.get<unknown>("rules");
  return {
    path: str("path", "flowscan") || "flowscan",
    interpreter: str("interpreter", ""),
    rules: Array.isArray(rules)
      ? rules.filter((r): r is string => typeof r === "string" && r.trim() !== "").map((r) => r.trim())
      : [],
    severity: cleanSeverity(config.get<unknown>("severity")),
    diagnosticsWorkspace: bool("diagnostics.workspace", false),
    minimumSeverity: (SEVERITIES as readonly string[]).includes(minimum) ? (minimum as Severity) : "hint",
    builtinRules: bool("builtinRules", true),
    workspaceScan: bool("workspaceScan", true),
    scaffoldTarget: str("scaffold.target", "prefect") || "prefect",
    scaffoldDirectory: str("scaffold.directory", "pipelines") || "pipelines",
  };
}

/** Keeps only `rule-id → hint|info|warning|error` pairs (a typo would otherwise reach the server). */
export function cleanSeverity(value: unknown): Record<string, Severity> {
  const out: Record<string, Severity> = {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return out;
  }
  for (const [rule, severity] of Object.entries(value as Record<string, unknown>)) {
    if (typeof severity === "string" && (SEVERITIES as readonly string[]).includes(severity.toLowerCase())) {
      out[rule] = severity.toLowerCase() as Severity;
    }
  }
  return out;
}

/** Expands `~`, `${workspaceFolder}`, `${userHome}` and `${env:NAME}`. */
export function expandVariables(value: string, ctx: PathContext): string {
  const home = ctx.home ?? os.homedir();
  const env = ctx.env ?? process.env;
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name: string, envName?: string) => {
    if (envName !== undefined) {
      return env[envName] ?? "";
    }
    if (name === "userHome") {
      return home;
    }
    return ctx.workspaceFolder ?? whole;
  });
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = home + out.slice(1);
  }
  return out;
}

/** A rule path for the server: expanded, and absolute when a workspace folder is known. */
export function resolvePath(value: string, ctx: PathContext): string {
  const expanded = expandVariables(value, ctx);
  if (path.isAbsolute(expanded) || ctx.workspaceFolder === undefined) {
    return expanded;
  }
  return path.join(ctx.workspaceFolder, expanded);
}

/**
 * An executable: a bare name (`flowscan`, `python3`) is left for the `PATH` lookup, a
 * path with a separator (`.venv/bin/flowscan`) is taken from the workspace folder.
 */
export function resolveExecutable(value: string, ctx: PathContext): string {
  const expanded = expandVariables(value, ctx);
  if (!/[\\/]/.test(expanded)) {
    return expanded;
  }
  return resolvePath(expanded, ctx);
}

export function serverSettings(settings: FlowscanSettings, ctx: PathContext): ServerSettings {
  return {
    rules: settings.rules.map((rule) => resolvePath(rule, ctx)),
    severity: { ...settings.severity },
    diagnostics: { workspace: settings.diagnosticsWorkspace },
    minimumSeverity: settings.minimumSeverity,
    builtinRules: settings.builtinRules,
    workspaceScan: settings.workspaceScan,
    scaffold: { target: settings.scaffoldTarget, directory: settings.scaffoldDirectory },
  };
}

export interface ServerCommand {
  command: string;
  args: string[];
}

/** `flowscan.interpreter` wins: `<python> -m flowscan lsp`; otherwise `<flowscan.path> lsp`. */
export function serverCommand(settings: FlowscanSettings, ctx: PathContext): ServerCommand {
  if (settings.interpreter !== "") {
    return { command: resolveExecutable(settings.interpreter, ctx), args: ["-m", "flowscan", "lsp"] };
  }
  return { command: resolveExecutable(settings.path, ctx), args: ["lsp"] };
}

/** A change of these needs a new server process; the others are sent to the running one. */
export function needsRestart(before: FlowscanSettings, after: FlowscanSettings): boolean {
  return before.path !== after.path || before.interpreter !== after.interpreter;
}
