"""Bad input never ends the server: every request gets an answer as JSON-RPC says, and errors are logged."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsphelpers import RULES, RawServer, diagnostics_for, open_document, until
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

# the module shares one server (and its event loop): see conftest.py
pytestmark = pytest.mark.asyncio(loop_scope="module")

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "processId": None,
        "rootUri": None,
        "capabilities": {},
        "initializationOptions": {"flowscan": {"rules": [str(RULES)], "builtinRules": False, "workspaceScan": False}},
    },
}


async def test_malformed_and_unknown_messages_are_answered_and_the_server_stays_up(tmp_path: Path) -> None:
    server = await RawServer.start()
    try:
        # a request before initialize
        server.send({"jsonrpc": "2.0", "id": 0, "method": "textDocument/hover", "params": {}})
        assert (await server.response(0))["error"]["code"] == types.ErrorCodes.ServerNotInitialized
        server.send(INITIALIZE)
        assert "capabilities" in (await server.response(1))["result"]
        server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        # text that is not JSON
        server.send_bytes(b'{"jsonrpc": "2.0", "id": 2, "method": ')
        parse_error = await server.response(None)
        assert parse_error["error"]["code"] == types.ErrorCodes.ParseError
        # JSON that is not JSON-RPC 2.0
        server.send({"id": 3, "method": "textDocument/hover"})
        assert (await server.response(3))["error"]["code"] == types.ErrorCodes.InvalidRequest
        server.send_bytes(b"[1, 2, 3]")
        assert (await server.response(None))["error"]["code"] == types.ErrorCodes.InvalidRequest
        # an unknown method
        server.send({"jsonrpc": "2.0", "id": 4, "method": "flowscan/noSuchThing", "params": {}})
        assert (await server.response(4))["error"]["code"] == types.ErrorCodes.MethodNotFound
        # params that do not fit the method
        server.send({"jsonrpc": "2.0", "id": 5, "method": "textDocument/hover", "params": {"position": "here"}})
        invalid = await server.response(5)
        assert invalid["error"]["code"] == types.ErrorCodes.InvalidParams
        assert invalid["error"]["message"].startswith("invalid params for textDocument/hover")
        # an unknown notification is ignored, as the protocol allows
        server.send({"jsonrpc": "2.0", "method": "$/somethingNew", "params": {}})
        # and after all that, real work is still done
        path = tmp_path / "job.py"
        text = "import pandas as pd\nframe = pd.read_csv('a.csv')\n"
        server.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": path.as_uri(), "languageId": "python", "version": 1, "text": text}}})  # fmt: skip
        server.send({"jsonrpc": "2.0", "id": 6, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": path.as_uri()}, "position": {"line": 1, "character": 12}}})  # fmt: skip
        hover = await server.response(6)
        assert "lsptest.pandas.read-csv" in hover["result"]["contents"]["value"]
        assert await server.stop() == 0
    finally:
        if server.process.returncode is None:
            server.process.kill()


async def test_a_request_that_raises_gets_an_error_and_a_log_message(client: LanguageClient, shared: Path) -> None:
    with pytest.raises(JsonRpcException) as raised:
        await client.protocol.send_request_async("flowscan/dataFlow", {"uri": 42})
    assert "uri must be a string, not int" in str(raised.value)
    await until(
        lambda: any("uri must be a string" in m.message and m.type == types.MessageType.Error for m in client.log_messages),
        what="the error in the log",
    )
    # the server goes on
    uri = open_document(client, shared / "report.py")
    assert len(await diagnostics_for(client, uri, 1)) == 2


async def test_requests_about_documents_never_opened_answer_empty(client: LanguageClient, shared: Path) -> None:
    uri = (shared / "nowhere.py").as_uri()
    identifier = types.TextDocumentIdentifier(uri)
    assert await client.text_document_hover_async(types.HoverParams(identifier, types.Position(0, 0))) is None
    assert not await client.text_document_code_action_async(
        types.CodeActionParams(identifier, types.Range(types.Position(0, 0), types.Position(0, 0)), types.CodeActionContext([]))
    )
    assert not await client.text_document_code_lens_async(types.CodeLensParams(identifier))
    # a change to a document that is not open is ignored
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangeWholeDocument(text="x = 1\n")],
        )
    )
    still = open_document(client, shared / "report.py")
    assert len(await diagnostics_for(client, still, 1)) == 2


async def test_a_broken_rule_file_does_not_stop_the_others(bare: LanguageClient, project: Path) -> None:
    rules = project / "rules"
    rules.mkdir()
    (rules / "broken.fsr").write_text("rule team.x {\n  role sauce\n")
    await bare.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=project.as_uri(),
            initialization_options={"flowscan": {"rules": [str(RULES), "rules"], "builtinRules": False,
                                                 "workspaceScan": False}},  # fmt: skip
        )
    )
    uri = open_document(bare, project / "report.py")
    assert len(await diagnostics_for(bare, uri, 1)) == 2
    broken = (rules / "broken.fsr").as_uri()
    (error,) = await diagnostics_for(bare, broken)
    assert error.severity == types.DiagnosticSeverity.Error and error.range.start.line == 1
    assert any("errors in rule files" in m.message for m in bare.log_messages)
    # fixed on disk: the rules load again and the error goes
    (rules / "broken.fsr").write_text("")
    bare.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(broken, types.FileChangeType.Changed)])
    )
    await until(lambda: list(bare.diagnostics[broken]) == [], what="the rule file's error to go")
