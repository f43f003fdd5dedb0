"""Positions in three systems: bytes (tree-sitter, edits), LSP (0-based line, code units of
the negotiated encoding: UTF-16 unless the client offers UTF-8 or UTF-32), and findings
(1-based line, 1-based character column).

Lines end at `\\n`, as tree-sitter counts rows; a `\\r` before it is part of the line's
text and never inside a position a client sends.
"""

from __future__ import annotations

import bisect
import re

from lsprotocol import types

from flowscan.findings import Position as FindingPosition

_NEWLINE = re.compile(b"\n")
_NON_ASCII = re.compile(b"[\x80-\xff]+")

UTF8 = types.PositionEncodingKind.Utf8
UTF16 = types.PositionEncodingKind.Utf16
UTF32 = types.PositionEncodingKind.Utf32


def units(text: str, encoding: str) -> int:
    """The length of `text` in code units of `encoding`."""
    if text.isascii() or encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


class LineIndex:
    """Where each line of one version of a text starts, and conversions between systems."""

    def __init__(self, source: bytes, encoding: str = UTF16) -> None:
        self.source = source
        self.encoding = encoding
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(source)]
        self._non_ascii: frozenset[int] | None = None

    def is_ascii(self, line: int) -> bool:
        """Whether 0-based `line` is ASCII (its columns are the same in every encoding)."""
        if self._non_ascii is None:
            self._non_ascii = frozenset(
                bisect.bisect_right(self.starts, m.start()) - 1 for m in _NON_ASCII.finditer(self.source)
            )
        return line not in self._non_ascii

    def line_bytes(self, line: int) -> bytes:
        """The bytes of 0-based `line`, without its line end."""
        if line >= len(self.starts):
            return b""
        start = self.starts[line]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.source)
        return self.source[start:end]

    # --- LSP ↔ bytes ------------------------------------------------------------------

    def offset(self, position: types.Position) -> int:
        """The byte of an LSP position; past the end of a line is its end, past the last line the text's end."""
        if position.line >= len(self.starts):
            return len(self.source)
        start = self.starts[position.line]
        line = self.line_bytes(position.line)
        if self.encoding == UTF8 or line.isascii():
            return start + min(position.character, len(line))
        text = line.decode("utf-8", "replace")
        remaining = position.character
        taken = 0
        for char in text:
            width = units(char, self.encoding)
            if remaining < width:
                break
            remaining -= width
            taken += len(char.encode("utf-8"))
        return start + taken

    def position(self, offset: int) -> types.Position:
        """The LSP position of a byte offset."""
        offset = max(0, min(offset, len(self.source)))
        line = bisect.bisect_right(self.starts, offset) - 1
        prefix = self.source[self.starts[line] : offset]
        if self.encoding == UTF8 or prefix.isascii():
            return types.Position(line, len(prefix))
        return types.Position(line, units(prefix.decode("utf-8", "replace"), self.encoding))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(self.position(start), self.position(end))

    def point(self, offset: int) -> tuple[int, int]:
        """tree-sitter's (row, byte column) of a byte offset."""
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, offset - self.starts[line]

    # --- findings → LSP ---------------------------------------------------------------

    def from_finding(self, position: FindingPosition) -> types.Position:
        """A finding's 1-based line and character column as an LSP position."""
        line = position.line - 1
        raw = self.line_bytes(line)
        column = max(position.column - 1, 0)
        if raw.isascii() or self.encoding == UTF32:
            return types.Position(line, min(column, len(raw)))
        return types.Position(line, units(raw.decode("utf-8", "replace")[:column], self.encoding))

    def finding_range(self, start: FindingPosition, end: FindingPosition) -> types.Range:
        return types.Range(self.from_finding(start), self.from_finding(end))


def contains(outer: types.Range, position: types.Position) -> bool:
    start, end = outer.start, outer.end
    return (start.line, start.character) <= (position.line, position.character) <= (end.line, end.character)


def overlaps(a: types.Range, b: types.Range) -> bool:
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and (
        b.start.line,
        b.start.character,
    ) <= (a.end.line, a.end.character)
