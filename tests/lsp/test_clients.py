"""The core features again, with the capabilities Neovim and VS Code really send.

Neovim offers UTF-8 positions first, which the server then uses; VS Code speaks UTF-16.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsphelpers import CONFIG, diagnostics_for, edits_for, open_document, options
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

EDITORS = ["neovim@v0.11.0", "visual_studio_code@v1.65.2"]
TEXT = 'import pandas as pd\n\ndef load():\n    note = "für 😀"; orders = pd.read_csv("données.csv")\n'


@pytest_lsp.fixture(config=CONFIG, params=EDITORS)
async def editor(lsp_client: LanguageClient, request: pytest.FixtureRequest, project: Path):
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="project")],
            initialization_options=options(),
        )
    )
    lsp_client.encoding = result.capabilities.position_encoding or types.PositionEncodingKind.Utf16  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def column(line: str, characters: int, encoding: str) -> int:
    prefix = line[:characters]
    if encoding == types.PositionEncodingKind.Utf8:
        return len(prefix.encode("utf-8"))
    return len(prefix.encode("utf-16-le")) // 2


@pytest.mark.asyncio
async def test_diagnostics_hover_and_a_fix_in_each_editor(editor: LanguageClient, project: Path) -> None:
    encoding = editor.encoding  # type: ignore[attr-defined]
    expected = types.PositionEncodingKind.Utf8 if editor.capabilities.general.position_encodings else types.PositionEncodingKind.Utf16  # type: ignore[union-attr]
    assert encoding == expected
    uri = open_document(editor, project / "load.py", TEXT)
    (read,) = await diagnostics_for(editor, uri, 1)
    line = TEXT.splitlines()[3]
    start = line.index("pd.read_csv")
    assert read.range == types.Range(
        types.Position(3, column(line, start, encoding)), types.Position(3, column(line, len(line), encoding))
    )
    hover = await editor.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(3, column(line, start + 4, encoding)))
    )
    assert hover is not None and "lsptest.pandas.read-csv" in hover.contents.value  # type: ignore[union-attr]
    actions = await editor.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            read.range,
            types.CodeActionContext(diagnostics=[read]),
        )
    )
    titles = [action.title for action in actions or []]  # type: ignore[union-attr]
    # both editors create files through workspace edits: the scaffolds are offered
    assert titles[-2:] == [
        "Scaffold a Prefect flow from this source (pipelines/load_load_prefect.py)",
        "Scaffold an Airflow DAG from this source (pipelines/load_load_airflow.py)",
    ]
    suppress = next(a for a in actions if a.title.startswith("Suppress"))  # type: ignore[union-attr]
    (edit,) = edits_for(suppress.edit, uri)  # type: ignore[arg-type]
    assert edit.range.start == types.Position(3, column(line, len(line), encoding))
    assert edit.new_text == "  # flowscan: ignore[lsptest.pandas.read-csv]"
