"""Code patterns: metavariables rewritten to placeholder identifiers, parsed in context.

`$X` is not an identifier in most grammars, so, as ast-grep does with its "expando"
character, every metavariable becomes an identifier before parsing (`$X` → `__FS_X`,
`$$$XS` → `__FSS_XS`, `$$$` → `__FSS_`, `$_` → `__FS__`). A fragment can parse
differently alone than inside a function (Go's `sql.Open(...)` alone is a type), so each
language lists contexts to try, and the pattern node is the deepest node that spans
exactly the fragment.
"""

from __future__ import annotations

import re
import textwrap

import tree_sitter as ts
from attrs import frozen

from flowscan.languages.base import Adapter

_METAVAR = re.compile(r"\$\$\$([A-Z_][A-Z0-9_]*)?|\$([A-Z_][A-Z0-9_]*)")
_PLACEHOLDER = re.compile(r"__FS(S?)_([A-Z0-9_]*)")
PLACEHOLDER_TEXT = re.compile(rb"__FSS?_")


@frozen
class Metavar:
    name: str  # "" for an anonymous `$$$`, "_" for the wildcard `$_`
    multi: bool

    @property
    def binds(self) -> bool:
        return self.name not in ("", "_")


@frozen
class ParsedPattern:
    """A pattern's tree (kept alive with its source) and the node that is the pattern."""

    tree: ts.Tree
    node: ts.Node
    language: str


def to_placeholders(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0).startswith("$$$"):
            return f"__FSS_{match.group(1) or ''}"
        return f"__FS_{match.group(2)}"

    return _METAVAR.sub(replace, text)


_METAVARS: dict[int, Metavar | None] = {}
# Pattern trees are kept for the life of the process: their node ids key _METAVARS, and
# a freed tree's ids could be reused by another tree's nodes.
_PATTERN_TREES: list[ts.Tree] = []


def metavar_of(node: ts.Node) -> Metavar | None:
    """The metavariable a pattern node stands for (`__FS_X` alone, even wrapped in a statement).

    Asked for the same pattern nodes over and over while matching: remembered by node id
    (pattern trees live as long as the compiled rules, so ids stay theirs).
    """
    key = node.id
    if key in _METAVARS:
        return _METAVARS[key]
    found = _metavar_of(node)
    _METAVARS[key] = found
    return found


def _metavar_of(node: ts.Node) -> Metavar | None:
    text = node.text
    if not text or b"__FS" not in text or len(text) > 64:
        return None
    match = _PLACEHOLDER.fullmatch(text.decode().strip().rstrip(";"))
    if match is None:
        return None
    return Metavar(name=match.group(2), multi=bool(match.group(1)))


def parse_pattern(text: str, adapter: Adapter) -> ParsedPattern | str:
    """Parse a pattern in its language; on failure, a sentence saying why."""
    body = to_placeholders(textwrap.dedent(text).strip())
    if not body:
        return "the pattern is empty"
    encoded = body.encode()
    for prefix, suffix in adapter.pattern_contexts:
        tree = adapter.parse((prefix + body + suffix).encode())
        if tree.root_node.has_error and not _only_placeholder_errors(tree.root_node):
            continue
        start = len(prefix.encode())
        node = _exact_node(tree.root_node, start, start + len(encoded))
        if node is not None:
            _PATTERN_TREES.append(tree)
            return ParsedPattern(tree, node, adapter.name)
    return f"this pattern does not parse as {adapter.name}: `{text.strip()}`"


def _only_placeholder_errors(root: ts.Node) -> bool:
    """Java has no statement that is a bare identifier: `{ $$$ }` leaves an ERROR that is just `$$$`."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            return False
        if node.is_error:
            if not _PLACEHOLDER.fullmatch((node.text or b"").decode().strip()):
                return False
            continue
        if node.has_error:
            stack.extend(node.children)
    return True


def _exact_node(root: ts.Node, start: int, end: int) -> ts.Node | None:
    node = root.named_descendant_for_byte_range(start, end)
    if node is None or node.start_byte != start or node.end_byte != end:
        # the fragment ends with a token that is not part of the node (e.g. `;`)
        node = root.named_descendant_for_byte_range(start, max(start, end - 1))
        if node is None or node.start_byte != start or node.end_byte not in (end, end - 1):
            return None
    # deepest node with the same extent: `f(x)` is the call, not the statement around it
    while True:
        inner = [c for c in node.named_children if c.start_byte == node.start_byte and c.end_byte == node.end_byte]
        if len(inner) != 1:
            return node
        node = inner[0]
