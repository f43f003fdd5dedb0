"""Open documents as the analyser sees them: bytes, version, and the tree edits since the
analyser last took the text.

The event loop applies each `didChange` here as it arrives (text and `Tree.edit` record
both); the analysis thread takes a snapshot of the latest version together with the
edits it has not seen, so any number of queued changes become one re-parse.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from attrs import define, frozen
from lsprotocol import types
from pygls.uris import to_fs_path

from flowscan.languages import by_extension
from flowscan.lsp.positions import LineIndex

#: the language id of rule files
FSR = "fsr"


@frozen
class TreeEdit:
    """The arguments of tree-sitter's `Tree.edit` for one change."""

    start_byte: int
    old_end_byte: int
    new_end_byte: int
    start_point: tuple[int, int]
    old_end_point: tuple[int, int]
    new_end_point: tuple[int, int]


@frozen
class Snapshot:
    """One version of a document, handed to the analysis thread."""

    uri: str
    path: Path | None
    language: str
    version: int
    source: bytes
    lines: LineIndex
    #: edits from the text of the previous snapshot to this one; None: no tree to reuse
    edits: tuple[TreeEdit, ...] | None


@define
class Document:
    uri: str
    path: Path | None
    language: str
    version: int
    source: bytes
    encoding: str
    edits: list[TreeEdit]
    #: the text was replaced whole since the last snapshot: the old tree is no use
    reset: bool = False
    _lines: LineIndex | None = None

    @property
    def lines(self) -> LineIndex:
        if self._lines is None or self._lines.source is not self.source:
            self._lines = LineIndex(self.source, self.encoding)
        return self._lines

    def apply(self, change: types.TextDocumentContentChangeEvent) -> None:
        text = change.text.encode("utf-8")
        if not isinstance(change, types.TextDocumentContentChangePartial):
            self.source = text
            self.edits.clear()
            self.reset = True
            return
        lines = self.lines
        start = lines.offset(change.range.start)
        old_end = max(start, lines.offset(change.range.end))
        start_point, old_end_point = lines.point(start), lines.point(old_end)
        self.source = self.source[:start] + text + self.source[old_end:]
        rows = text.count(b"\n")
        if rows:
            new_end_point = (start_point[0] + rows, len(text) - text.rfind(b"\n") - 1)
        else:
            new_end_point = (start_point[0], start_point[1] + len(text))
        self.edits.append(TreeEdit(start, old_end, start + len(text), start_point, old_end_point, new_end_point))


def language_of(uri: str) -> str | None:
    """The flowscan language of a document (`fsr` for rule files), None when we have no rules for it."""
    name = uri.rsplit("/", 1)[-1].split("?", 1)[0]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == ".fsr":
        return FSR
    return by_extension().get(suffix)


class Documents:
    """The open documents, shared by the event loop (writes) and the analysis thread (snapshots)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, Document] = {}

    def open(self, item: types.TextDocumentItem, encoding: str) -> Document | None:
        language = language_of(item.uri)
        if language is None:
            return None
        path = to_fs_path(item.uri)
        document = Document(
            item.uri, Path(path) if path else None, language, item.version, item.text.encode("utf-8"), encoding, [], True
        )
        with self._lock:
            self._open[item.uri] = document
        return document

    def change(
        self, uri: str, version: int, changes: Sequence[types.TextDocumentContentChangeEvent]
    ) -> Document | None:
        with self._lock:
            document = self._open.get(uri)
            if document is None:
                return None
            for change in changes:
                document.apply(change)
            document.version = version
            return document

    def close(self, uri: str) -> Document | None:
        with self._lock:
            return self._open.pop(uri, None)

    def get(self, uri: str) -> Document | None:
        return self._open.get(uri)

    def version(self, uri: str) -> int | None:
        document = self._open.get(uri)
        return None if document is None else document.version

    def uris(self) -> list[str]:
        with self._lock:
            return list(self._open)

    def take(self, uri: str) -> Snapshot | None:
        """The latest version and the edits since the last take (which are then forgotten)."""
        with self._lock:
            document = self._open.get(uri)
            if document is None:
                return None
            edits = None if document.reset else tuple(document.edits)
            document.edits.clear()
            document.reset = False
            return Snapshot(
                uri, document.path, document.language, document.version, document.source, document.lines, edits
            )

    def reset_trees(self) -> None:
        """Next snapshots carry no edits: their trees are parsed afresh."""
        with self._lock:
            for document in self._open.values():
                document.edits.clear()
                document.reset = True
