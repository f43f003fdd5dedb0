"""Rust: `use` trees with groups, `self` and aliases; `::` paths; raw and byte strings."""

from __future__ import annotations

from collections import deque

import tree_sitter as ts
import tree_sitter_rust

from flowscan.languages.base import Adapter, Imports, QualifiedName, node_text, suffix_matches

_PATH_KEYWORDS = frozenset({"self", "crate", "super"})
#: the nodes a `use` declaration can hide in, short of expressions (searched for speed)
_ITEM_CONTAINERS = frozenset(
    {"mod_item", "impl_item", "trait_item", "function_item", "declaration_list", "block"}
)


class Rust(Adapter):
    name = "rust"
    extensions = (".rs",)
    comment_prefix = "//"
    # An expression pattern needs `;` to be a statement (`File::open($P)?`); a `let` or a
    # block has its own; items (`fn`, `impl`, `use`) parse only at top level.
    pattern_contexts = (("fn _f() {\n", ";\n}"), ("fn _f() {\n", "\n}"), ("", ""))
    string_kinds = frozenset({"string_literal", "raw_string_literal"})
    callees = {"call_expression": "function", "macro_invocation": "macro"}
    bindings = {
        "let_declaration": ("pattern", "value"),
        "const_item": ("name", "value"),
        "static_item": ("name", "value"),
        "assignment_expression": ("left", "right"),
        "for_expression": ("pattern", "value"),
    }
    # Doc comments (`///`, `//!`) are line_comment nodes with a doc_comment child.
    comment_kinds = frozenset({"line_comment", "block_comment"})
    function_kinds = frozenset({"function_item", "closure_expression", "source_file"})

    def __init__(self) -> None:
        super().__init__(ts.Language(tree_sitter_rust.language()))

    def imports(self, root: ts.Node) -> Imports:
        # `use` may sit in any module, impl, function or block. A file-wide table is the
        # approximation, and the outermost binding of a name wins (breadth first).
        table: Imports = {}
        pending = deque([root])
        while pending:
            node = pending.popleft()
            for child in node.named_children:
                if child.type == "use_declaration":
                    argument = child.child_by_field_name("argument")
                    if argument is not None:
                        found: Imports = {}
                        self._bind_tree(argument, (), found)
                        for local, target in found.items():
                            table.setdefault(local, target)
                elif child.type in _ITEM_CONTAINERS:
                    pending.append(child)
        return table

    def _bind_tree(self, node: ts.Node, prefix: QualifiedName, table: Imports) -> None:
        """Bind the names of one use tree, found under the path `prefix`."""
        kind = node.type
        if kind == "use_as_clause":
            path = node.child_by_field_name("path")
            alias = node.child_by_field_name("alias")
            name = self.qualified_name(path) if path is not None else None
            if name and alias is not None and node_text(alias) != "_":
                table[node_text(alias)] = prefix + name
        elif kind == "scoped_use_list":
            path = node.child_by_field_name("path")
            inner = self.qualified_name(path) if path is not None else ()
            listing = node.child_by_field_name("list")
            if inner is not None and listing is not None:
                self._bind_tree(listing, prefix + inner, table)
        elif kind == "use_list":
            for item in node.named_children:
                if item.type == "self":
                    # `use std::fs::{self, File}` binds `fs`
                    if prefix:
                        table[prefix[-1]] = prefix
                else:
                    self._bind_tree(item, prefix, table)
        elif kind != "use_wildcard":  # `use std::io::*` binds nothing a pattern can name
            name = self.qualified_name(node)
            if name and name[-1] not in _PATH_KEYWORDS:
                table[name[-1]] = prefix + name

    def qualified_name(self, node: ts.Node) -> QualifiedName | None:
        kind = node.type
        if kind in ("identifier", "type_identifier", "field_identifier") or kind in _PATH_KEYWORDS:
            return (node_text(node),)
        if kind in ("scoped_identifier", "scoped_type_identifier"):
            name = node.child_by_field_name("name")
            if name is None:
                return None
            path = node.child_by_field_name("path")
            if path is None:  # `::std::fmt` is rooted at the crate list; no segment for it
                return (node_text(name),)
            head = self.qualified_name(path)
            return head + (node_text(name),) if head else None
        if kind == "field_expression":
            # `self.pool.execute`: the receiver chain, as Python's attributes or Go's selectors
            value = node.child_by_field_name("value")
            field = node.child_by_field_name("field")
            if value is None or field is None:
                return None
            head = self.qualified_name(value)
            return head + (node_text(field),) if head else None
        if kind == "generic_type":
            # `HashMap<K, V>` and `Vec::<u8>` name `HashMap` and `Vec`
            base = node.child_by_field_name("type")
            return self.qualified_name(base) if base is not None else None
        if kind == "generic_function":
            # `sqlx::query_as::<_, User>` names `sqlx::query_as`
            base = node.child_by_field_name("function")
            return self.qualified_name(base) if base is not None else None
        return None

    def name_matches(self, pattern: QualifiedName, code: QualifiedName) -> bool:
        # `File::open` names `std::fs::File::open`
        return suffix_matches(pattern, code)

    def string_value(self, node: ts.Node) -> str | None:
        text = node_text(node)
        if node.type == "raw_string_literal":
            # r"…", r#"…"#, br##"…"##: the closing quote is followed by as many `#` as opened
            quote = text.find('"')
            if quote < 0:
                return None
            hashes = quote - (text.find("r") + 1)
            end = len(text) - 1 - hashes
            return text[quote + 1: end] if end > quote else None
        if node.type == "string_literal" and len(node.children) >= 2:
            # the opening token carries the prefix: `"`, `b"`, `c"`
            start, end = node.children[0], node.children[-1]
            raw = node.text or b""
            return raw[start.end_byte - node.start_byte: end.start_byte - node.start_byte].decode(
                "utf-8", "replace"
            )
        return None

