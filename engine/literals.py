"""The text a code node stands for when the file shows it: a literal, a concatenation of
literals, or a name bound to one (`ORDERS_SQL = "SELECT ..."` ... `cur.execute(ORDERS_SQL)`).
"""

from __future__ import annotations

import tree_sitter as ts

from flowscan.languages.base import Adapter, node_text

_CONCATENATIONS = frozenset({"binary_operator", "binary_expression"})
_WRAPPERS = frozenset({"parenthesized_expression", "expression_list"})
_MAX_DEPTH = 8


class LiteralReader:
    """Reads literal text in one file; name bindings are collected once, on first need."""

    def __init__(self, adapter: Adapter, root: ts.Node) -> None:
        self.adapter = adapter
        self.root = root
        self._bindings: dict[str, list[tuple[int, ts.Node]]] | None = None

    def text(self, node: ts.Node, depth: int = 0, holes: bool = False) -> str | None:
        """The literal text; with `holes`, parts of a concatenation known only at run time
        become `{...}` placeholders (`"WHERE day = '" + day + "'"` → `WHERE day = '{day}'`)."""
        if depth > _MAX_DEPTH:
            return None
        value = self.adapter.string_value(node) if node.type in self.adapter.string_kinds else None
        if value is not None:
            return value
        if node.type in _WRAPPERS and node.named_child_count == 1:
            return self.text(node.named_children[0], depth + 1, holes)
        if node.type in _CONCATENATIONS:
            return self._concatenation(node, depth, holes)
        if node.type == "identifier":
            bound = self._binding_before(node_text(node), node.start_byte)
            return self.text(bound, depth + 1, holes) if bound is not None else None
        return None

    def _concatenation(self, node: ts.Node, depth: int, holes: bool) -> str | None:
        operators = [c for c in node.children if not c.is_named]
        if any(op.type != "+" for op in operators):
            return None
        parts = [self.text(child, depth + 1, holes) for child in node.named_children]
        if holes and any(part is not None for part in parts):
            parts = [p if p is not None else "{" + node_text(c) + "}" for p, c in zip(parts, node.named_children)]
        return None if None in parts else "".join(parts)  # type: ignore[arg-type]

    def _binding_before(self, name: str, before: int) -> ts.Node | None:
        """The value last bound to `name` before a use: the nearest preceding assignment."""
        if self._bindings is None:
            self._bindings = self._collect()
        candidates = [value for start, value in self._bindings.get(name, ()) if start < before]
        return candidates[-1] if candidates else None

    def _collect(self) -> dict[str, list[tuple[int, ts.Node]]]:
        bindings: dict[str, list[tuple[int, ts.Node]]] = {}
        if not self.adapter.bindings:
            return bindings
        stack = [self.root]
        while stack:
            node = stack.pop()
            bound = self.adapter.binding(node)
            if bound is not None:
                target, value = _single(bound[0]), _single(bound[1])
                if target.type == "identifier":
                    bindings.setdefault(node_text(target), []).append((node.start_byte, value))
            stack.extend(node.named_children)
        for found in bindings.values():
            found.sort(key=lambda item: item[0])
        return bindings


def _single(node: ts.Node) -> ts.Node:
    """Go's `a := x` holds expression lists even for one name and one value."""
    if node.type == "expression_list" and node.named_child_count == 1:
        return node.named_children[0]
    return node
