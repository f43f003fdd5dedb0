"""pygls' protocol, made to answer every request it would otherwise leave hanging.

pygls answers unknown methods and handler errors itself. What it drops without a word
is answered here as JSON-RPC 2.0 says, so that a client never waits for a reply that
will not come:

- a request whose params do not fit the method → InvalidParams, with the request's id
- JSON that is not a JSON-RPC 2.0 message (no or another `jsonrpc`, a batch) → InvalidRequest
- a request before `initialize` → ServerNotInitialized (notifications are dropped)

Text that is not JSON at all is answered with ParseError by the server's error report
(the reader, not the protocol, sees it first).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any

from attrs import frozen
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger(__name__)

_ALLOWED_BEFORE_INITIALIZE = frozenset({types.INITIALIZE, types.EXIT})


@frozen
class Unanswerable:
    """A request that could not be read as its method wants: answered with an error."""

    id: int | str | None
    method: str
    code: int
    message: str


class FlowscanProtocol(LanguageServerProtocol):
    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        self.initialize_received = False

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if isinstance(data, dict) and "id" in data and "method" in data:
                cause = error.__cause__ or error
                return Unanswerable(
                    data["id"],
                    str(data["method"]),
                    types.ErrorCodes.InvalidParams,
                    f"invalid params for {data['method']}: {_first_line(str(cause))}",
                )
            raise

    def handle_message(self, message: Any) -> None:
        if isinstance(message, Unanswerable):
            if not self.initialize_received and message.method not in _ALLOWED_BEFORE_INITIALIZE:
                self.answer_error(message.id, types.ErrorCodes.ServerNotInitialized, "the server is not initialized yet")
            else:
                self.answer_error(message.id, message.code, message.message)
            return
        if not hasattr(message, "jsonrpc") or message.jsonrpc != self.VERSION:
            request_id = message.get("id") if isinstance(message, dict) else getattr(message, "id", None)
            log.warning("not a JSON-RPC 2.0 message: %.200r", message)
            self.answer_error(request_id, types.ErrorCodes.InvalidRequest, "not a JSON-RPC 2.0 message")
            return
        method = getattr(message, "method", None)
        if method == types.INITIALIZE:
            self.initialize_received = True
        elif method is not None and not self.initialize_received and method not in _ALLOWED_BEFORE_INITIALIZE:
            if hasattr(message, "id"):
                self.answer_error(message.id, types.ErrorCodes.ServerNotInitialized, "the server is not initialized yet")
            return
        super().handle_message(message)

    def notify_json(self, method: str, params: dict[str, Any]) -> None:
        """A notification whose params are already the protocol's JSON (see flowscan.lsp.convert)."""
        self._send_data({"jsonrpc": self.VERSION, "method": method, "params": params})

    def notify_diagnostics(self, uri: str, version: int | None, diagnostics: list[str]) -> None:
        """publishDiagnostics from diagnostics serialized one by one (and cached: see
        flowscan.lsp.convert), written as pygls writes every message."""
        body = (
            f'{{"jsonrpc": "{self.VERSION}", "method": "{types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS}", '
            f'"params": {{"uri": {json.dumps(uri)}, "version": {json.dumps(version)}, '
            f'"diagnostics": [{", ".join(diagnostics)}]}}}}'
        )
        # json.dumps escapes everything outside ASCII, so characters are bytes here
        header = f"Content-Length: {len(body)}\r\nContent-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
        if self.writer is None:
            log.error("no transport to publish diagnostics on")
            return
        result = self.writer.write((header + body).encode(self.CHARSET))
        if inspect.isawaitable(result):
            asyncio.ensure_future(result)

    def answer_error(self, request_id: int | str | None, code: int, message: str) -> None:
        self._send_data(
            types.ResponseErrorMessage(id=request_id, error=types.ResponseError(code=code, message=message))
        )


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "they do not match the method's schema"
