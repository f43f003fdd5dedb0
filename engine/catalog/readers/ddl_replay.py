"""Schema changes applied in order, so the catalog shows the schema the last migration leaves.

A later `ALTER TABLE` changes what an earlier `CREATE TABLE` said, `DROP TABLE` removes the
table, `RENAME TO` moves it (and the foreign keys pointing at it follow, as they do in a
database). Every change that touched a table is kept as one of its origins.

Tables are matched by their catalog id (`public.Orders` and `orders` are one table) and
columns without case. An ALTER of a table this replay never saw creating (created in
another file, or by the ORM) yields a partial table, which the catalog merges with the
other descriptions of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from attrs import define, field

from flowscan.catalog.model import Field, Index, Item, Origin, Part, Relationship, item_id
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
    CreateView,
    Describe,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    ForeignKeySpec,
    RedefineColumn,
    RenameColumn,
    RenameTable,
)
from flowscan.redact import MASK, is_secret_name, redact


@define
class _Column:
    name: str
    line: int
    type: str | None = None
    nullable: bool | None = None
    default: str | None = None
    #: declared UNIQUE on the column itself (unique indexes are looked at when the item is made)
    unique: bool = False
    description: str | None = None


@define
class _ForeignKey:
    columns: list[str]
    target: str
    target_columns: list[str]
    at: Origin
    name: str | None = None


@define
class _Table:
    kind: str
    name: str
    origins: list[Origin]
    columns: dict[str, _Column] = field(factory=dict)
    primary_key: list[str] = field(factory=list)
    indexes: list[Index] = field(factory=list)
    foreign_keys: list[_ForeignKey] = field(factory=list)
    #: fact name → (constraint name, expression)
    checks: dict[str, tuple[str | None, str]] = field(factory=dict)
    facts: dict[str, str] = field(factory=dict)
    description: str | None = None

    def touched(self, at: Origin) -> None:
        if at not in self.origins:
            self.origins.append(at)

    def column(self, name: str) -> _Column | None:
        return self.columns.get(name.lower())


def _key(name: str) -> str:
    return item_id("table", name)


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()


class Replay:
    """The schema so far; `apply` each change in order, then `part()`."""

    def __init__(self) -> None:
        self.tables: dict[str, _Table] = {}
        self._handlers: dict[type, Callable[[Any], None]] = {
            CreateTable: self._create_table, CreateView: self._create_view, DropTable: self._drop_table,
            RenameTable: self._rename_table, AddColumn: self._add_column, RedefineColumn: self._redefine_column,
            DropColumn: self._drop_column, RenameColumn: self._rename_column, AlterColumn: self._alter_column,
            AddPrimaryKey: self._add_primary_key, AddIndex: self._add_index, AddForeignKey: self._add_foreign_key,
            AddCheck: self._add_check, DropConstraint: self._drop_constraint, DropIndex: self._drop_index,
            Describe: self._describe,
        }

    def apply_all(self, changes: Iterable[Change]) -> None:
        for change in changes:
            self.apply(change)

    def apply(self, change: Change) -> None:
        self._handlers[type(change)](change)

    # --- tables and views ---------------------------------------------------------------

    def _create_table(self, change: CreateTable) -> None:
        key = _key(change.name)
        known = self.tables.get(key)
        if known is not None and change.if_not_exists and not change.replace:
            known.touched(change.at)  # the database keeps the table it has
            return
        table = _Table("table", change.name, [change.at],
                       description=redact(change.description) if change.description else None)
        for spec in change.columns:
            table.columns[spec.name.lower()] = _new_column(spec)
            if spec.primary_key:
                table.primary_key.append(spec.name)
        if change.primary_key:
            table.primary_key = list(change.primary_key)
        table.indexes.extend(change.indexes)
        table.foreign_keys.extend(_foreign_key(fk) for fk in change.foreign_keys)
        for check in change.checks:
            _add_check(table, check)
        table.facts.update(change.facts)
        self.tables[key] = table

    def _create_view(self, change: CreateView) -> None:
        view = _Table("view", change.name, [change.at])
        for spec in change.columns:
            view.columns[spec.name.lower()] = _new_column(spec)
        if change.reads:
            view.facts["reads"] = ", ".join(change.reads)
        if change.materialized:
            view.facts["materialized"] = "yes"
        self.tables[_key(change.name)] = view

    def _drop_table(self, change: DropTable) -> None:
        # Foreign keys pointing at it stay: a dump drops and re-creates tables with checks off.
        self.tables.pop(_key(change.name), None)

    def _rename_table(self, change: RenameTable) -> None:
        old = _key(change.name)
        table = self.tables.pop(old, None) or _Table("table", change.name, [])
        table.touched(change.at)
        new_name = change.new_name
        if "." not in new_name and "." in table.name:
            # PostgreSQL's RENAME TO keeps the schema; the new name never carries one
            new_name = table.name.rsplit(".", 1)[0] + "." + new_name
        table.name = new_name
        self.tables[_key(new_name)] = table
        for other in self.tables.values():
            for fk in other.foreign_keys:
                if _key(fk.target) == old:
                    fk.target = new_name

    def _altered(self, name: str, at: Origin) -> _Table:
        """The table an ALTER changes; one this replay never saw created starts empty."""
        key = _key(name)
        table = self.tables.get(key)
        if table is None:
            table = self.tables[key] = _Table("table", name, [])
        table.touched(at)
        return table

    # --- columns ------------------------------------------------------------------------

    def _add_column(self, change: AddColumn) -> None:
        table = self._altered(change.table, change.at)
        table.columns[change.column.name.lower()] = _new_column(change.column)
        if change.column.primary_key:
            table.primary_key = [change.column.name]
        table.foreign_keys.extend(_foreign_key(fk) for fk in change.foreign_keys)
        for check in change.checks:
            _add_check(table, check)

    def _redefine_column(self, change: RedefineColumn) -> None:
        table = self._altered(change.table, change.at)
        old = table.column(change.old_name)
        column = _new_column(change.column)
        if old is not None:
            column.line = old.line  # where the column was declared first
            column.description = column.description or old.description
            if not _same(change.old_name, change.column.name):
                self._rename_everywhere(table, old.name, change.column.name)
        table.columns = _replaced(table.columns, change.old_name, column)
        if change.column.primary_key and change.column.name not in table.primary_key:
            table.primary_key = [change.column.name]
        table.foreign_keys.extend(_foreign_key(fk) for fk in change.foreign_keys)

    def _drop_column(self, change: DropColumn) -> None:
        table = self._altered(change.table, change.at)
        table.columns.pop(change.column.lower(), None)
        gone = change.column.lower()
        table.primary_key = [c for c in table.primary_key if c.lower() != gone]
        # as in PostgreSQL: indexes and foreign keys over a dropped column go with it
        table.indexes = [i for i in table.indexes if gone not in (c.lower() for c in i.columns)]
        table.foreign_keys = [fk for fk in table.foreign_keys if gone not in (c.lower() for c in fk.columns)]
        table.checks = {k: v for k, v in table.checks.items() if k != f"check {change.column}"}

    def _rename_column(self, change: RenameColumn) -> None:
        table = self._altered(change.table, change.at)
        column = table.column(change.column)
        if column is None:
            return
        renamed = _Column(change.new_name, column.line, column.type, column.nullable, column.default,
                          column.unique, column.description)
        table.columns = _replaced(table.columns, change.column, renamed)
        self._rename_everywhere(table, change.column, change.new_name)

    def _rename_everywhere(self, table: _Table, old: str, new: str) -> None:
        """Keys, indexes and foreign keys name columns: a renamed column is renamed in them too."""

        def swap(names: Iterable[str]) -> list[str]:
            return [new if _same(n, old) else n for n in names]

        table.primary_key = swap(table.primary_key)
        table.indexes = [Index(i.name, tuple(swap(i.columns)), i.unique) for i in table.indexes]
        for fk in table.foreign_keys:
            fk.columns = swap(fk.columns)
        key = _key(table.name)
        for other in self.tables.values():
            for fk in other.foreign_keys:
                if _key(fk.target) == key:
                    fk.target_columns = swap(fk.target_columns)

    def _alter_column(self, change: AlterColumn) -> None:
        table = self._altered(change.table, change.at)
        column = table.column(change.column)
        if column is None:
            column = table.columns[change.column.lower()] = _Column(change.column, change.at.line)
        if change.type is not None:
            column.type = change.type
        if change.nullable is not None:
            column.nullable = change.nullable
        if change.drop_default:
            column.default = None
        if change.default is not None:
            column.default = _default(column.name, change.default)
        if change.description is not None:
            column.description = redact(change.description)

    # --- keys, indexes, constraints -------------------------------------------------------

    def _add_primary_key(self, change: AddPrimaryKey) -> None:
        self._altered(change.table, change.at).primary_key = list(change.columns)

    def _add_index(self, change: AddIndex) -> None:
        table = self._altered(change.table, change.at)
        named = change.index.name
        table.indexes = [i for i in table.indexes if named is None or i.name is None or not _same(i.name, named)]
        table.indexes.append(change.index)

    def _add_foreign_key(self, change: AddForeignKey) -> None:
        table = self._altered(change.table, change.at)
        named = change.foreign_key.name
        if named is not None:
            table.foreign_keys = [fk for fk in table.foreign_keys if fk.name is None or not _same(fk.name, named)]
        table.foreign_keys.append(_foreign_key(change.foreign_key))

    def _add_check(self, change: AddCheck) -> None:
        _add_check(self._altered(change.table, change.at), change.check)

    def _drop_constraint(self, change: DropConstraint) -> None:
        table = self._altered(change.table, change.at)
        name = change.name
        table.foreign_keys = [fk for fk in table.foreign_keys if fk.name is None or not _same(fk.name, name)]
        table.indexes = [i for i in table.indexes if i.name is None or not _same(i.name, name)]
        table.checks = {k: v for k, v in table.checks.items() if v[0] is None or not _same(v[0], name)}

    def _drop_index(self, change: DropIndex) -> None:
        tables = [self.tables[_key(change.table)]] if change.table and _key(change.table) in self.tables else list(
            self.tables.values())
        for table in tables:
            kept = [i for i in table.indexes if i.name is None or not _same(i.name, change.name)]
            if len(kept) != len(table.indexes):
                table.indexes = kept
                table.touched(change.at)

    def _describe(self, change: Describe) -> None:
        table = self._altered(change.table, change.at)
        if change.column is None:
            table.description = redact(change.text)
            return
        column = table.column(change.column)
        if column is not None:
            column.description = redact(change.text)

    # --- the result ---------------------------------------------------------------------

    def part(self) -> Part:
        items: list[Item] = []
        relationships: list[Relationship] = []
        for table in self.tables.values():
            references = self._references(table)
            items.append(Item(table.kind, table.name, tuple(table.origins), tuple(
                _field(table, column, references.get(column.name.lower())) for column in table.columns.values()),
                tuple(table.indexes), _facts(table), table.description))
            # a key declared twice (inline and again as a constraint) is one relationship
            distinct = {(tuple(c.lower() for c in fk.columns), _key(fk.target)): fk
                        for fk in reversed(table.foreign_keys)}
            relationships.extend(self._relationship(table, fk) for fk in reversed(distinct.values()))
        return Part(tuple(items), tuple(relationships))

    def _targets(self, fk: _ForeignKey) -> list[str]:
        """The referenced columns, the target's primary key when the key names none."""
        if fk.target_columns:
            return fk.target_columns
        target = self.tables.get(_key(fk.target))
        if target is not None and len(target.primary_key) == len(fk.columns):
            return target.primary_key
        return []

    def _references(self, table: _Table) -> dict[str, str]:
        found: dict[str, str] = {}
        for fk in table.foreign_keys:
            targets = self._targets(fk)
            for position, column in enumerate(fk.columns):
                target = f"{fk.target}.{targets[position]}" if position < len(targets) else fk.target
                found.setdefault(column.lower(), target)
        return found

    def _relationship(self, table: _Table, fk: _ForeignKey) -> Relationship:
        targets = self._targets(fk)
        pointed = ", ".join(f"{fk.target}.{c}" for c in targets) if targets else fk.target
        return Relationship(_key(table.name), _key(fk.target), "foreign_key", fk.at,
                            f"{', '.join(fk.columns)} → {pointed}")


def _new_column(spec: ColumnSpec) -> _Column:
    nullable = False if spec.primary_key and spec.nullable is None else spec.nullable
    return _Column(spec.name, spec.line, spec.type, nullable, _default(spec.name, spec.default), spec.unique,
                   redact(spec.description) if spec.description else None)


def _default(column: str, default: str | None) -> str | None:
    """A default as shown: a literal default of a secret-named column (`api_token`) is masked."""
    if default is None:
        return None
    if is_secret_name(column) and default[:1] in ("'", '"') and default.strip("'\""):
        return f"'{MASK}'"
    return redact(default)


def _foreign_key(spec: ForeignKeySpec) -> _ForeignKey:
    return _ForeignKey(list(spec.columns), spec.table, list(spec.target_columns), spec.at, spec.name)


def _add_check(table: _Table, check: CheckSpec) -> None:
    label = check.name or check.column or str(len(table.checks) + 1)
    table.checks[f"check {label}"] = (check.name, redact(check.expression))


def _replaced(columns: dict[str, _Column], old: str, column: _Column) -> dict[str, _Column]:
    """`columns` with `old` replaced by `column` where `old` stood (at the end when absent)."""
    if old.lower() not in columns:
        return {**columns, column.name.lower(): column}
    return {(column.name.lower() if k == old.lower() else k): (column if k == old.lower() else v)
            for k, v in columns.items()}


def _field(table: _Table, column: _Column, references: str | None) -> Field:
    in_key = any(_same(column.name, c) for c in table.primary_key)
    unique = column.unique or any(
        i.unique and len(i.columns) == 1 and _same(i.columns[0], column.name) for i in table.indexes
    )
    nullable = False if in_key else column.nullable
    return Field(column.name, column.type, nullable, column.default, in_key, unique, references, column.line,
                 column.description)


def _facts(table: _Table) -> tuple[tuple[str, str], ...]:
    return (*table.facts.items(), *((k, v[1]) for k, v in table.checks.items()))
