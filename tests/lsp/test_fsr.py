"""Rule files in the editor: diagnostics at the right range, completion, hover."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsphelpers import diagnostics_for, open_document
from lsprotocol import types
from pytest_lsp import LanguageClient

GOOD = """pack team.files "Our files"

rule team.read {
  language python
  role source
  kind file
  match `open($PATH)`
  message "opens {PATH}"
  example match `open("a.txt")`
  example no match `close(f)`
}
"""

# the module shares one server (and its event loop): see conftest.py
pytestmark = pytest.mark.asyncio(loop_scope="module")


def where(diagnostic: types.Diagnostic) -> tuple[int, int, int, int]:
    r = diagnostic.range
    return (r.start.line, r.start.character, r.end.line, r.end.character)


async def test_a_good_rule_file_has_no_diagnostics(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "team.fsr", GOOD)
    assert await diagnostics_for(client, uri, 1) == []


async def test_semantic_errors_point_at_their_token(client: LanguageClient, shared: Path) -> None:
    text = GOOD.replace("role source", "role sauce").replace("fix", "fix").replace(
        '  message "opens {PATH}"', '  message "opens {PATH}"\n  fix retry scafold'
    )
    uri = open_document(client, shared / "team.fsr", text)
    diagnostics = await diagnostics_for(client, uri, 1)
    assert [(where(d), d.severity, d.message) for d in diagnostics] == [
        ((4, 7, 4, 12), types.DiagnosticSeverity.Error,
         'unknown role "sauce"; expected one of source, sink, transform, connection, endpoint, pipeline'),
        ((8, 12, 8, 19), types.DiagnosticSeverity.Error,
         'unknown fix template "scafold"; expected one of suppress, retry, validate, scaffold'),
    ]  # fmt: skip


async def test_syntax_errors_and_later_rules(client: LanguageClient, shared: Path) -> None:
    text = GOOD + "\nrule team.broken {\n  role source\n  match open($P)\n}\n"
    uri = open_document(client, shared / "team.fsr", text)
    (error,) = await diagnostics_for(client, uri, 1)
    assert where(error) == (14, 12, 14, 13)
    assert error.message == 'found "(" after open: code is written between backticks, like `open(...)`'


async def test_a_pattern_that_does_not_parse_is_a_compile_error(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "team.fsr", GOOD.replace("`open($PATH)`", "`open($PATH`"))
    diagnostics = await diagnostics_for(client, uri, 1)
    assert diagnostics and diagnostics[0].severity == types.DiagnosticSeverity.Error
    assert diagnostics[0].range.start.line == 6
    assert "python" in diagnostics[0].message


async def test_references_are_checked_against_the_loaded_rules(client: LanguageClient, shared: Path) -> None:
    text = GOOD.replace("rule team.read", "rule lsptest.pandas.read-csv").replace(
        "  match `open($PATH)`", "  match `open($PATH)` inside team.nowhere"
    )
    uri = open_document(client, shared / "team.fsr", text)
    messages = [d.message for d in await diagnostics_for(client, uri, 1)]
    assert any(m.startswith('duplicate rule id "lsptest.pandas.read-csv" (also defined at') for m in messages)
    assert any(m.startswith('unknown pattern "team.nowhere"') for m in messages)


async def test_examples_that_fail_are_warnings(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "team.fsr", GOOD.replace('`close(f)`', '`open("b.txt")`'))
    (warning,) = await diagnostics_for(client, uri, 1)
    assert warning.severity == types.DiagnosticSeverity.Warning
    assert warning.message == "team.read: expected no finding; found one at line 1 of the example"
    assert warning.range.start == types.Position(9, 19)


async def test_diagnostics_follow_edits(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "team.fsr", GOOD.replace("role source", "role sauce"))
    assert len(await diagnostics_for(client, uri, 1)) == 1
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangePartial(range=types.Range(types.Position(4, 7), types.Position(4, 12)), text="sink")],
        )
    )
    assert await diagnostics_for(client, uri, 2) == []


async def complete(client: LanguageClient, uri: str, line: int, character: int) -> list[str]:
    result = await client.text_document_completion_async(
        types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(line, character))
    )
    items = result.items if isinstance(result, types.CompletionList) else result or []
    return [item.label for item in items]


async def test_completion_knows_where_it_is(client: LanguageClient, shared: Path) -> None:
    text = "rule team.x {\n  role \n  language python \n  \n  fix retry \n  entity file = $P \n}\n\n"
    uri = open_document(client, shared / "team.fsr", text)
    assert await complete(client, uri, 1, 7) == ["source", "sink", "transform", "connection", "endpoint", "pipeline"]
    assert await complete(client, uri, 2, 18) == ["go", "java", "rust", "sql"]
    clauses = await complete(client, uri, 3, 2)
    assert clauses[:6] == ["language", "role", "kind", "tech", "severity", "match"] and "fix" in clauses
    assert await complete(client, uri, 4, 12) == ["suppress", "validate", "scaffold"]
    assert await complete(client, uri, 5, 19) == ["read", "write", "both"]
    assert await complete(client, uri, 7, 0) == ["rule", "define", "pack"]
    # after `ro` the client filters `role` out of the clause keywords itself
    assert "role" in await complete(client, uri, 3, 2)


async def test_completion_of_kinds_and_severities(client: LanguageClient, shared: Path) -> None:
    text = "rule team.x {\n  kind \n  severity \n}\n"
    uri = open_document(client, shared / "team.fsr", text)
    assert "object_store" in await complete(client, uri, 1, 7)
    assert await complete(client, uri, 2, 11) == ["hint", "info", "warning", "error"]


async def test_hover_documents_keywords_and_values(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "team.fsr", GOOD)
    keyword = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(4, 3))
    )
    assert keyword is not None and keyword.contents.value.startswith("`role R` — what the finding does")  # type: ignore[union-attr]
    assert keyword.range == types.Range(types.Position(4, 2), types.Position(4, 6))
    value = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(4, 9))
    )
    assert value is not None and value.contents.value == "role: data read into the program"  # type: ignore[union-attr]
    inside_code = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(6, 10))
    )
    assert inside_code is None
