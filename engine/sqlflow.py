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
from flowscan.languages.sql import JINJA_NAME

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
_COPY_QUERY = re.compile(r"^\s*copy\s*\((.*)\)\s*to\b", re.IGNORECASE | re.DOTALL)
_COPY = re.compile(r"^\s*copy\s+([\w.\"]+)(?:\s*\([^)]*\))?\s+(from|to)\b", re.IGNORECASE)
#: what an interpolated `{...}` becomes: a name the SQL grammar accepts anywhere
RUNTIME_NAME = "__runtime"
# every byte a blank but newlines, so that a blanked copy keeps every position
_BLANKS = bytes(10 if b == 10 else 32 for b in range(256))
_AGGREGATES = frozenset({"count", "sum", "avg", "min", "max", "array_agg", "string_agg", "listagg", "stddev", "variance"})
_WRITES = {
    "create_table": "creates",
    "drop_table": "drops",
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
    ctes = {node_text(c.named_children[0]).lower() for c in walk(root) if c.type == "cte" and c.named_children}
    found: list[SqlEffect] = []
    for node in walk(root):
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
        elif kind == "invocation" and _is_aggregate(node) and not _grouped(node) and not _inside(node, "where"):
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
    elif kinds and kinds[0] == "keyword_truncate":
        table = _first_table(statement)
        yield SqlEffect("sink", "truncates", (table,) if table else (), statement)
    elif kinds and kinds[0] == "delete":
        target = next((c for c in children if c.type == "from"), None)
        table = _first_table(target) if target is not None else None
        yield SqlEffect("sink", "deletes from", (table,) if table else (), statement)


def copy_effects(text: str, node: ts.Node) -> list[SqlEffect]:
    """`COPY t FROM ...` loads a table, `COPY t TO ...` and `COPY (query) TO ...` read:
    COPY is not in the SQL grammar."""
    query = _COPY_QUERY.match(text)
    if query is not None:
        tree = parse_embedded(query.group(1))
        reads = summarize(effects(tree.root_node)) if tree is not None else []
        return [SqlEffect(e.role, e.what, e.tables, node) for e in reads if e.role == "source"]
    match = _COPY.match(text)
    if match is None:
        return []
    table = match.group(1).strip('"')
    if match.group(2).lower() == "from":
        return [SqlEffect("sink", "copies into", (table,), node)]
    return [SqlEffect("source", "reads", (table,), node)]


def recovered_effects(error: ts.Node, source: bytes) -> list[SqlEffect]:
    """Effects of the statements an error node swallowed, each statement parsed on its own.

    tree-sitter-sql's recovery can fold the statements after one it does not know (COPY,
    warehouse dialects) into one error node. Each statement is parsed again alone, in a
    copy of the file where everything else is blank, so positions stay those of the file.
    """
    found: list[SqlEffect] = []
    blanks = source.translate(_BLANKS)
    for start, end in split_statements(source, error.start_byte, error.end_byte):
        blank = bytearray(blanks)
        blank[start:end] = source[start:end]
        tree = adapter("sql").parse(bytes(blank))
        statements = [c for c in tree.root_node.named_children if c.type == "statement"]
        if statements and not tree.root_node.has_error:
            for statement in statements:
                found.extend(effects(statement))
            continue
        broken = next((c for c in tree.root_node.named_children if c.type == "ERROR"), tree.root_node)
        found.extend(copy_effects(source[start:end].decode("utf-8", "replace"), broken))
    return found


def split_statements(source: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """Byte ranges of the `;`-separated statements in source[start:end], blanks trimmed.

    Semicolons inside strings, quoted names, comments and dollar-quoted bodies do not count.
    """
    data = source
    spans: list[tuple[int, int]] = []
    i, begin = start, start
    while i < end:
        c = data[i : i + 1]
        if c in (b"'", b'"'):
            close = data.find(c, i + 1, end)
            i = end if close < 0 else close + 1
            continue
        if data.startswith(b"--", i):
            newline = data.find(b"\n", i, end)
            i = end if newline < 0 else newline + 1
            continue
        if data.startswith(b"/*", i):
            close = data.find(b"*/", i + 2, end)
            i = end if close < 0 else close + 2
            continue
        if c == b"$":
            tag = re.match(rb"\$[A-Za-z_]*\$", data[i:end])
            if tag:
                close = data.find(tag.group(0), i + len(tag.group(0)), end)
                i = end if close < 0 else close + len(tag.group(0))
                continue
        if c == b";":
            spans.append((begin, i + 1))
            begin = i + 1
        i += 1
    spans.append((begin, end))
    return [(a, b) for a, b in (_trim(data, a, b) for a, b in spans) if b > a]


def _trim(data: bytes, start: int, end: int) -> tuple[int, int]:
    while start < end and data[start : start + 1].isspace():
        start += 1
    while end > start and data[end - 1 : end].isspace():
        end -= 1
    return start, end


# --- helpers ---------------------------------------------------------------------------------


def walk(root: ts.Node) -> Iterator[ts.Node]:
    """Named nodes under `root` (itself first), in document order."""
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
    """A table named at run time (`f"DELETE FROM {table}"`, dbt's `{{ this }}`) has no name here."""
    return None if name is None or RUNTIME_NAME in name or JINJA_NAME in name else name


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
    return any(node.type == "group_by" for node in walk(parent))
