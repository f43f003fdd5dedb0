"""The flowscan language server: state, the analysis pipeline, and the feature registry.

State lives on `FlowscanServer` (as pygls suggests): the open documents, the rules, the
latest `Analysis` of each document (keyed by URI, holding its version), and the
workspace index. Features are modules under `flowscan.lsp`, each with a `register`
function that adds its handlers; the handlers are thin and read this state.

The pipeline, for every open document:

    didChange (event loop) ─ text and tree edits recorded ─▶ schedule(uri)
    analysis thread: take the latest version + its edits ─▶ analyze_file(old_tree=…)
    event loop: publish, unless the document has moved on (a newer analysis is queued)

Changes that arrive while a file is analysed are coalesced into the next analysis; a
version that is no longer the document's is never published.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import traceback
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from flowscan import __version__
from flowscan.lsp import code_actions, dataflow, diagnostics, fsr, hover, workspace
from flowscan.lsp.analysis import Analysis, analyze_snapshot
from flowscan.lsp.convert import DiagnosticCache
from flowscan.lsp.documents import FSR, Documents
from flowscan.lsp.protocol import FlowscanProtocol
from flowscan.lsp.regions import parsed_cleanly
from flowscan.lsp.rules import LoadedRules, load_rules
from flowscan.lsp.settings import Settings
from flowscan.lsp.worker import DOCUMENT, REQUEST, Worker

log = logging.getLogger(__name__)

#: every feature of the server, in the order they register (one module each)
FEATURES = (workspace, diagnostics, hover, code_actions, dataflow, fsr)

#: how long a request waits for the analysis of the document's current version
FRESH_TIMEOUT = 10.0


class FlowscanServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "flowscan",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=FlowscanProtocol,
        )
        self.documents = Documents()
        self.worker = Worker()
        self.settings = Settings()
        self.root: Path | None = None
        #: set on the analysis thread, so that jobs queued after a reload see the new rules
        self.rules: LoadedRules | None = None
        self.generation = 0
        #: the published analysis of each open document (event loop only)
        self.analyses: dict[str, Analysis] = {}
        #: the diagnostics last published for each open document, reused for unchanged findings
        self.diagnostic_caches: dict[str, DiagnosticCache] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.index = workspace.WorkspaceIndex()
        #: closed rule files whose load errors are shown
        self.rule_error_uris: set[str] = set()
        #: the analysis of the last snapshot taken of each document (analysis thread only)
        self._previous: dict[str, Analysis] = {}
        #: the last of those whose text had no syntax error at the top level
        self._last_good: dict[str, Analysis] = {}
        self._scheduled: set[str] = set()
        self._lock = threading.Lock()
        self._waiters: dict[str, list[tuple[int, asyncio.Future[Any]]]] = defaultdict(list)

    # --- messages to the client, from any thread ----------------------------------------

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run `callback` on the event loop (where messages may be sent from)."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            loop.call_soon(callback, *args)
        else:
            loop.call_soon_threadsafe(callback, *args)

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.call_soon(self.window_log_message, types.LogMessageParams(kind, message))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Any error out of a handler or the transport: a log message (and, for text that is not
        JSON, the ParseError answer JSON-RPC asks for). The server goes on either way."""
        if isinstance(error, ValueError) and type(error).__name__ == "JSONDecodeError":
            self.protocol.answer_error(None, types.ErrorCodes.ParseError, f"parse error: {error}")  # type: ignore[attr-defined]
        details = "".join(traceback.format_exception(error)) if error.__traceback__ else str(error)
        self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"flowscan: {details}"))

    # --- rules --------------------------------------------------------------------------

    def reload_rules(self) -> Future[LoadedRules]:
        """Load the rules again (on the analysis thread, before any analysis queued later)."""
        self.generation += 1
        generation, root, settings = self.generation, self.root, self.settings

        def load() -> LoadedRules:
            loaded = load_rules(root, settings, generation)
            if generation == self.generation:
                self.rules = loaded
            return loaded

        future = self.worker.submit(load, REQUEST)
        future.add_done_callback(lambda done: self.call_soon(self._rules_loaded, done))
        return future

    def _rules_loaded(self, future: Future[LoadedRules]) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            self.report_server_error(error, None)  # type: ignore[arg-type]
            return
        loaded = future.result()
        if loaded.generation != self.generation:
            return
        for problem in loaded.config_errors:
            self.log(f"flowscan: {problem}", types.MessageType.Warning)
        if loaded.errors:
            self.log(f"flowscan: {len(loaded.errors)} errors in rule files:\n" + "\n".join(map(str, loaded.errors)),
                     types.MessageType.Warning)  # fmt: skip
        fsr.publish_load_errors(self, loaded)
        for uri in self.documents.uris():
            current = self.analyses.get(uri)
            # a document analysed with these rules already (opened while they loaded) is done
            if current is None or current.generation != loaded.generation:
                self.schedule(uri)
        workspace.rules_changed(self)

    # --- the analysis pipeline ----------------------------------------------------------

    def schedule(self, uri: str) -> None:
        """Analyse the latest version of `uri` soon; any number of calls before it starts are one."""
        with self._lock:
            if uri in self._scheduled:
                return
            self._scheduled.add(uri)
        self.worker.submit(lambda: self._analyze(uri), DOCUMENT)

    def _analyze(self, uri: str) -> None:
        """On the analysis thread."""
        with self._lock:
            self._scheduled.discard(uri)
        snapshot = self.documents.take(uri)
        rules = self.rules
        if snapshot is None:
            self._previous.pop(uri, None)
            self._last_good.pop(uri, None)
            return
        if rules is None:
            return
        try:
            if snapshot.language == FSR:
                result: Any = fsr.check(snapshot, rules)
            else:
                previous, good = self._previous.get(uri), self._last_good.get(uri)
                result = analyze_snapshot(snapshot, rules.ruleset, previous, self.root, rules.generation, good)
                self._previous[uri] = result
                if parsed_cleanly(result.tree):
                    self._last_good[uri] = result
        except Exception as error:
            self._previous.pop(uri, None)  # the next analysis parses afresh
            self.call_soon(self._failed, uri, error)
            return
        self.call_soon(self._deliver, result)

    def _deliver(self, result: Any) -> None:
        """On the event loop: publish the result if it is still the document's latest."""
        if self.documents.version(result.uri) != result.version:
            return  # closed, or changed since: a newer analysis is queued
        if self.rules is None or result.generation != self.rules.generation:
            return  # the rules changed: every document is analysed again
        if isinstance(result, Analysis):
            self.analyses[result.uri] = result
            self.publish(result)
        else:
            fsr.publish(self, result)
        self._wake(result.uri, result.version)

    def publish(self, analysis: Analysis) -> None:
        diagnostics.publish(self, analysis)

    def _failed(self, uri: str, error: Exception) -> None:
        self.report_server_error(error, None)  # type: ignore[arg-type]
        self._wake(uri, sys.maxsize)

    def _wake(self, uri: str, version: int) -> None:
        waiting = self._waiters.get(uri, [])
        keep = []
        for wanted, future in waiting:
            if wanted <= version:
                if not future.done():
                    future.set_result(None)
            else:
                keep.append((wanted, future))
        self._waiters[uri] = keep

    async def analysis(self, uri: str) -> Analysis | None:
        """The analysis of the document's current version, once it is done (requests call this
        so that a hover or a code action never reads positions of an older text)."""
        version = self.documents.version(uri)
        if version is None:
            return self.analyses.get(uri)
        current = self.analyses.get(uri)
        generation = self.rules.generation if self.rules is not None else -1
        if current is not None and current.version == version and current.generation == generation:
            return current
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters[uri].append((version, future))
        self.schedule(uri)
        try:
            await asyncio.wait_for(future, FRESH_TIMEOUT)
        except asyncio.TimeoutError:
            log.warning("analysis of %s took longer than %ss; answering from the last one", uri, FRESH_TIMEOUT)
        return self.analyses.get(uri)

    def forget(self, uri: str) -> None:
        """A document was closed."""
        self.analyses.pop(uri, None)
        self.diagnostic_caches.pop(uri, None)
        self._wake(uri, sys.maxsize)
        self.worker.submit(lambda: (self._previous.pop(uri, None), self._last_good.pop(uri, None)), DOCUMENT)


def create_server() -> FlowscanServer:
    server = FlowscanServer()
    for feature in FEATURES:
        feature.register(server)
    return server


def start() -> None:
    """Serve over stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="flowscan-lsp %(levelname)s %(message)s")
    server = create_server()
    try:
        server.start_io()
    finally:
        server.worker.stop()
