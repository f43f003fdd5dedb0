"""diesel's `schema.rs`: `table!` macros as tables, `joinable!` as foreign keys.

    diesel::table! {
        orders (id) {
            id -> Int4,
            note -> Nullable<Text>,
        }
    }
    diesel::joinable!(orders -> customers (customer_id));

A macro's body is a token tree to tree-sitter, not Rust syntax, so it is read token by
token: `name (key, ...) { column -> Type, ... }`, with `#[sql_name = "..."]` attributes
and `///` doc comments. `Nullable<T>` makes a nullable column of type `T`.
"""

from __future__ import annotations

import tree_sitter as ts
from attrs import define, field

from flowscan.catalog.model import Origin, Problem
from flowscan.catalog.readers.ddl_model import AddForeignKey, Change, ColumnSpec, CreateTable, ForeignKeySpec
from flowscan.languages import adapter

SOURCE = "diesel"


@define
class SchemaFile:
    changes: list[Change] = field(factory=list)
    problems: list[Problem] = field(factory=list)


def read_schema(text: str, path: str) -> SchemaFile:
    source = text.encode("utf-8", "replace")
    tree = adapter("rust").parse(source)
    found = SchemaFile()
    reader = _Reader(source, path, found)
    joins: list[ts.Node] = []
    for macro in _macros(tree.root_node):
        name = _macro_name(macro)
        body = next((c for c in macro.named_children if c.type == "token_tree"), None)
        if body is None:
            continue
        if name == "table":
            reader.tables(body)
        elif name == "joinable":
            joins.append(body)
    for body in joins:  # after the tables: a join names the parent's primary key
        reader.joinable(body)
    if tree.root_node.has_error and not found.changes:
        found.problems.append(Problem(path, 1, 1, "Rust syntax error: no diesel table! read"))
    return found


def _macros(root: ts.Node) -> list[ts.Node]:
    found: list[ts.Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "macro_invocation":
            found.append(node)
            continue
        stack.extend(reversed(node.named_children))
    return found


def _macro_name(macro: ts.Node) -> str:
    name = macro.child_by_field_name("macro") or (macro.named_children[0] if macro.named_children else None)
    if name is None:
        return ""
    return _text(name).rsplit("::", 1)[-1]


def _text(node: ts.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


class _Reader:
    def __init__(self, source: bytes, path: str, found: SchemaFile) -> None:
        self.source = source
        self.path = path
        self.found = found
        self.primary_keys: dict[str, tuple[str, ...]] = {}

    def problem(self, node: ts.Node, message: str) -> None:
        row, byte = node.start_point
        column = len(self.source[node.start_byte - byte:node.start_byte].decode("utf-8", "replace")) + 1
        self.found.problems.append(Problem(self.path, row + 1, column, message))

    def tables(self, body: ts.Node) -> None:
        """`[attrs] [schema.]name [(key, ...)] { columns }`, repeated: one macro may hold several tables."""
        tokens = _inner(body)
        i = 0
        attributes: dict[str, str] = {}
        docs: list[str] = []
        while i < len(tokens):
            token = tokens[i]
            if token.type == "line_comment":
                doc = _doc(token)
                if doc is not None:
                    docs.append(doc)
                i += 1
            elif _text(token) == "#" and i + 1 < len(tokens) and tokens[i + 1].type == "token_tree":
                attributes.update(_attribute(tokens[i + 1]))
                i += 2
            elif _text(token) == "use":  # a keyword token, not an identifier
                while i < len(tokens) and _text(tokens[i]) != ";":  # `use diesel::sql_types::*;`
                    i += 1
                i += 1
            elif token.type == "identifier":
                i = self._table(tokens, i, attributes, docs)
                attributes, docs = {}, []
            else:
                i += 1

    def _table(self, tokens: list[ts.Node], i: int, attributes: dict[str, str], docs: list[str]) -> int:
        start = tokens[i]
        name = _text(start)
        i += 1
        while i + 1 < len(tokens) and _text(tokens[i]) == "." and tokens[i + 1].type == "identifier":
            name += "." + _text(tokens[i + 1])
            i += 2
        key: tuple[str, ...] = ("id",)  # diesel's default primary key
        if i < len(tokens) and tokens[i].type == "token_tree" and _text(tokens[i]).startswith("("):
            key = tuple(_text(t) for t in _inner(tokens[i]) if t.type == "identifier")
            i += 1
        if i >= len(tokens) or tokens[i].type != "token_tree" or not _text(tokens[i]).startswith("{"):
            self.problem(start, f"table! {name}: no column block where one was expected: table not read")
            return i
        sql_name = attributes.get("sql_name", name)
        columns = self._columns(tokens[i], key)
        self.primary_keys[name] = key
        self.found.changes.append(CreateTable(
            Origin(SOURCE, self.path, start.start_point[0] + 1), sql_name, tuple(columns), key,
            description=" ".join(docs) or None,
        ))
        return i + 1

    def _columns(self, block: ts.Node, key: tuple[str, ...]) -> list[ColumnSpec]:
        tokens = _inner(block)
        columns: list[ColumnSpec] = []
        attributes: dict[str, str] = {}
        docs: list[str] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.type == "line_comment":
                doc = _doc(token)
                if doc is not None:
                    docs.append(doc)
                i += 1
                continue
            if _text(token) == "#" and i + 1 < len(tokens) and tokens[i + 1].type == "token_tree":
                attributes.update(_attribute(tokens[i + 1]))
                i += 2
                continue
            if token.type == "identifier" and i + 1 < len(tokens) and _text(tokens[i + 1]) == "->":
                end = i + 2
                while end < len(tokens) and _text(tokens[end]) != ",":
                    end += 1
                if end == i + 2:
                    self.problem(token, f"column {_text(token)}: no type after `->`: column not read")
                else:
                    columns.append(self._column(token, tokens[i + 2:end], attributes, docs, key))
                attributes, docs = {}, []
                i = end + 1
                continue
            i += 1
        return columns

    def _column(self, name: ts.Node, type_tokens: list[ts.Node], attributes: dict[str, str], docs: list[str],
                key: tuple[str, ...]) -> ColumnSpec:
        written = self.source[type_tokens[0].start_byte:type_tokens[-1].end_byte].decode("utf-8", "replace")
        written = "".join(written.split())
        nullable = written.startswith("Nullable<") and written.endswith(">")
        type_text = written[len("Nullable<"):-1] if nullable else written
        if "max_length" in attributes:
            type_text += f"(max_length = {attributes['max_length']})"
        column = attributes.get("sql_name", _text(name))
        return ColumnSpec(column, name.start_point[0] + 1, type_text, nullable, primary_key=_text(name) in key,
                          description=" ".join(docs) or None)

    def joinable(self, body: ts.Node) -> None:
        """`child -> parent (foreign_key_column)`."""
        tokens = _inner(body)
        texts = [_text(t) for t in tokens]
        if len(tokens) < 4 or texts[1] != "->" or tokens[3].type != "token_tree":
            self.problem(body, "joinable! not of the form `child -> parent (column)`: not read")
            return
        child, parent = texts[0], texts[2]
        columns = tuple(_text(t) for t in _inner(tokens[3]) if t.type == "identifier")
        target = self.primary_keys.get(parent, ())
        at = Origin(SOURCE, self.path, body.start_point[0] + 1)
        self.found.changes.append(AddForeignKey(at, child, ForeignKeySpec(
            columns, parent, target if len(target) == len(columns) else (), at)))


def _inner(tree: ts.Node) -> list[ts.Node]:
    """A token tree's children without its delimiters."""
    children = list(tree.children)
    if children and _text(children[0]) in ("(", "{", "["):
        children = children[1:]
    if children and _text(children[-1]) in (")", "}", "]"):
        children = children[:-1]
    return children


def _attribute(tree: ts.Node) -> dict[str, str]:
    """`[sql_name = "type"]`, `[max_length = 255]`."""
    tokens = _inner(tree)
    if len(tokens) >= 3 and _text(tokens[1]) == "=":
        value = _text(tokens[2])
        return {_text(tokens[0]): value.strip('"')}
    return {}


def _doc(comment: ts.Node) -> str | None:
    text = _text(comment)
    return text[3:].strip() if text.startswith("///") else None
