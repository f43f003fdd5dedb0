"""Columns an SQL statement names, and what it does with them.

The data-quality checks and schema mappings of a report are inferred from here: a column in
a JOIN ... ON is a key that must not be null, a WHERE condition is a business rule the data
must keep, `INSERT INTO t (a, b) SELECT x.c, x.d` maps columns of one table onto another, and
`CREATE TABLE` declares constraints. Best effort: a column is attributed to a table only
when its qualifier (or the single table of its query) says which.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

import tree_sitter as ts
from attrs import frozen

from flowscan.languages import adapter
from flowscan.languages.base import node_text
from flowscan.sqlflow import RUNTIME_NAME, walk
from flowscan.languages.sql import JINJA_NAME

#: nodes that open a query scope of their own (their relations are not the outer query's)
_SCOPES = frozenset({"statement", "subquery", "cte"})
#: functions and keywords the SQL grammar reads as column names
_NOT_COLUMNS = frozenset({"current_date", "current_timestamp", "current_time", "now", "localtimestamp", "excluded"})
_DEFAULT_SCHEMAS = ("public.", "dbo.", "main.")
# embedded SQL has its placeholders read as `?` (see sqlflow); files keep `$1` and `:name`
_PARAMETER_AT_END = re.compile(r"(\?|%s|\$\d+|:\w+)\s*$")

LineOf = Callable[[ts.Node], int]


@frozen
class ColumnUse:
    table: str
    column: str
    clause: str  # select | where | join | group_by | partition_by | insert | update
    line: int


@frozen
class JoinKey:
    left_table: str
    left_column: str
    right_table: str
    right_column: str
    line: int


@frozen
class Condition:
    """A WHERE predicate: the rows a query keeps."""

    table: str
    column: str
    text: str
    line: int

    @property
    def parameterised(self) -> bool:
        """`id = ?`: a lookup by a value the caller passes, not a rule about the data."""
        return _PARAMETER_AT_END.search(self.text) is not None


@frozen
class Mapping:
    """A column written from a column (or expression) read: `INSERT INTO t (a) SELECT s.b`."""

    source_table: str
    source: str
    target_table: str
    target_column: str
    line: int


@frozen
class Constraint:
    table: str
    columns: tuple[str, ...]
    kind: str  # not_null | unique | primary_key | references
    detail: str
    line: int


@frozen
class SqlColumns:
    uses: tuple[ColumnUse, ...] = ()
    joins: tuple[JoinKey, ...] = ()
    conditions: tuple[Condition, ...] = ()
    mappings: tuple[Mapping, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    #: the columns the outermost SELECT produces (a model's output), with their sources
    outputs: tuple[Mapping, ...] = ()

    def merged(self, other: "SqlColumns") -> "SqlColumns":
        return SqlColumns(
            self.uses + other.uses,
            self.joins + other.joins,
            self.conditions + other.conditions,
            self.mappings + other.mappings,
            self.constraints + other.constraints,
            self.outputs + other.outputs,
        )


def table_name(name: str) -> str:
    """The dataset spelling of the map (`public.Orders` → `orders`)."""
    name = re.sub(r'["`\[\]]', "", name).lower()
    for schema in _DEFAULT_SCHEMAS:
        if name.startswith(schema):
            name = name[len(schema):]
    return name


def read_columns(root: ts.Node, line_of: LineOf, model: str | None = None) -> SqlColumns:
    """What the SQL under `root` does with columns; `model` names the relation a bare SELECT builds."""
    ctes = {node_text(c.named_children[0]).lower() for c in walk(root) if c.type == "cte" and c.named_children}
    found = SqlColumns()
    for scope in _scopes(root):
        found = found.merged(_scope_columns(scope, ctes, line_of))
    for node in walk(root):
        if node.type == "create_table":
            found = found.merged(SqlColumns(constraints=tuple(_constraints(node, line_of))))
        elif node.type == "insert":
            found = found.merged(_insert(node, ctes, line_of))
    if model is not None:
        top = _top_select(root)
        if top is not None:
            found = found.merged(SqlColumns(outputs=tuple(_outputs(top, ctes, model, line_of))))
    return found


# --- query scopes ------------------------------------------------------------------------------


def _scopes(root: ts.Node) -> Iterator[ts.Node]:
    for node in walk(root):
        if node.type in _SCOPES:
            yield node


def _own(scope: ts.Node) -> Iterator[ts.Node]:
    """Nodes of a scope, not descending into nested scopes."""
    stack = list(reversed(scope.named_children))
    while stack:
        node = stack.pop()
        yield node
        if node.type not in _SCOPES:
            stack.extend(reversed(node.named_children))


def _relations(scope: ts.Node, ctes: set[str]) -> dict[str, str]:
    """alias or name → table (a CTE maps to "", a name we cannot know is left out)."""
    aliases: dict[str, str] = {}
    for node in _own(scope):
        if node.type != "relation":
            continue
        reference = next((c for c in node.named_children if c.type == "object_reference"), None)
        if reference is None:
            continue
        name = adapter("sql").entity_name(node) or ""
        if RUNTIME_NAME in name or JINJA_NAME in name:
            continue
        table = "" if name.lower() in ctes else table_name(name)
        aliases[name.lower()] = table
        aliases[name.lower().rsplit(".", 1)[-1]] = table
        alias = next((c for c in node.named_children if c.type == "identifier"), None)
        if alias is not None:
            aliases[node_text(alias).lower()] = table
    return aliases


def _column(field: ts.Node, aliases: dict[str, str]) -> tuple[str, str] | None:
    """(table, column) of a field, when its qualifier or the only table of the query says."""
    name = field.child_by_field_name("name")
    if name is None:
        return None
    column = node_text(name).strip('"`').lower()
    if column in _NOT_COLUMNS:
        return None
    qualifier = next((c for c in field.named_children if c.type == "object_reference"), None)
    if qualifier is not None:
        table = aliases.get(node_text(qualifier).strip('"`').lower())
    else:
        tables = set(aliases.values())
        table = tables.pop() if len(tables) == 1 else None
    return (table, column) if table else None


def _clause(node: ts.Node, scope: ts.Node) -> str | None:
    parent = node.parent
    while parent is not None and parent != scope:
        kind = parent.type
        if kind == "select_expression":
            return "select"
        if kind == "where":
            return "where"
        if kind == "join":
            return "join"
        if kind == "group_by":
            return "group_by"
        if kind == "partition_by":
            return "partition_by"
        if kind == "assignment":
            return "update"
        parent = parent.parent
    return None


def _scope_columns(scope: ts.Node, ctes: set[str], line_of: LineOf) -> SqlColumns:
    aliases = _relations(scope, ctes)
    if not aliases:
        return SqlColumns()
    uses: list[ColumnUse] = []
    joins: list[JoinKey] = []
    conditions: list[Condition] = []
    for node in _own(scope):
        if node.type == "field":
            clause = _clause(node, scope)
            column = _column(node, aliases)
            if clause and column:
                use = ColumnUse(column[0], column[1], clause, line_of(node))
                if use not in uses:
                    uses.append(use)
        elif node.type == "join":
            for left, right in _equalities(node):
                a, b = _column(left, aliases), _column(right, aliases)
                if a and b:
                    joins.append(JoinKey(a[0], a[1], b[0], b[1], line_of(node)))
        elif node.type == "where":
            for predicate in _conjuncts(node):
                field = next((n for n in walk(predicate) if n.type == "field"), None)
                column = _column(field, aliases) if field is not None else None
                if column:
                    text = " ".join(node_text(predicate).split())
                    conditions.append(Condition(column[0], column[1], text, line_of(predicate)))
    return SqlColumns(tuple(uses), tuple(joins), tuple(conditions))


def _operator(node: ts.Node) -> str:
    return next((c.type for c in node.children if not c.is_named), "")


def _equalities(join: ts.Node) -> Iterator[tuple[ts.Node, ts.Node]]:
    for predicate in _conjuncts(join):
        fields = predicate.named_children
        if _operator(predicate) == "=" and len(fields) == 2 and all(f.type == "field" for f in fields):
            yield fields[0], fields[1]


def _conjuncts(node: ts.Node) -> Iterator[ts.Node]:
    """The AND-ed predicates under a WHERE or a JOIN's ON."""
    for child in node.named_children:
        if child.type != "binary_expression":
            continue
        if any(c.type == "keyword_and" for c in child.children):
            yield from _conjuncts(child)
        else:
            yield child


# --- writes and declarations ----------------------------------------------------------------------


def _insert(insert: ts.Node, ctes: set[str], line_of: LineOf) -> SqlColumns:
    target = next((c for c in insert.named_children if c.type == "object_reference"), None)
    if target is None:
        return SqlColumns()
    table = table_name(adapter("sql").entity_name(target) or "")
    if not table or RUNTIME_NAME in table or JINJA_NAME in table:
        return SqlColumns()
    listed = next((c for c in insert.named_children if c.type == "list"), None)
    columns = [
        node_text(c.named_children[0]).strip('"`').lower()
        for c in (listed.named_children if listed is not None else ())
        if c.type == "column" and c.named_children
    ]
    uses = tuple(ColumnUse(table, column, "insert", line_of(insert)) for column in columns)
    select = next((c for c in insert.named_children if c.type == "select"), None)
    mappings: list[Mapping] = []
    if select is not None and columns:
        aliases = _relations(insert, ctes)
        expression = next((c for c in select.named_children if c.type == "select_expression"), None)
        terms = [t for t in (expression.named_children if expression is not None else ()) if t.type == "term"]
        for column, term in zip(columns, terms):
            source_table, source = _term_source(term, aliases)
            mappings.append(Mapping(source_table, source, table, column, line_of(term)))
    return SqlColumns(uses=uses, mappings=tuple(mappings))


def _term_source(term: ts.Node, aliases: dict[str, str]) -> tuple[str, str]:
    value = term.named_children[0] if term.named_children else term
    if value.type == "field":
        found = _column(value, aliases)
        if found:
            return found
    return "", " ".join(node_text(value).split())


def _top_select(root: ts.Node) -> ts.Node | None:
    statement = next((c for c in root.named_children if c.type == "statement"), None)
    if statement is None or not any(c.type == "select" for c in statement.named_children):
        return None
    return statement


def _outputs(statement: ts.Node, ctes: set[str], model: str, line_of: LineOf) -> Iterator[Mapping]:
    aliases = _relations(statement, ctes)
    select = next(c for c in statement.named_children if c.type == "select")
    expression = next((c for c in select.named_children if c.type == "select_expression"), None)
    for term in expression.named_children if expression is not None else ():
        if term.type != "term" or not term.named_children:
            continue
        value = term.named_children[0]
        alias = term.named_children[-1] if len(term.named_children) > 1 else None
        if alias is not None and alias.type == "identifier":
            name = node_text(alias)
        elif value.type == "field" and value.child_by_field_name("name") is not None:
            name = node_text(value.child_by_field_name("name"))
        else:
            continue
        source_table, source = _term_source(term, aliases)
        yield Mapping(source_table, source, model.lower(), name.strip('"`').lower(), line_of(term))


def _constraints(create: ts.Node, line_of: LineOf) -> Iterator[Constraint]:
    target = next((c for c in create.named_children if c.type == "object_reference"), None)
    if target is None:
        return
    table = table_name(adapter("sql").entity_name(target) or "")
    definitions = next((c for c in create.named_children if c.type == "column_definitions"), None)
    for definition in definitions.named_children if definitions is not None else ():
        if definition.type == "column_definition" and definition.named_children:
            column = node_text(definition.named_children[0]).strip('"`').lower()
            keywords = [c.type for c in definition.named_children]
            line = line_of(definition)
            if "keyword_primary" in keywords:
                yield Constraint(table, (column,), "primary_key", "PRIMARY KEY", line)
            if "keyword_not" in keywords and "keyword_null" in keywords:
                yield Constraint(table, (column,), "not_null", "NOT NULL", line)
            if "keyword_unique" in keywords:
                yield Constraint(table, (column,), "unique", "UNIQUE", line)
            if "keyword_references" in keywords:
                at = keywords.index("keyword_references")
                rest = definition.named_children[at + 1:]
                parent = next((node_text(c) for c in rest if c.type == "object_reference"), "")
                key = next((node_text(c) for c in rest if c.type == "identifier"), "")
                detail = f"{table_name(parent)}.{key}" if key else table_name(parent)
                yield Constraint(table, (column,), "references", detail, line)
        elif definition.type == "constraints":
            for constraint in definition.named_children:
                kinds = [c.type for c in constraint.named_children]
                columns = tuple(
                    node_text(c.named_children[0]).strip('"`').lower()
                    for ordered in constraint.named_children if ordered.type == "ordered_columns"
                    for c in ordered.named_children if c.type == "column" and c.named_children
                )
                if columns and "keyword_primary" in kinds:
                    yield Constraint(table, columns, "primary_key", "PRIMARY KEY", line_of(constraint))
                elif columns and "keyword_unique" in kinds:
                    yield Constraint(table, columns, "unique", "UNIQUE", line_of(constraint))

