// The `flowscan/dataFlow` request and the view of its answer. Pure functions: no
// `vscode` import, so the unit tests run in plain Node.
//
// The diagram is shown as its Mermaid source in a webview with no script at all: the
// extension makes no network request at run time and bundles no renderer. The source
// can be pasted into any Mermaid renderer, or opened as a document (the view's second
// command) where a Mermaid preview extension, if installed, renders it.

export const DATA_FLOW_REQUEST = "flowscan/dataFlow";

/** Params of `flowscan/dataFlow`: a document URI for one file, none for the workspace. */
export interface DataFlowParams {
  uri?: string;
}

export interface DataFlowView {
  /** "workspace" or the file's URI. */
  scope: string;
  mermaid: string;
  nodes?: number;
  edges?: number;
}

/**
 * The command may be run from the palette (no argument), from a code lens the server
 * sends (`arguments: [uri]` or `[{uri}]`), or from an explorer/editor menu (a `Uri`).
 */
export function dataFlowParams(arg: unknown): DataFlowParams {
  if (typeof arg === "string" && arg !== "") {
    return { uri: arg };
  }
  if (arg !== null && typeof arg === "object") {
    const uri = (arg as { uri?: unknown }).uri;
    if (typeof uri === "string" && uri !== "") {
      return { uri };
    }
    if (uri !== null && typeof uri === "object" && typeof (uri as object).toString === "function") {
      return { uri: String(uri) };
    }
    // a vscode.Uri itself
    if ("scheme" in arg && "path" in arg && typeof (arg as object).toString === "function") {
      return { uri: String(arg) };
    }
  }
  return {};
}

/**
 * Reads the answer: `{mermaid, json|graph}` (the graph's `nodes` and `edges` are counted
 * when present), or the Mermaid text alone.
 */
export function parseDataFlowResult(result: unknown, params: DataFlowParams): DataFlowView {
  const scope = params.uri ?? "workspace";
  if (typeof result === "string") {
    return { scope, mermaid: result };
  }
  if (result === null || typeof result !== "object") {
    throw new Error("flowscan/dataFlow returned no diagram");
  }
  const record = result as Record<string, unknown>;
  if (typeof record.mermaid !== "string") {
    throw new Error("flowscan/dataFlow returned no `mermaid` text");
  }
  const view: DataFlowView = { scope, mermaid: record.mermaid };
  const graph = (record.json ?? record.graph) as Record<string, unknown> | undefined;
  if (graph !== null && typeof graph === "object") {
    if (Array.isArray(graph.nodes)) {
      view.nodes = graph.nodes.length;
    }
    if (Array.isArray(graph.edges)) {
      view.edges = graph.edges.length;
    }
  }
  return view;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** The webview page: the Mermaid source in a <pre>, no script, a CSP that allows none. */
export function dataFlowHtml(view: DataFlowView, cspSource: string): string {
  const title = view.scope === "workspace" ? "Data flow of the workspace" : `Data flow of ${view.scope}`;
  const counts: string[] = [];
  if (view.nodes !== undefined) {
    counts.push(`${view.nodes} node${view.nodes === 1 ? "" : "s"}`);
  }
  if (view.edges !== undefined) {
    counts.push(`${view.edges} edge${view.edges === 1 ? "" : "s"}`);
  }
  const summary = counts.length > 0 ? `<p class="summary">${escapeHtml(counts.join(", "))}</p>` : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${escapeHtml(cspSource)} 'unsafe-inline';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
  pre { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size);
        background: var(--vscode-textCodeBlock-background); padding: 1em; overflow: auto; }
  .summary, .hint { color: var(--vscode-descriptionForeground); }
</style>
</head>
<body>
<h2>${escapeHtml(title)}</h2>
${summary}<p class="hint">Mermaid source: paste it into any Mermaid renderer, or run “flowscan: Open Data-Flow Diagram as Document”.</p>
<pre id="mermaid">${escapeHtml(view.mermaid)}</pre>
</body>
</html>
`;
}
