"""Each code action, applied as a client would, then checked by scanning the result again."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from lsphelpers import apply_text_edits, capabilities, diagnostics_for, edits_for, open_document, start
from lsprotocol import types
from pytest_lsp import LanguageClient

from flowscan.languages import adapter

# the module shares one server (and its event loop): see conftest.py
pytestmark = pytest.mark.asyncio(loop_scope="module")


async def actions_at(
    client: LanguageClient, uri: str, line: int, diagnostics: list[types.Diagnostic] | None = None
) -> dict[str, types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(line, 0), types.Position(line, 0)),
            types.CodeActionContext(diagnostics=diagnostics or []),
        )
    )
    return {action.title: action for action in result or []}  # type: ignore[union-attr]


def one(actions: dict[str, types.CodeAction], prefix: str) -> types.CodeAction:
    (found,) = [action for title, action in actions.items() if title.startswith(prefix)]
    return found


async def apply_and_rescan(
    client: LanguageClient, uri: str, text: str, action: types.CodeAction, version: int = 2
) -> tuple[str, list[types.Diagnostic]]:
    """Apply the action's edit to `text`, send it as the next version, return the new diagnostics."""
    assert action.edit is not None
    fixed = apply_text_edits(text, edits_for(action.edit, uri))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    return fixed, await diagnostics_for(client, uri, version)


async def test_a_source_offers_its_rules_templates_and_suppression(client: LanguageClient, shared: Path) -> None:
    uri = open_document(client, shared / "etl.py")
    diagnostics = await diagnostics_for(client, uri, 1)
    actions = await actions_at(client, uri, 6, [d for d in diagnostics if d.range.start.line == 6])
    assert [(a.title, a.kind) for a in actions.values()] == [
        ("Retry this I/O up to 3 times with backoff", types.CodeActionKind.QuickFix),
        ("Check the data read into orders", types.CodeActionKind.QuickFix),
        ("Suppress lsptest.pandas.read-csv on this line", types.CodeActionKind.QuickFix),
        ("Scaffold a Prefect flow from this source (pipelines/etl_export_orders_prefect.py)", types.CodeActionKind.Refactor),
        ("Scaffold an Airflow DAG from this source (pipelines/etl_export_orders_airflow.py)", types.CodeActionKind.Refactor),
    ]
    retry = one(actions, "Retry")
    assert retry.data == {"template": "retry", "applicability": "unsafe", "rule": "lsptest.pandas.read-csv"}
    assert retry.diagnostics and retry.diagnostics[0].code == "lsptest.pandas.read-csv"
    # only what was asked for
    quick = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(6, 0), types.Position(6, 0)),
            types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Refactor]),
        )
    )
    assert [a.kind for a in quick] == [types.CodeActionKind.Refactor] * 2  # type: ignore[union-attr]


async def test_suppress_removes_the_finding(client: LanguageClient, shared: Path) -> None:
    text = (shared / "etl.py").read_text()
    uri = open_document(client, shared / "etl.py", text)
    await diagnostics_for(client, uri, 1)
    suppress = one(await actions_at(client, uri, 12), "Suppress lsptest.requests.get")
    assert suppress.data["applicability"] == "safe"  # type: ignore[index]
    # a versioned edit: the client applies it only to the version it was made for
    change = suppress.edit.document_changes[0]  # type: ignore[union-attr,index]
    assert isinstance(change, types.TextDocumentEdit) and change.text_document.version == 1
    fixed, diagnostics = await apply_and_rescan(client, uri, text, suppress)
    assert "timeout=10)  # flowscan: ignore[lsptest.requests.get]\n" in fixed
    assert "lsptest.requests.get" not in [d.code for d in diagnostics]
    assert len(diagnostics) == 4


async def test_retry_wraps_the_read_and_still_parses(client: LanguageClient, shared: Path) -> None:
    text = (shared / "etl.py").read_text()
    uri = open_document(client, shared / "etl.py", text)
    await diagnostics_for(client, uri, 1)
    fixed, diagnostics = await apply_and_rescan(client, uri, text, one(await actions_at(client, uri, 12), "Retry"))
    ast.parse(fixed)
    assert "import time\n" in fixed
    assert "        try:\n            resp = requests.get(" in fixed
    # the read is still found (now inside the loop), and is not offered a second retry
    (call,) = [d for d in diagnostics if d.code == "lsptest.requests.get"]
    again = await actions_at(client, uri, call.range.start.line)
    assert not [title for title in again if title.startswith("Retry")]


async def test_validate_adds_a_check_after_the_read(client: LanguageClient, shared: Path) -> None:
    text = (shared / "etl.py").read_text()
    uri = open_document(client, shared / "etl.py", text)
    await diagnostics_for(client, uri, 1)
    fixed, diagnostics = await apply_and_rescan(client, uri, text, one(await actions_at(client, uri, 6), "Check"))
    ast.parse(fixed)
    assert (
        '    orders = pd.read_csv("data/orders.csv")\n'
        "    if orders.empty or orders.isna().all().any():  # validate what was read\n"
    ) in fixed
    assert [d.code for d in diagnostics].count("lsptest.pandas.read-csv") == 1
    assert not [t for t in await actions_at(client, uri, 6) if t.startswith("Check")]


async def test_retry_in_go(client: LanguageClient, shared: Path) -> None:
    text = (shared / "ingest.go").read_text()
    uri = open_document(client, shared / "ingest.go", text)
    await diagnostics_for(client, uri, 1)
    actions = await actions_at(client, uri, 8)
    assert list(actions) == ["Retry this I/O up to 3 times while it fails", "Suppress lsptest.go.query on this line"]
    fixed, diagnostics = await apply_and_rescan(client, uri, text, actions["Retry this I/O up to 3 times while it fails"])
    assert not adapter("go").parse(fixed.encode()).root_node.has_error
    assert '\t"time"\n)' in fixed
    assert [d.code for d in diagnostics].count("lsptest.go.query") == 2  # the first call, and the retried one


async def test_scaffold_creates_a_new_file_and_never_overwrites(bare: LanguageClient, project: Path) -> None:
    client = bare
    await start(client, project)
    uri = open_document(client, project / "etl.py")
    await diagnostics_for(client, uri, 1)
    scaffold = one(await actions_at(client, uri, 8), "Scaffold a Prefect flow")
    assert scaffold.edit is not None and scaffold.edit.document_changes is not None
    create, write = scaffold.edit.document_changes
    target = project / "pipelines" / "etl_export_orders_prefect.py"
    assert isinstance(create, types.CreateFile) and create.uri == target.as_uri()
    assert create.options == types.CreateFileOptions(overwrite=False, ignore_if_exists=False)
    assert isinstance(write, types.TextDocumentEdit) and write.text_document.uri == target.as_uri()
    text = write.edits[0].new_text  # type: ignore[union-attr]
    compile(text, str(target), "exec")
    assert "def extract_data_orders_csv():" in text and "def load_out_orders_parquet(data):" in text
    assert "@flow(name=\"etl_export_orders\")" in text
    # once the file is there, the next scaffold goes next to it
    target.parent.mkdir()
    target.write_text("# mine\n")
    again = one(await actions_at(client, uri, 8), "Scaffold a Prefect flow")
    assert again.edit.document_changes[0].uri == (target.parent / "etl_export_orders_prefect_2.py").as_uri()  # type: ignore[union-attr,index]
    airflow = one(await actions_at(client, uri, 8), "Scaffold an Airflow DAG")
    compile(airflow.edit.document_changes[1].edits[0].new_text, "dag.py", "exec")  # type: ignore[union-attr,index]


async def test_without_file_creation_there_is_no_scaffold(bare: LanguageClient, project: Path) -> None:
    await start(bare, project, types.ClientCapabilities())
    uri = open_document(bare, project / "etl.py")
    await diagnostics_for(bare, uri, 1)
    actions = await actions_at(bare, uri, 6)
    assert not [title for title in actions if title.startswith("Scaffold")]
    # edits come as `changes` when the client cannot take document changes
    retry = one(actions, "Retry")
    assert retry.edit is not None and retry.edit.changes is not None and retry.edit.document_changes is None


async def test_the_preferred_scaffold_target_comes_first(bare: LanguageClient, project: Path) -> None:
    await start(bare, project, capabilities(), scaffold={"target": "airflow", "directory": "dags"})
    uri = open_document(bare, project / "report.py")
    await diagnostics_for(bare, uri, 1)
    titles = [t for t in await actions_at(bare, uri, 4) if t.startswith("Scaffold")]
    assert titles == [
        "Scaffold an Airflow DAG from this source (dags/report_weekly_airflow.py)",
        "Scaffold a Prefect flow from this source (dags/report_weekly_prefect.py)",
    ]
