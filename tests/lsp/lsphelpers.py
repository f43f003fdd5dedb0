"""Helpers of the language server's tests: the client, its capabilities, waiting and editing."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

FIXTURES = Path(__file__).parent / "fixtures"
RULES = FIXTURES / "rules"
SERVER = [sys.executable, "-m", "flowscan", "lsp"]


def make_client() -> LanguageClient:
    """pytest-lsp's client, which also keeps every publishDiagnostics (with its version), in order."""
    client = LanguageClient()
    client.published = []  # type: ignore[attr-defined]

    def publish(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        ls.diagnostics[params.uri] = params.diagnostics
        ls.published.append(params)  # type: ignore[attr-defined]

    client.registrations = []  # type: ignore[attr-defined]

    def register_capability(ls: LanguageClient, params: types.RegistrationParams) -> None:
        ls.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
            types.CLIENT_REGISTER_CAPABILITY: register_capability,
        },
    )
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client)


def capabilities(**workspace: Any) -> types.ClientCapabilities:
    """What a capable client says: progress, document changes with file creation, markdown."""
    return types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True, resource_operations=[types.ResourceOperationKind.Create]
            ),
            **workspace,
        ),
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(value_set=["quickfix", "refactor"])
                )
            ),
        ),
    )


def options(**settings: Any) -> dict[str, Any]:
    return {"flowscan": {"rules": [str(RULES)], "builtinRules": False, "workspaceScan": False, **settings}}


async def start(
    client: LanguageClient,
    root: Path,
    caps: types.ClientCapabilities | None = None,
    **settings: Any,
) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=caps if caps is not None else capabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=options(**settings),
        )
    )


# --- helpers ------------------------------------------------------------------------------


def open_document(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    """Open `path` (with `text`, when given); what was published for it before is forgotten."""
    uri = path.as_uri()
    client.published[:] = [p for p in client.published if p.uri != uri]  # type: ignore[attr-defined]
    client.diagnostics.pop(uri, None)
    language = {".py": "python", ".go": "go", ".fsr": "fsr"}.get(path.suffix, "plaintext")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, language, version, path.read_text() if text is None else text)
        )
    )
    return uri


async def until(condition: Callable[[], Any], timeout: float = 15.0, what: str = "the server") -> Any:
    """Wait for `condition()` to hold (and return its value)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def diagnostics_for(client: LanguageClient, uri: str, version: int | None = None) -> list[types.Diagnostic]:
    """The diagnostics of `uri` as published for `version` (any version when None)."""

    def published() -> list[types.Diagnostic] | None:
        for params in reversed(client.published):  # type: ignore[attr-defined]
            if params.uri == uri and (version is None or params.version == version):
                return list(params.diagnostics) or [None]  # type: ignore[list-item]
        return None

    found = await until(published, what=f"diagnostics of {uri} (version {version})")
    return [d for d in found if d is not None]


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions) to `text`, last first."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: types.Position) -> int:
        line = lines[position.line] if position.line < len(lines) else ""
        base = starts[position.line] if position.line < len(starts) else len(text)
        units = 0
        for index, char in enumerate(line):
            if units >= position.character:
                return base + index
            units += 2 if ord(char) > 0xFFFF else 1
        return base + len(line)

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edits_for(edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    if edit.changes:
        return list(edit.changes.get(uri, []))
    found: list[types.TextEdit] = []
    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri:
            found.extend(change.edits)  # type: ignore[arg-type]
    return found


class RawServer:
    """The server under a bare JSON-RPC pipe, for messages no well-behaved client sends."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls) -> RawServer:
        process = await asyncio.create_subprocess_exec(
            *SERVER, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        return cls(process)

    def send_bytes(self, body: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(json.dumps(message).encode())

    async def receive(self, timeout: float = 15.0) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = 0
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
            if not line:
                raise EOFError("the server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return json.loads(await asyncio.wait_for(self.process.stdout.readexactly(length), timeout))

    async def response(self, request_id: Any, timeout: float = 15.0) -> dict[str, Any]:
        """The next response to `request_id` (notifications and server requests in between are skipped)."""
        while True:
            message = await self.receive(timeout)
            if "method" not in message and message.get("id") == request_id:
                return message

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.send({"jsonrpc": "2.0", "id": "bye", "method": "shutdown"})
            await self.response("bye")
            self.send({"jsonrpc": "2.0", "method": "exit"})
        return await asyncio.wait_for(self.process.wait(), 15)
