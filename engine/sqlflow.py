"""What a piece of SQL does to data: tables read and written, and how it transforms them.

One reading serves both places SQL lives: a `.sql` file, where every effect is reported
where it stands (the line naming a table, the statement writing one, the JOIN keyword),
and a string in host code, where the effects are summed up at the executing call.
"""

from __future__ import annotations

import re
from typing import Iterator

import tree_sitter as ts
from attrs import frozen

from flowscan.languages import adapter
from flowscan.languages.base import node_text

_STARTS_LIKE_SQL = re.compile(
    r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*\(?\s*"
    r"(select|with|insert|update|delete|merge|create|copy|replace|upsert|truncate|drop|alter)\b",
    re.IGNORECASE | re.DOTALL,
)
# Driver placeholders the SQL grammar does not know: %s, %(name)s, :name (not ::cast), {x}
# Session and housekeeping statements: SQL, but they read and write no table.
_NO_DATA = re.compile(
    r"^\s*(set|reset|begin|start\s+transaction|commit|rollback|savepoint|release|grant|revoke|vacuum|"
    r"analyze|lock|show|listen|notify|discard|use)\b",
    re.IGNORECASE,
)
_PLACEHOLDERS = re.compile(r"%\(\w+\)s|%s|(?<![:\w]):[A-Za-z_]\w*|\{[^{}]*\}")
_COPY = re.compile(r"^\s*copy\s+([\w.\"]+)(?:\s*\([^)]*\))?\s+(from|to)\b", re.IGNORECASE)
#: what an interpolated `{...}` becomes: a name the SQL grammar accepts anywhere
RUNTIME_NAME = "__runtime"
_AGGREGATES = frozenset({"count", "sum", "avg", "min", "max", "array_agg", "string_agg", "listagg", "stddev", "variance"})
_WRITES = {
    "create_table": "creates",
    "create_view": "creates",
    "create_materialized_view": "creates",
    "insert": "inserts into",
    "update": "updates",
}


@frozen
class SqlEffect:
    role: str  # source | sink | transform
    what: str  # reads, inserts into, joins, ...
    tables: tuple[str, ...]
    node: ts.Node


def looks_like_sql(text: str) -> bool:
    return _STARTS_LIKE_SQL.match(text) is not None


def touches_no_data(text: str) -> bool:
    """`SET search_path ...`, `BEGIN`, `VACUUM`: SQL that is no data touchpoint."""
    return _NO_DATA.match(text) is not None


def parse_embedded(text: str) -> ts.Tree | None:
    """An SQL string from host code, parsed; None when it is not SQL we can read soundly."""
    if not looks_like_sql(text):
        return None
    tree = adapter("sql").parse(_PLACEHOLDERS.sub(_placeholder, text).encode())
    root = tree.root_node
    if root.type == "ERROR" or not root.named_children or _broken_share(root) > 0.5:
        return None
    return tree


def _placeholder(match: re.Match[str]) -> str:
    return RUNTIME_NAME if match.group(0).startswith("{") else "?"


def _broken_share(root: ts.Node) -> float:
    broken = sum(c.end_byte - c.start_byte for c in root.children if c.type == "ERROR")
    return broken / max(root.end_byte - root.start_byte, 1)


def effects(root: ts.Node) -> list[SqlEffect]:
    """Every effect of the SQL under `root`, each at the node that shows it."""
    ctes = {node_text(c.named_children[0]).lower() for c in _walk(root) if c.type == "cte" and c.named_children}
    found: list[SqlEffect] = []
    for node in _walk(root):
        kind = node.type
        if kind in _WRITES:
            table = _first_table(node)
            found.append(SqlEffect("sink", _WRITES[kind], (table,) if table else (), node))
        elif kind == "statement":
            found.extend(_statement_level(node))
        elif kind == "relation" and not _is_write_target(node):
            name = _known(adapter("sql").entity_name(node))
            if name and name.lower() not in ctes:
                found.append(SqlEffect("source", "reads", (name,), node))
        elif kind == "join":
            found.append(SqlEffect("transform", "joins", (), node))
        elif kind == "group_by":
            found.append(SqlEffect("transform", "aggregates", (), node))
        elif kind == "window_function" and not _inside(node, "qualify"):
            over = next((c for c in node.children if c.type == "keyword_over"), node)
            found.append(SqlEffect("transform", "windows", (), over))
        elif kind == "qualify":
            found.append(SqlEffect("transform", "windows", (), node))
        elif kind == "set_operation":
            operation = node.child_by_field_name("operation")
            what = node_text(operation).lower() + "s" if operation is not None else "unions"
            found.append(SqlEffect("transform", what, (), operation or node))
        elif kind == "invocation" and _is_aggregate(node) and not _grouped(node):
            found.append(SqlEffect("transform", "aggregates", (), node))
    return found


def summarize(found: list[SqlEffect]) -> list[SqlEffect]:
    """One source naming every table read, a sink per table written, one transform."""
    if not found:
        return []
    anchor = found[0].node
    reads = tuple(dict.fromkeys(t for e in found if e.role == "source" for t in e.tables))
    summary: list[SqlEffect] = []
    if reads:
        summary.append(SqlEffect("source", "reads", reads, anchor))
    written: dict[str, str] = {}
    for effect in found:
        if effect.role == "sink":
            for table in effect.tables or ("",):
                written.setdefault(table, effect.what)
    summary.extend(SqlEffect("sink", what, (table,) if table else (), anchor) for table, what in written.items())
    transforms = tuple(dict.fromkeys(e.what for e in found if e.role == "transform"))
    if transforms:
        summary.append(SqlEffect("transform", " and ".join(transforms), (), anchor))
    return summary


# --- statements the grammar leaves flat or does not parse ---------------------------------


def _statement_level(statement: ts.Node) -> Iterator[SqlEffect]:
    children = statement.children
    kinds = [c.type for c in children]
    if "keyword_merge" in kinds:
        references = [c for c in children if c.type == "object_reference"]
        if references:
            yield SqlEffect("sink", "merges into", (node_text(references[0]),), statement)
        for source in references[1:2]:
            yield SqlEffect("source", "reads", (node_text(source),), source)
    elif kinds and kinds[0] == "delete":
        target = next((c for c in children if c.type == "from"), None)
        table = _first_table(target) if target is not None else None
        yield SqlEffect("sink", "deletes from", (table,) if table else (), statement)


def copy_effects(text: str, node: ts.Node) -> list[SqlEffect]:
    """`COPY t FROM ...` loads a table, `COPY t TO ...` reads one: not in the SQL grammar."""
    match = _COPY.match(text)
    if match is None:
        return []
    table = match.group(1).strip('"')
    if match.group(2).lower() == "from":
        return [SqlEffect("sink", "copies into", (table,), node)]
    return [SqlEffect("source", "reads", (table,), node)]


# --- helpers ---------------------------------------------------------------------------------


def _walk(root: ts.Node) -> Iterator[ts.Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.named_children))


def _first_table(node: ts.Node) -> str | None:
    for child in node.named_children:
        if child.type in ("object_reference", "relation"):
            return _known(adapter("sql").entity_name(child))
    return None


def _known(name: str | None) -> str | None:
    """A table named at run time (`f"DELETE FROM {table}"`) is written, but has no name here."""
    return None if name is None or RUNTIME_NAME in name else name


def _is_write_target(relation: ts.Node) -> bool:
    """`UPDATE t` names t in a relation: t is written, not read."""
    parent = relation.parent
    if parent is None or parent.type != "update":
        return False
    first = next((c for c in parent.named_children if c.type == "relation"), None)
    return first == relation


def _inside(node: ts.Node, kind: str) -> bool:
    parent = node.parent
    while parent is not None and parent.type != "statement":
        if parent.type == kind:
            return True
        parent = parent.parent
    return False


def _is_aggregate(invocation: ts.Node) -> bool:
    name = next((c for c in invocation.named_children if c.type == "object_reference"), None)
    return name is not None and node_text(name).lower() in _AGGREGATES and not _inside(invocation, "window_function")


def _grouped(invocation: ts.Node) -> bool:
    """An aggregate in a grouped query is already reported as its GROUP BY."""
    parent = invocation.parent
    while parent is not None and parent.type not in ("statement", "subquery", "cte"):
        parent = parent.parent
    if parent is None:
        return False
    return any(node.type == "group_by" for node in _walk(parent))
