"""Diagnostics on open, save and close: codes, severities, links, data, exact ranges."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsphelpers import diagnostics_for, open_document, until
from lsprotocol import types
from pytest_lsp import LanguageClient

# the module shares one server (and its event loop): see conftest.py
pytestmark = pytest.mark.asyncio(loop_scope="module")


def by_code(diagnostics: list[types.Diagnostic]) -> dict[str, types.Diagnostic]:
    return {str(d.code): d for d in diagnostics}


async def test_a_document_gets_one_diagnostic_per_finding_on_open(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "etl.py")
    diagnostics = by_code(await diagnostics_for(client, uri, 1))

    read = diagnostics["lsptest.pandas.read-csv"]
    # `orders = pd.read_csv("data/orders.csv")` on line 7 (0-based 6), the call from column 13
    assert read.range == types.Range(types.Position(6, 13), types.Position(6, 43))
    assert read.message == "reads data/orders.csv with pandas"
    assert read.source == "flowscan"
    assert read.severity == types.DiagnosticSeverity.Warning
    assert read.code_description is not None
    assert read.code_description.href.startswith("file://")
    assert read.code_description.href.endswith("tests/lsp/fixtures/rules/data.fsr#L3")
    assert read.data == {
        "rule": "lsptest.pandas.read-csv",
        "role": "source",
        "kind": "file",
        "tech": "pandas",
        "entities": [{"type": "file", "name": "data/orders.csv", "access": "read"}],
        "fixes": ["retry", "validate", "scaffold"],
    }
    # every severity maps: info → Information, hint → Hint, error → Error
    assert diagnostics["lsptest.pandas.to-parquet"].severity == types.DiagnosticSeverity.Information
    assert diagnostics["lsptest.requests.get"].severity == types.DiagnosticSeverity.Hint
    assert diagnostics["lsptest.dbapi.execute"].severity == types.DiagnosticSeverity.Error
    assert diagnostics["lsptest.dbapi.execute"].data["entities"] == [
        {"type": "table", "name": "sales", "access": "write"}
    ]


async def test_go_documents_are_diagnosed_too(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "ingest.go")
    (query,) = await diagnostics_for(client, uri, 1)
    assert query.code == "lsptest.go.query"
    assert query.range.start == types.Position(8, 14)


async def test_columns_count_utf16_code_units(client: LanguageClient, shared: Path) -> None:
    # é is one UTF-16 unit (two UTF-8 bytes), 😀 two units (four bytes)
    text = 'import pandas as pd\nlabel = "é😀"; frame = pd.read_csv("données/😀.csv")\n'
    uri = open_document(client, shared / "unicode.py", text)
    (read,) = await diagnostics_for(client, uri, 1)
    line = text.splitlines()[1]
    start = line.index("pd.read_csv")
    expected_start = len(line[:start].encode("utf-16-le")) // 2
    expected_end = len(line.encode("utf-16-le")) // 2
    assert read.range == types.Range(types.Position(1, expected_start), types.Position(1, expected_end))
    assert read.data["entities"][0]["name"] == "données/😀.csv"


async def test_a_document_with_syntax_errors_keeps_the_findings_of_what_parses(
    client: LanguageClient, shared: Path
) -> None:
    text = (
        "import pandas as pd\n\n"
        "def broken(:\n    return (\n\n"
        "def fine():\n    orders = pd.read_csv('orders.csv')\n"
    )
    uri = open_document(client, shared / "broken.py", text)
    diagnostics = await diagnostics_for(client, uri, 1)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("lsptest.pandas.read-csv", 6)]


async def test_closing_a_document_clears_its_diagnostics(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "report.py")
    assert len(await diagnostics_for(client, uri, 1)) == 2
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await until(lambda: list(client.diagnostics.get(uri, [None])) == [], what="empty diagnostics after close")


async def test_saving_diagnoses_again(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "report.py")
    await diagnostics_for(client, uri, 1)
    before = len(client.published)  # type: ignore[attr-defined]
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await until(lambda: len(client.published) > before, what="diagnostics after save")  # type: ignore[attr-defined]
    assert client.published[-1].version == 1  # type: ignore[attr-defined]


async def test_files_of_other_languages_are_left_alone(client: LanguageClient, shared: Path) -> None:
    notes = shared / "notes.txt"
    notes.write_text("pd.read_csv('x.csv')\n")
    open_document(client, notes)
    uri = open_document(client, shared / "report.py")
    await diagnostics_for(client, uri, 1)
    assert notes.as_uri() not in client.diagnostics
