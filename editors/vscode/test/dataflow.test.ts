import { test } from "node:test";
import * as assert from "node:assert/strict";

import { dataFlowHtml, dataFlowParams, escapeHtml, parseDataFlowResult } from "../src/dataflow";

const MERMAID = 'flowchart LR\n  f0["x.csv"] --> n1["etl.load"]\n  n1 --> t0[("orders")]\n';

test("params: nothing for the workspace, a URI for one file, from every way the command is run", () => {
  assert.deepEqual(dataFlowParams(undefined), {});
  assert.deepEqual(dataFlowParams(""), {});
  assert.deepEqual(dataFlowParams("file:///p/etl.py"), { uri: "file:///p/etl.py" });
  assert.deepEqual(dataFlowParams({ uri: "file:///p/etl.py" }), { uri: "file:///p/etl.py" });
  const uri = { scheme: "file", path: "/p/etl.py", toString: () => "file:///p/etl.py" };
  assert.deepEqual(dataFlowParams(uri), { uri: "file:///p/etl.py" });
  assert.deepEqual(dataFlowParams({ uri }), { uri: "file:///p/etl.py" });
  assert.deepEqual(dataFlowParams(42), {});
});

test("result: {mermaid, json} with node and edge counts, or the Mermaid text alone", () => {
  const view = parseDataFlowResult({ mermaid: MERMAID, json: { nodes: [1, 2, 3], edges: [1, 2] } }, {});
  assert.deepEqual(view, { scope: "workspace", mermaid: MERMAID, nodes: 3, edges: 2 });
  assert.deepEqual(parseDataFlowResult({ mermaid: MERMAID, graph: { nodes: [], edges: [] } }, { uri: "file:///a.py" }), {
    scope: "file:///a.py",
    mermaid: MERMAID,
    nodes: 0,
    edges: 0,
  });
  assert.deepEqual(parseDataFlowResult(MERMAID, {}), { scope: "workspace", mermaid: MERMAID });
});

test("result without Mermaid text is an error the command reports", () => {
  assert.throws(() => parseDataFlowResult(null, {}), /no diagram/);
  assert.throws(() => parseDataFlowResult({ json: {} }, {}), /no `mermaid` text/);
});

test("the page escapes the diagram, runs no script and loads nothing", () => {
  const html = dataFlowHtml(
    { scope: "file:///p/<etl>.py", mermaid: 'A["<script>alert(1)</script>"] --> B & C', nodes: 1, edges: 1 },
    "vscode-webview://abc",
  );
  assert.match(html, /<pre id="mermaid">A\[&quot;&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;\] --&gt; B &amp; C<\/pre>/);
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src vscode-webview:\/\/abc 'unsafe-inline';"/);
  assert.match(html, /Data flow of file:\/\/\/p\/&lt;etl&gt;\.py/);
  assert.match(html, /1 node, 1 edge/);
  assert.doesNotMatch(html, /https?:/);
});

test("escapeHtml covers the five special characters", () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});
