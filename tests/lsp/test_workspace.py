"""The workspace: background scan with progress, diagnostics of files not open, rule reloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsphelpers import RULES, capabilities, diagnostics_for, open_document, start, until
from lsprotocol import types
from pytest_lsp import LanguageClient

# the module shares one server (and its event loop): see conftest.py
pytestmark = pytest.mark.asyncio(loop_scope="module")


def progress_kinds(client: LanguageClient) -> list[str]:
    return [getattr(value, "kind", "") for reports in client.progress_reports.values() for value in reports]


async def test_the_workspace_is_scanned_in_the_background_with_progress(bare: LanguageClient, project: Path) -> None:
    await start(bare, project, workspaceScan=True)
    await until(lambda: "end" in progress_kinds(bare), what="the end of the scan's progress")
    (token, reports) = next(iter(bare.progress_reports.items()))
    begin, *middle, end = reports
    assert isinstance(begin, types.WorkDoneProgressBegin)
    assert begin.title == "flowscan: scanning the workspace" and begin.cancellable
    assert middle and all(isinstance(r, types.WorkDoneProgressReport) for r in middle)
    assert middle[-1].message == "3/3 files" and middle[-1].percentage == 100
    assert isinstance(end, types.WorkDoneProgressEnd) and end.message == "3 files, 8 findings"
    # files that are not open get no diagnostics unless the client asks
    assert bare.diagnostics == {}


async def test_files_not_open_are_diagnosed_when_the_client_asks(bare: LanguageClient, project: Path) -> None:
    await start(bare, project, diagnostics={"workspace": True})
    report = (project / "report.py").as_uri()
    ingest = (project / "ingest.go").as_uri()
    await until(lambda: report in bare.diagnostics and ingest in bare.diagnostics, what="workspace diagnostics")
    assert [d.code for d in bare.diagnostics[report]] == ["lsptest.pandas.read-csv", "lsptest.pandas.to-parquet"]
    # a file changed on disk is scanned again
    (project / "report.py").write_text("import pandas as pd\n\npd.read_csv('a.csv')\n")
    bare.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(report, types.FileChangeType.Changed)])
    )
    await until(lambda: len(bare.diagnostics[report]) == 1, what="the changed file's diagnostics")
    # closing an open document leaves it with the diagnostics of the file on disk
    uri = open_document(bare, project / "report.py", "x = 1\n")
    await diagnostics_for(bare, uri, 1)
    bare.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await until(lambda: len(bare.diagnostics[report]) == 1, what="diagnostics from disk after close")


async def test_a_changed_rule_file_reloads_the_rules(bare: LanguageClient, project: Path) -> None:
    rules = project / "rules"
    rules.mkdir()
    (rules / "data.fsr").write_text((RULES / "data.fsr").read_text())
    caps = capabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)
    )
    await bare.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=project.as_uri(),
            initialization_options={"flowscan": {"rules": ["rules"], "builtinRules": False, "workspaceScan": False}},
        )
    )
    uri = open_document(bare, project / "report.py")
    (read, _) = await diagnostics_for(bare, uri, 1)
    assert read.severity == types.DiagnosticSeverity.Warning
    # the server asked to hear of rule and config files
    (registration,) = bare.registrations  # type: ignore[attr-defined]
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    assert [w["globPattern"] for w in registration.register_options["watchers"]] == [
        "**/*.fsr",
        "**/flowscan.toml",
        "**/pyproject.toml",
    ]
    # the rule becomes an error; the server hears of it as a watched file
    text = (rules / "data.fsr").read_text().replace("severity warning", "severity error", 1)
    (rules / "data.fsr").write_text(text)
    before = len(bare.published)  # type: ignore[attr-defined]
    bare.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent((rules / "data.fsr").as_uri(), types.FileChangeType.Changed)])
    )
    await until(lambda: len(bare.published) > before, what="diagnostics after the reload")  # type: ignore[attr-defined]
    read = next(d for d in bare.published[-1].diagnostics if d.code == "lsptest.pandas.read-csv")  # type: ignore[attr-defined]
    assert read.severity == types.DiagnosticSeverity.Error


async def test_the_project_config_and_settings_change_what_is_shown(bare: LanguageClient, project: Path) -> None:
    await start(bare, project)
    uri = open_document(bare, project / "etl.py")
    assert len(await diagnostics_for(bare, uri, 1)) == 5
    # flowscan.toml disables a rule: reloaded as a watched config file
    (project / "flowscan.toml").write_text('disable = ["lsptest.requests.*"]\n')
    before = len(bare.published)  # type: ignore[attr-defined]
    bare.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent((project / "flowscan.toml").as_uri(), types.FileChangeType.Created)]
        )
    )
    await until(lambda: len(bare.published) > before, what="diagnostics after the config changed")  # type: ignore[attr-defined]
    assert "lsptest.requests.get" not in [d.code for d in bare.published[-1].diagnostics]  # type: ignore[attr-defined]
    # a minimum severity from the editor's settings hides hints and infos
    before = len(bare.published)  # type: ignore[attr-defined]
    bare.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"flowscan": {"minimumSeverity": "warning"}})
    )
    await until(lambda: len(bare.published) > before, what="diagnostics after the settings changed")  # type: ignore[attr-defined]
    assert sorted(str(d.code) for d in bare.published[-1].diagnostics) == [  # type: ignore[attr-defined]
        "lsptest.dbapi.execute",
        "lsptest.pandas.read-csv",
        "pipeline.unguarded-write",
    ]


async def test_wrong_settings_are_reported_and_ignored(bare: LanguageClient, project: Path) -> None:
    await start(bare, project, minimumSeverity="loud", scaffold={"target": "luigi"})
    uri = open_document(bare, project / "report.py")
    assert len(await diagnostics_for(bare, uri, 1)) == 2
    messages = [m.message for m in bare.log_messages]
    assert "flowscan: flowscan.minimumSeverity must be one of hint, info, warning, error" in messages
    assert "flowscan: flowscan.scaffold.target must be one of prefect, airflow" in messages


async def test_settings_are_pulled_when_the_notification_carries_none(bare: LanguageClient, project: Path) -> None:
    await start(bare, project, capabilities(configuration=True))
    uri = open_document(bare, project / "etl.py")
    assert len(await diagnostics_for(bare, uri, 1)) == 5
    bare.set_configuration({"minimumSeverity": "error", "scaffold": {"target": "airflow"}}, section="flowscan")
    before = len(bare.published)  # type: ignore[attr-defined]
    bare.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await until(lambda: len(bare.published) > before, what="diagnostics after pulling the settings")  # type: ignore[attr-defined]
    assert [d.code for d in bare.published[-1].diagnostics] == ["lsptest.dbapi.execute"]  # type: ignore[attr-defined]
