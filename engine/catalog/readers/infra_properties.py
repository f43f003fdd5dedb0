"""Java `.properties` files, as `java.util.Properties.load` reads them, with the line of each key.

Keys end at the first unescaped `=`, `:` or blank; a line ending in an odd number of
backslashes continues on the next; `\\uXXXX` and `\\t`-style escapes are decoded; `#`
and `!` start comments. Spring Boot's `#---` separates documents within one file.
"""

from __future__ import annotations

import re

from attrs import frozen

_DOCUMENT_SEPARATOR = re.compile(r"^[#!]---\s*$")
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_UNICODE = re.compile(r"\\u([0-9a-fA-F]{4})")


@frozen
class Property:
    key: str
    value: str
    line: int
    #: 0 for the first document, 1 after the first `#---`...
    document: int = 0


def parse_properties(text: str) -> list[Property]:
    found: list[Property] = []
    document = 0
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number = index + 1
        logical, index = _logical_line(lines, index)
        stripped = logical.lstrip(" \t\f")
        if _DOCUMENT_SEPARATOR.match(stripped):
            document += 1
            continue
        if not stripped or stripped[0] in "#!":
            continue
        key, value = _split(stripped)
        found.append(Property(_unescape(key), _unescape(value), number, document))
    return found


def _logical_line(lines: list[str], index: int) -> tuple[str, int]:
    """The line at `index` joined with its continuations, and the index after them."""
    pieces: list[str] = []
    line = lines[index]
    while True:
        index += 1
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1 and index < len(lines) and not line.lstrip().startswith(("#", "!")):
            pieces.append(line[:-1])
            line = lines[index].lstrip(" \t\f")
            continue
        pieces.append(line[:-1] if trailing % 2 == 1 else line)
        return "".join(pieces), index


def _split(line: str) -> tuple[str, str]:
    position = 0
    while position < len(line):
        char = line[position]
        if char == "\\":
            position += 2
            continue
        if char in "=: \t\f":
            break
        position += 1
    key = line[:position]
    rest = line[position:].lstrip(" \t\f")
    if rest[:1] in ("=", ":"):
        rest = rest[1:]
    return key, rest.lstrip(" \t\f")


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    text = _UNICODE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)
