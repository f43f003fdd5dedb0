"""Small helpers for adapter tests: parse a file, find nodes by kind and text, list errors."""

from __future__ import annotations

from textwrap import dedent

import tree_sitter as ts

from flowscan.languages.base import Adapter


def parse(adapter: Adapter, source: str) -> ts.Node:
    tree = adapter.parse(dedent(source).encode())
    assert not tree.root_node.has_error, "the fixture itself must parse cleanly"
    return tree.root_node


def descendants(root: ts.Node, kind: str) -> list[ts.Node]:
    found, pending = [], [root]
    while pending:
        node = pending.pop()
        if node.type == kind:
            found.append(node)
        pending.extend(reversed(node.children))
    return found


def find(root: ts.Node, kind: str, text: str) -> ts.Node:
    """The first node of `kind` whose source text is `text`."""
    for node in descendants(root, kind):
        if node.text == text.encode():
            return node
    raise AssertionError(f"no {kind} node with text {text!r}")


def errors(node: ts.Node) -> list[str]:
    """ERROR and MISSING nodes, as text, for assertion messages."""
    found = []
    if node.type == "ERROR" or node.is_missing:
        found.append(f"{node.type}{' (missing)' if node.is_missing else ''} {node.text!r}")
    for child in node.children:
        found.extend(errors(child))
    return found


def parses_in_context(adapter: Adapter, context: tuple[str, str], fragment: str) -> list[str]:
    """The errors of a fragment wrapped in one pattern context (empty when it parses)."""
    prefix, suffix = context
    root = adapter.parse((prefix + fragment + suffix).encode()).root_node
    # a recovered parse can flag the root without leaving an ERROR node (Go, top level)
    return errors(root) or (["has_error"] if root.has_error else [])


def first_clean_context(adapter: Adapter, fragment: str) -> int | None:
    """Index of the first pattern context in which the fragment parses, as the engine tries them."""
    for index, context in enumerate(adapter.pattern_contexts):
        if not parses_in_context(adapter, context, fragment):
            return index
    return None
