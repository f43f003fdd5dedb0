"""Alembic migrations (`versions/*.py`) read into schema changes, and put in revision order.

The `upgrade()` function of each revision is read with tree-sitter, call by call:
`op.create_table('orders', sa.Column(...), sa.ForeignKeyConstraint(...))`, `op.add_column`,
`op.alter_column`, `op.create_foreign_key`, `op.drop_table`..., the same calls on a
`with op.batch_alter_table(...) as batch_op` alias, and `op.execute("CREATE ...")` through
the SQL reader. `downgrade()` is never read: the catalog shows the schema after upgrading.

Revisions are replayed in the order their `down_revision` links say (file names in
Alembic carry no order), ties broken by path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import tree_sitter as ts
from attrs import define, field, frozen

from flowscan.catalog.model import Index, Origin, Problem
from flowscan.catalog.readers.ddl_model import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    AddPrimaryKey,
    AlterColumn,
    Change,
    CheckSpec,
    ColumnSpec,
    CreateTable,
    Describe,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    ForeignKeySpec,
    RenameColumn,
    RenameTable,
)
from flowscan.languages import adapter

SOURCE = "alembic"


@frozen
class Revision:
    path: str
    revision: str | None
    down_revisions: tuple[str, ...]
    changes: tuple[Change, ...]
    problems: tuple[Problem, ...]
    #: where `down_revision` is set, for problems about it
    down_line: int = 1
    #: whether the file is a migration at all (a helper module in versions/ is not)
    is_migration: bool = True


def read_revision(text: str, path: str) -> Revision:
    source = text.encode("utf-8", "replace")
    tree = adapter("python").parse(source)
    reader = _Reader(source, path)
    problems: list[Problem] = []
    broken = _first_error(tree.root_node)
    if broken is not None:
        problems.append(reader.problem(broken, "Python syntax error: read as far as the code parses"))
    revision, down, down_line = _revision_ids(tree.root_node, reader)
    upgrade = _upgrade_function(tree.root_node)
    if upgrade is None:
        # no upgrade(): a migration only if it says which revision it is (a merge point has no body)
        return Revision(path, revision, down, (), tuple(problems), down_line, is_migration=revision is not None)
    reader.constants = _module_constants(tree.root_node)
    body = upgrade.child_by_field_name("body")
    if body is not None:
        reader.read_block(body)
    return Revision(path, revision, down, tuple(reader.changes), (*problems, *reader.problems), down_line)


def in_order(revisions: Sequence[Revision]) -> tuple[list[Revision], list[Problem]]:
    """Parents before children along `down_revision`; ties, unknown parents and cycles by path."""
    known = {r.revision: r for r in revisions if r.revision}
    problems: list[Problem] = []
    waiting: dict[str, set[str]] = {}
    for r in revisions:
        if not r.revision:
            continue
        parents = set()
        for parent in r.down_revisions:
            if parent in known:
                parents.add(parent)
            else:
                problems.append(Problem(r.path, r.down_line, 1,
                                        f"down_revision {parent!r} is not among the migrations read: "
                                        "replayed as a first migration"))
        waiting[r.revision] = parents
    ordered: list[Revision] = []
    done: set[str] = set()
    while waiting:
        ready = sorted((known[rid] for rid, parents in waiting.items() if parents <= done), key=lambda r: r.path)
        if not ready:
            stuck = sorted((known[rid] for rid in waiting), key=lambda r: r.path)
            problems.append(Problem(stuck[0].path, stuck[0].down_line, 1,
                                    "down_revision links form a cycle: these revisions are replayed by file name"))
            ready = stuck
        for r in ready[:1]:  # one at a time, so a child can follow its parent before a later sibling
            ordered.append(r)
            done.add(r.revision or "")
            waiting.pop(r.revision or "", None)
    ordered.extend(sorted((r for r in revisions if not r.revision), key=lambda r: r.path))
    return ordered, problems


# --- the module: ids, constants, upgrade() ----------------------------------------------------


def _first_error(root: ts.Node) -> ts.Node | None:
    if not root.has_error:
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return node
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing or c.type == "ERROR"]))
    return None


def _assignments(root: ts.Node) -> Iterator[tuple[str, ts.Node, ts.Node]]:
    """Module-level `name = value` and `name: type = value`."""
    for statement in root.named_children:
        if statement.type != "expression_statement":
            continue
        for assignment in statement.named_children:
            if assignment.type != "assignment":
                continue
            left, right = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
            if left is not None and right is not None and left.type == "identifier":
                yield _text(left), right, assignment


def _revision_ids(root: ts.Node, reader: _Reader) -> tuple[str | None, tuple[str, ...], int]:
    revision: str | None = None
    down: tuple[str, ...] = ()
    down_line = 1
    for name, value, node in _assignments(root):
        if name == "revision":
            revision = _literal(value)
        elif name == "down_revision":
            down_line = node.start_point[0] + 1
            if value.type in ("tuple", "list"):
                down = tuple(v for v in (_literal(c) for c in value.named_children) if v)
            else:
                single = _literal(value)
                down = (single,) if single else ()
    return revision, down, down_line


def _module_constants(root: ts.Node) -> dict[str, str]:
    """`TABLE = "orders"` at module level: names a migration may use instead of literals."""
    found: dict[str, str] = {}
    for name, value, _ in _assignments(root):
        literal = _literal(value)
        if literal is not None:
            found[name] = literal
    return found


def _upgrade_function(root: ts.Node) -> ts.Node | None:
    for node in root.named_children:
        definition = node.child_by_field_name("definition") if node.type == "decorated_definition" else node
        if definition is not None and definition.type == "function_definition":
            name = definition.child_by_field_name("name")
            if name is not None and _text(name) == "upgrade":
                return definition
    return None


def _text(node: ts.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _literal(node: ts.Node | None) -> str | None:
    """A string literal's value (no interpolation), else None."""
    if node is None:
        return None
    if node.type == "concatenated_string":
        parts = [_literal(c) for c in node.named_children]
        return None if None in parts else "".join(p or "" for p in parts)
    if node.type != "string" or any(c.type == "interpolation" for c in node.named_children):
        return None
    return "".join(_text(c) for c in node.named_children if c.type == "string_content")


# --- calls ------------------------------------------------------------------------------------

#: op methods → position of the table argument (batch_op calls leave it out)
_TABLE_ARGUMENT = {
    "add_column": 0, "drop_column": 0, "alter_column": 0, "create_table_comment": 0,
    "create_foreign_key": 1, "create_primary_key": 1, "create_unique_constraint": 1,
    "create_check_constraint": 1, "drop_constraint": 1, "create_index": 1,
}
_TYPE_PREFIX = re.compile(r"\b(?:sa|sqlalchemy|postgresql|mysql|sqlite|mssql|oracle|types|sqltypes|func|dialects)\.")
_NOT_TYPES = frozenset({"ForeignKey", "Sequence", "Computed", "Identity", "CheckConstraint", "FetchedValue"})


@define
class _Call:
    method: str
    positional: list[ts.Node | str]
    keywords: dict[str, ts.Node]
    node: ts.Node


@define
class _Reader:
    source: bytes
    path: str
    changes: list[Change] = field(factory=list)
    problems: list[Problem] = field(factory=list)
    constants: dict[str, str] = field(factory=dict)
    #: `batch_op` → the table its `batch_alter_table` names
    batches: dict[str, str] = field(factory=dict)

    def problem(self, node: ts.Node, message: str) -> Problem:
        row, byte = node.start_point
        line_start = node.start_byte - byte
        column = len(self.source[line_start:node.start_byte].decode("utf-8", "replace")) + 1
        return Problem(self.path, row + 1, column, message)

    def origin(self, node: ts.Node) -> Origin:
        return Origin(SOURCE, self.path, node.start_point[0] + 1)

    def read_block(self, block: ts.Node) -> None:
        """Calls in document order; nested blocks (with, if, for, try) included."""
        for node in block.named_children:
            if node.type == "call":
                self._call(node)
                continue
            if node.type == "with_item":
                self._batch(node)
            if node.type not in ("function_definition", "class_definition", "lambda"):
                self.read_block(node)

    def _batch(self, item: ts.Node) -> None:
        pattern = item.named_children[0] if item.named_children else None
        if pattern is None or pattern.type != "as_pattern" or not pattern.named_children:
            return
        call, target = pattern.named_children[0], pattern.named_children[-1]
        if call.type != "call" or _callee(call) != ("op", "batch_alter_table"):
            return
        parsed = self._arguments(call)
        table = self._table(parsed.positional[0] if parsed.positional else None, parsed.keywords.get("schema"), call)
        alias = target.named_children[0] if target.named_children else target
        if table is not None and alias.type == "identifier":
            self.batches[_text(alias)] = table

    def _call(self, node: ts.Node) -> None:
        callee = _callee(node)
        if callee is None:
            return
        receiver, method = callee
        call = self._arguments(node, method)
        if receiver in self.batches:
            if method in _TABLE_ARGUMENT:
                call.positional.insert(_TABLE_ARGUMENT[method], self.batches[receiver])
            elif method == "drop_index":
                call.positional.insert(1, self.batches[receiver])
        elif receiver != "op":
            return
        handler = getattr(self, f"_op_{method}", None)
        if handler is None:
            return
        try:
            handler(call)
        except Exception as error:  # an argument shape not foreseen costs this call, not the revision
            self.problems.append(self.problem(node, f"op.{method}(...) not read: {type(error).__name__}: {error}"))

    def _arguments(self, node: ts.Node, method: str = "") -> _Call:
        arguments = node.child_by_field_name("arguments")
        positional: list[ts.Node | str] = []
        keywords: dict[str, ts.Node] = {}
        for argument in arguments.named_children if arguments is not None else []:
            if argument.type == "keyword_argument":
                name, value = argument.child_by_field_name("name"), argument.child_by_field_name("value")
                if name is not None and value is not None:
                    keywords[_text(name)] = value
            elif argument.type != "comment":
                positional.append(argument)
        return _Call(method, positional, keywords, node)

    # --- values ---------------------------------------------------------------------------

    def _string(self, value: ts.Node | str | None) -> str | None:
        """A literal, a module constant, or `op.f("name")`."""
        if value is None or isinstance(value, str):
            return value
        if value.type == "identifier":
            return self.constants.get(_text(value))
        if value.type == "call" and _callee(value) in (("op", "f"), ("sa", "text"), (None, "text")):
            inner = self._arguments(value).positional
            return self._string(inner[0]) if inner else None
        return _literal(value)

    def _table(self, value: ts.Node | str | None, schema: ts.Node | None, at: ts.Node) -> str | None:
        name = self._string(value)
        if name is None:
            where = value if isinstance(value, ts.Node) else at
            self.problems.append(self.problem(where, "table name is not a string literal: this operation is not read"))
            return None
        prefix = self._string(schema) if schema is not None and schema.type != "none" else None
        return f"{prefix}.{name}" if prefix else name

    def _names(self, value: ts.Node | str | None) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if value is None:
            return ()
        if value.type in ("list", "tuple"):
            return tuple(n for n in (self._string(c) for c in value.named_children) if n)
        single = self._string(value)
        return (single,) if single else ()

    def _flag(self, call: _Call, name: str) -> bool | None:
        value = call.keywords.get(name)
        if value is None:
            return None
        return {"true": True, "false": False}.get(value.type)

    def _source_text(self, value: ts.Node) -> str:
        """A type or default as written, without the module it comes from (`sa.String(50)` → `String(50)`)."""
        text = " ".join(_text(value).split())
        text = _TYPE_PREFIX.sub("", text)
        return text[:-2] if text.endswith("()") and "(" not in text[:-2] else text

    def _default(self, value: ts.Node | None) -> str | None:
        """A server default as the DDL has it: a string is an SQL string, `sa.text("now()")` is SQL."""
        if value is None or value.type == "none":
            return None
        if value.type == "call" and _callee(value) in (("sa", "text"), (None, "text")):
            return self._string(value)
        literal = self._string(value)
        if literal is not None:
            return "'" + literal.replace("'", "''") + "'"
        return self._source_text(value)

    def _condition(self, value: ts.Node | str | None) -> str:
        """A CHECK condition: SQL text in a string, or an SQLAlchemy expression as written."""
        if isinstance(value, str) or value is None:
            return value or ""
        literal = self._string(value)
        return literal if literal is not None else self._source_text(value)

    # --- sa.Column and table elements -------------------------------------------------------

    def _column(self, node: ts.Node, table: str) -> tuple[ColumnSpec, list[ForeignKeySpec], list[Index]] | None:
        call = self._arguments(node)
        name = self._string(call.positional[0]) if call.positional else self._string(call.keywords.get("name"))
        if name is None:
            self.problems.append(self.problem(node, "column name is not a string literal: column not read"))
            return None
        at = self.origin(node)
        type_text: str | None = None
        foreign_keys: list[ForeignKeySpec] = []
        for argument in call.positional[1:]:
            if isinstance(argument, str):
                continue
            callee = _callee(argument) if argument.type == "call" else None
            if callee is not None and callee[1] == "ForeignKey":
                target = self._string(self._arguments(argument).positional[0]) if self._arguments(
                    argument).positional else None
                if target and "." in target:
                    table_part, column_part = target.rsplit(".", 1)
                    foreign_keys.append(ForeignKeySpec((name,), table_part, (column_part,), at))
            elif type_text is None and (callee is None or callee[1] not in _NOT_TYPES):
                type_text = self._source_text(argument)
        if type_text is None and "type_" in call.keywords:
            type_text = self._source_text(call.keywords["type_"])
        primary_key = bool(self._flag(call, "primary_key"))
        nullable = self._flag(call, "nullable")
        if nullable is None:
            nullable = not primary_key  # SQLAlchemy's default
        unique = bool(self._flag(call, "unique"))
        indexes = [Index(f"ix_{table.rsplit('.', 1)[-1]}_{name}", (name,), unique)] if self._flag(call, "index") else []
        comment = self._string(call.keywords.get("comment"))
        column = ColumnSpec(name, at.line, type_text, nullable, self._default(call.keywords.get("server_default")),
                            primary_key, unique and not indexes, comment)
        return column, foreign_keys, indexes

    # --- op.* -------------------------------------------------------------------------------

    def _op_create_table(self, call: _Call) -> None:
        table = self._table(call.positional[0] if call.positional else None, call.keywords.get("schema"), call.node)
        if table is None:
            return
        at = self.origin(call.node)
        columns: list[ColumnSpec] = []
        primary_key: tuple[str, ...] = ()
        indexes: list[Index] = []
        foreign_keys: list[ForeignKeySpec] = []
        checks: list[CheckSpec] = []
        for element in call.positional[1:]:
            if isinstance(element, str) or element.type != "call":
                continue
            kind = (_callee(element) or (None, ""))[1]
            inner = self._arguments(element)
            constraint_name = self._string(inner.keywords.get("name"))
            if kind == "Column":
                read = self._column(element, table)
                if read is not None:
                    columns.append(read[0])
                    foreign_keys.extend(read[1])
                    indexes.extend(read[2])
            elif kind == "PrimaryKeyConstraint":
                primary_key = tuple(n for arg in inner.positional for n in self._names(arg))
            elif kind == "UniqueConstraint":
                names = tuple(n for arg in inner.positional for n in self._names(arg))
                indexes.append(Index(constraint_name, names, unique=True))
            elif kind == "ForeignKeyConstraint" and len(inner.positional) >= 2:
                foreign_keys.append(self._foreign_key(inner.positional[0], inner.positional[1], None,
                                                      self.origin(element), constraint_name))
            elif kind == "CheckConstraint" and inner.positional:
                checks.append(CheckSpec(self._condition(inner.positional[0]), self.origin(element),
                                        constraint_name))
            elif kind == "Index" and inner.positional:
                names = tuple(n for arg in inner.positional[1:] for n in self._names(arg))
                indexes.append(Index(self._string(inner.positional[0]), names, bool(self._flag(inner, "unique"))))
        self.changes.append(CreateTable(at, table, tuple(columns), primary_key, tuple(indexes), tuple(foreign_keys),
                                        tuple(checks), description=self._string(call.keywords.get("comment"))))

    def _foreign_key(self, local: ts.Node | str, remote: ts.Node | str, referent: str | None, at: Origin,
                     name: str | None) -> ForeignKeySpec:
        """`['customer_id'], ['customers.id']` (create_table) or with the referent table apart (op calls)."""
        columns = self._names(local)
        targets = self._names(remote)
        if referent is None:
            split = [t.rsplit(".", 1) for t in targets if "." in t]
            referent = split[0][0] if split else "?"
            targets = tuple(s[1] for s in split)
        return ForeignKeySpec(columns, referent, targets, at, name)

    def _op_drop_table(self, call: _Call) -> None:
        table = self._table(call.positional[0] if call.positional else None, call.keywords.get("schema"), call.node)
        if table is not None:
            self.changes.append(DropTable(self.origin(call.node), table))

    def _op_rename_table(self, call: _Call) -> None:
        if len(call.positional) < 2:
            return
        old = self._table(call.positional[0], call.keywords.get("schema"), call.node)
        new = self._string(call.positional[1])
        if old is not None and new is not None:
            self.changes.append(RenameTable(self.origin(call.node), old, new))

    def _op_add_column(self, call: _Call) -> None:
        table = self._table(call.positional[0] if call.positional else None, call.keywords.get("schema"), call.node)
        column = _node(call.positional[1]) if len(call.positional) > 1 else None
        if table is None or column is None or column.type != "call":
            return
        read = self._column(column, table)
        if read is None:
            return
        at = self.origin(call.node)
        self.changes.append(AddColumn(at, table, read[0], tuple(read[1])))
        self.changes.extend(AddIndex(at, table, index) for index in read[2])

    def _op_drop_column(self, call: _Call) -> None:
        table = self._table(call.positional[0] if call.positional else None, call.keywords.get("schema"), call.node)
        column = self._string(call.positional[1]) if len(call.positional) > 1 else None
        if table is not None and column is not None:
            self.changes.append(DropColumn(self.origin(call.node), table, column))

    def _op_alter_column(self, call: _Call) -> None:
        table = self._table(call.positional[0] if call.positional else None, call.keywords.get("schema"), call.node)
        column = self._string(call.positional[1]) if len(call.positional) > 1 else None
        if table is None or column is None:
            return
        at = self.origin(call.node)
        type_node = call.keywords.get("type_")
        server_default = call.keywords.get("server_default")
        self.changes.append(AlterColumn(
            at, table, column, self._source_text(type_node) if type_node is not None else None,
            self._flag(call, "nullable"), self._default(server_default),
            drop_default=server_default is not None and server_default.type == "none",
            description=self._string(call.keywords.get("comment")),
        ))
        new_name = self._string(call.keywords.get("new_column_name"))
        if new_name:
            self.changes.append(RenameColumn(at, table, column, new_name))

    def _op_create_foreign_key(self, call: _Call) -> None:
        if len(call.positional) < 5:
            return
        source = self._table(call.positional[1], call.keywords.get("source_schema"), call.node)
        referent = self._table(call.positional[2], call.keywords.get("referent_schema"), call.node)
        if source is None or referent is None:
            return
        at = self.origin(call.node)
        foreign_key = self._foreign_key(call.positional[3], call.positional[4], referent, at,
                                        self._string(call.positional[0]))
        self.changes.append(AddForeignKey(at, source, foreign_key))

    def _op_create_primary_key(self, call: _Call) -> None:
        table = self._table(call.positional[1] if len(call.positional) > 1 else None, call.keywords.get("schema"),
                            call.node)
        if table is not None and len(call.positional) > 2:
            self.changes.append(AddPrimaryKey(self.origin(call.node), table, self._names(call.positional[2])))

    def _op_create_unique_constraint(self, call: _Call) -> None:
        table = self._table(call.positional[1] if len(call.positional) > 1 else None, call.keywords.get("schema"),
                            call.node)
        if table is not None and len(call.positional) > 2:
            index = Index(self._string(call.positional[0]), self._names(call.positional[2]), unique=True)
            self.changes.append(AddIndex(self.origin(call.node), table, index))

    def _op_create_index(self, call: _Call) -> None:
        table = self._table(call.positional[1] if len(call.positional) > 1 else None, call.keywords.get("schema"),
                            call.node)
        if table is not None and len(call.positional) > 2:
            index = Index(self._string(call.positional[0]), self._names(call.positional[2]),
                          bool(self._flag(call, "unique")))
            self.changes.append(AddIndex(self.origin(call.node), table, index))

    def _op_create_check_constraint(self, call: _Call) -> None:
        table = self._table(call.positional[1] if len(call.positional) > 1 else None, call.keywords.get("schema"),
                            call.node)
        if table is not None and len(call.positional) > 2:
            condition = self._condition(call.positional[2])
            check = CheckSpec(condition, self.origin(call.node), self._string(call.positional[0]))
            self.changes.append(AddCheck(self.origin(call.node), table, check))

    def _op_drop_constraint(self, call: _Call) -> None:
        name = self._string(call.positional[0]) if call.positional else None
        table = self._table(call.positional[1] if len(call.positional) > 1 else None, call.keywords.get("schema"),
                            call.node)
        if name is not None and table is not None:
            self.changes.append(DropConstraint(self.origin(call.node), table, name))

    def _op_drop_index(self, call: _Call) -> None:
        name = self._string(call.positional[0]) if call.positional else None
        table_node = call.positional[1] if len(call.positional) > 1 else call.keywords.get("table_name")
        table = self._string(table_node) if table_node is not None else None
        if name is not None:
            self.changes.append(DropIndex(self.origin(call.node), name, table))

    def _op_create_table_comment(self, call: _Call) -> None:
        table = self._table(call.positional[0] if call.positional else None, call.keywords.get("schema"), call.node)
        text = self._string(call.positional[1]) if len(call.positional) > 1 else None
        if table is not None and text is not None:
            self.changes.append(Describe(self.origin(call.node), table, text))

    def _op_execute(self, call: _Call) -> None:
        """`op.execute("ALTER TABLE ...")`: the SQL read in place, positions inside this file."""
        statement = _node(call.positional[0]) if call.positional else None
        if statement is None:
            return
        if statement.type == "call" and _callee(statement) in (("sa", "text"), (None, "text")):
            inner = self._arguments(statement).positional
            statement = _node(inner[0]) if inner else None
        content = _content(statement) if statement is not None else None
        if content is None:
            return  # SQL built at run time: nothing to read here
        sql, node = content
        from flowscan.catalog.readers.ddl_sql import read_sql  # sqlglot only when there is SQL to read

        line, byte = node.start_point
        column = len(self.source[node.start_byte - byte:node.start_byte].decode("utf-8", "replace")) + 1
        read = read_sql(sql, self.path, SOURCE, line + 1, column)
        self.changes.extend(read.changes)
        self.problems.extend(read.problems)


def _node(value: ts.Node | str | None) -> ts.Node | None:
    return value if isinstance(value, ts.Node) else None


def _content(node: ts.Node) -> tuple[str, ts.Node] | None:
    """A plain string's text and the node it starts at (what positions inside it count from)."""
    if node.type != "string" or any(c.type == "interpolation" for c in node.named_children):
        return None
    parts = [c for c in node.named_children if c.type == "string_content"]
    if not parts:
        return None
    return "".join(_text(c) for c in parts), parts[0]


def _callee(call: ts.Node) -> tuple[str | None, str] | None:
    """`op.create_table(...)` → ("op", "create_table"); `text(...)` → (None, "text")."""
    function = call.child_by_field_name("function")
    if function is None:
        return None
    if function.type == "identifier":
        return None, _text(function)
    if function.type == "attribute":
        obj, attribute = function.child_by_field_name("object"), function.child_by_field_name("attribute")
        if obj is not None and attribute is not None:
            return _text(obj).rsplit(".", 1)[-1] if obj.type == "attribute" else _text(obj), _text(attribute)
    return None
