"""Incremental edits: the final diagnostics are right, and no stale version is ever published."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsphelpers import diagnostics_for, open_document, until
from lsprotocol import types
from pytest_lsp import LanguageClient

# the module shares one server (and its event loop): see conftest.py
pytestmark = pytest.mark.asyncio(loop_scope="module")


def change(client: LanguageClient, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(*start), types.Position(*end)), text=text
                )
            ],
        )
    )


def summary(diagnostics: list[types.Diagnostic]) -> list[tuple[str, int, int, int, int, str]]:
    return sorted(
        (str(d.code), d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.message)
        for d in diagnostics
    )


async def test_edits_move_add_and_remove_findings(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "report.py")
    assert [d.code for d in await diagnostics_for(client, uri, 1)] == [
        "lsptest.pandas.read-csv",
        "lsptest.pandas.to-parquet",
    ]
    # two lines in front of everything: findings move down
    change(client, uri, 2, (0, 0), (0, 0), "# weekly report\n# of orders\n")
    moved = await diagnostics_for(client, uri, 2)
    assert [d.range.start.line for d in moved] == [6, 7]
    # the read's path changes inside its string (message and entity follow)
    change(client, uri, 3, (6, 29), (6, 35), "archive")
    renamed = {str(d.code): d for d in await diagnostics_for(client, uri, 3)}
    assert renamed["lsptest.pandas.read-csv"].message == "reads out/archive.csv with pandas"
    # the write goes: one finding left
    change(client, uri, 4, (7, 4), (7, 42), "pass")
    assert [d.code for d in await diagnostics_for(client, uri, 4)] == ["lsptest.pandas.read-csv"]
    # several changes in one notification apply in order
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=5),
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(7, 4), types.Position(7, 8)), text='frame.to_parquet("a.parquet")'
                ),
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(0, 0), types.Position(2, 0)), text=""
                ),
            ],
        )
    )
    final = await diagnostics_for(client, uri, 5)
    assert summary(final) == [
        ("lsptest.pandas.read-csv", 4, 12, 4, 42, "reads out/archive.csv with pandas"),
        ("lsptest.pandas.to-parquet", 5, 4, 5, 33, "writes a.parquet as Parquet"),
    ]


async def test_a_burst_of_changes_is_coalesced_and_never_published_stale(
    client: LanguageClient, shared: Path
) -> None:
    # a file big enough that analysing it takes longer than reading a change
    body = "".join(
        f"def job_{i}(day):\n    frame = pd.read_csv('in/{i}.csv')\n    frame.to_parquet('out/{i}.parquet')\n\n"
        for i in range(150)
    )
    text = "import pandas as pd\n\n" + body
    uri = open_document(client, shared / "burst.py", text)
    await diagnostics_for(client, uri, 1)
    versions = list(range(2, 42))
    for version in versions:  # type "x" forty times at the end of line 0, without waiting
        column = len("import pandas as pd") + version - 2
        change(client, uri, version, (0, column), (0, column), "x")
    await diagnostics_for(client, uri, versions[-1])
    published = [p.version for p in client.published if p.uri == uri]  # type: ignore[attr-defined]
    assert published == sorted(published), "versions are published in order"
    assert published[-1] == versions[-1]
    assert len(published) < len(versions), "queued changes are analysed together"
    # the text the server ends with is what the client has: compare with a fresh open
    text = text.replace("import pandas as pd", "import pandas as pd" + "x" * len(versions), 1)
    fresh = open_document(client, shared / "fresh.py", text)
    expected = await diagnostics_for(client, fresh, 1)
    assert summary(client.diagnostics[uri]) == summary(expected)  # type: ignore[arg-type]


async def test_a_full_text_change_replaces_everything(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "report.py")
    await diagnostics_for(client, uri, 1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangeWholeDocument(text="import requests\nrequests.get('https://x.example')\n")],
        )
    )
    (call,) = await diagnostics_for(client, uri, 2)
    assert (call.code, call.range.start.line) == ("lsptest.requests.get", 1)


async def test_edits_with_non_ascii_text_keep_positions(client: LanguageClient, shared: Path) -> None:
    text = "import pandas as pd\nx = pd.read_csv('a.csv')\n"
    uri = open_document(client, shared / "accents.py", text)
    await diagnostics_for(client, uri, 1)
    # insert "é😀; " before the call: 5 UTF-16 units, 8 UTF-8 bytes
    change(client, uri, 2, (1, 0), (1, 0), "é😀; ")
    (read,) = await diagnostics_for(client, uri, 2)
    assert read.range.start == types.Position(1, 9)
    # and remove the emoji again (its two units)
    change(client, uri, 3, (1, 1), (1, 3), "")
    (read,) = await diagnostics_for(client, uri, 3)
    assert read.range.start == types.Position(1, 7)
    await until(lambda: True)
