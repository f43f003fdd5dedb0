"""Diagnostics: document sync in (open, change, save, close), diagnostics out.

Each change only records the edit and schedules an analysis (see flowscan.lsp.server);
the server publishes the result through `publish` when it is still the latest version.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

from flowscan.lsp import workspace
from flowscan.lsp.analysis import Analysis
from flowscan.lsp.convert import DiagnosticCache, shown

if TYPE_CHECKING:
    from flowscan.lsp.server import FlowscanServer


def register(server: FlowscanServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: FlowscanServer, params: types.DidOpenTextDocumentParams) -> None:
        if ls.documents.open(params.text_document, ls.workspace.position_encoding) is not None:
            ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: FlowscanServer, params: types.DidChangeTextDocumentParams) -> None:
        document = params.text_document
        if ls.documents.change(document.uri, document.version, params.content_changes) is not None:
            ls.schedule(document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: FlowscanServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = to_fs_path(uri)
        if path and workspace.reloads_on_save(ls, Path(path)):
            ls.reload_rules()
        elif uri in ls.documents.uris():
            ls.schedule(uri)
        if path:
            workspace.rebuild_catalog_on_save(ls, Path(path))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: FlowscanServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if ls.documents.close(uri) is not None:
            ls.forget(uri)
            workspace.closed(ls, uri)


def publish(ls: FlowscanServer, analysis: Analysis) -> None:
    cache = ls.diagnostic_caches.setdefault(analysis.uri, DiagnosticCache())
    diagnostics = cache.serialized(ls, shown(ls, analysis.findings), analysis.lines)
    ls.protocol.notify_diagnostics(analysis.uri, analysis.version, diagnostics)  # type: ignore[attr-defined]
