"""The VS Code extension: its package (editors/vscode/flowscan.vsix) and its wire contract.

.ci/run builds it (`npm ci`, `npm test`, `npm run package`: vsce 3 with the extension
bundled by esbuild) before the test command; the extension's own unit tests run with
Node's test runner there. This checks what a user installs (the files, the manifest, a
bundle that needs nothing but VS Code at run time) and, with the compiled test code,
that the extension's settings and data-flow view work against the real server.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parents[2] / "editors" / "vscode"
VSIX = EXTENSION / "flowscan.vsix"
CONTRACT = EXTENSION / "out" / "test" / "contract" / "server-contract.js"


@pytest.fixture(scope="module")
def vsix() -> zipfile.ZipFile:
    if not VSIX.exists():
        pytest.skip("no editors/vscode/flowscan.vsix: built by .ci/run (cd editors/vscode && npm ci && npm run package)")
    with zipfile.ZipFile(VSIX) as archive:
        yield archive


def test_vsix_holds_the_bundle_grammar_and_licence_only(vsix):
    names = set(vsix.namelist())
    assert {
        "extension.vsixmanifest",
        "[Content_Types].xml",
        "extension/package.json",
        "extension/dist/extension.js",
        "extension/syntaxes/flowscan.tmLanguage.json",
        "extension/language-configuration.json",
        "extension/LICENSE.txt",
        "extension/readme.md",
    } <= names
    assert not any("node_modules" in n or n.startswith("extension/src/") or n.startswith("extension/test/") for n in names)


def test_vsix_is_built_from_these_sources(vsix):
    source = json.loads((EXTENSION / "package.json").read_text())
    packaged = json.loads(vsix.read("extension/package.json"))
    for key in ("name", "publisher", "version", "engines", "contributes", "activationEvents", "main"):
        assert packaged[key] == source[key], key
    for name in ("syntaxes/flowscan.tmLanguage.json", "language-configuration.json"):
        assert json.loads(vsix.read(f"extension/{name}")) == json.loads((EXTENSION / name).read_text()), name
    manifest = vsix.read("extension.vsixmanifest").decode()
    assert re.search(r'<Identity [^>]*Id="flowscan"[^>]*Version="%s"[^>]*Publisher="flowscan"' % source["version"], manifest)
    assert "Microsoft.VisualStudio.Code" in manifest


def test_bundle_needs_only_vscode_and_node(vsix):
    bundle = vsix.read("extension/dist/extension.js").decode()
    required = set(re.findall(r'require\("([^"]+)"\)', bundle))
    assert "vscode" in required
    allowed = {
        "vscode", "assert", "child_process", "crypto", "events", "fs", "net", "os", "path", "stream",
        "url", "util", "buffer", "string_decoder", "tty",
    }
    outside = {name for name in required if name.removeprefix("node:") not in allowed}
    assert not outside, f"the bundle requires modules that are not in the .vsix: {sorted(outside)}"
    # the language client is inside the bundle
    assert "flowscan/dataFlow" in bundle
    assert "workspace/didChangeConfiguration" in bundle


def test_extension_settings_and_data_flow_view_work_with_the_real_server(tmp_path):
    node = shutil.which("node")
    if node is None or not CONTRACT.exists():
        pytest.skip("needs node and the compiled extension tests: cd editors/vscode && npm ci && npm test")
    lsp = subprocess.run([sys.executable, "-m", "flowscan", "lsp", "--help"], capture_output=True, timeout=60)
    if lsp.returncode != 0:
        pytest.skip("`flowscan lsp` is not available in this checkout yet")
    (tmp_path / "flowscan.toml").write_text("")
    fixture = tmp_path / "etl.py"
    fixture.write_text('import pandas as pd\n\ndf = pd.read_csv("x.csv")\ndf.to_sql("orders", con)\n')
    proc = subprocess.run(
        [node, str(CONTRACT), sys.executable, str(tmp_path), str(fixture)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.stdout.strip(), proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["ok"], f"{result.get('error')}\n{result['stderr']}"
    assert result["command"] == [sys.executable, "-m", "flowscan", "lsp"]
    assert result["diagnosed"], result["diagnostics"]
    codes = {d["code"] for d in result["diagnostics"]}
    assert {"python.pandas.read-file", "python.pandas.to-sql"} <= codes
    # workspace/didChangeConfiguration as the extension sends it re-grades the findings
    assert (result["severityBefore"], result["severityAfter"]) == (3, 1)
    assert result["regraded"]
    for scope in ("workspace", "file"):
        view = result[f"dataFlow_{scope}"]["view"]
        assert view["mermaid"].startswith("flowchart"), view
        assert view["nodes"] >= 3 and view["edges"] >= 2, view
        html = result[f"dataFlow_{scope}"]["html"]
        assert '<pre id="mermaid">flowchart' in html and "&quot;x.csv&quot;" in html
    assert result["dataFlow_file"]["view"]["scope"] == fixture.as_uri()
