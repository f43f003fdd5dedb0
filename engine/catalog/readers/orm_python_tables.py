"""What both mappers build and share: the tables being assembled (`Table`, its `Column`s, the
`Tables` of a project) and the helpers that turn expressions into catalog text."""

from __future__ import annotations

from attrs import define, field, frozen
from flowscan.catalog.model import Field, Index, Origin, Problem, Relationship, item_id
from flowscan.catalog.readers.orm_python_source import Expr, cached_redact
from flowscan.redact import MASK, is_secret_name

_TYPE_TEXT_LIMIT = 80  # a type recorded as written is cut here


@frozen
class Column:
    """A column as a model or Table() declares it, before foreign keys are followed."""

    field: Field
    attribute: str
    #: the foreign key's target as written: `customers.id`, or a resolved `table.column`
    references: str | None
    #: the type is the referenced column's, once that is known
    inferred: bool = False


@define
class Table:
    """A table being assembled from one or more classes (single-table inheritance) or a Table() call."""

    name: str
    origins: list[Origin] = field(factory=list)
    columns: list[Column] = field(factory=list)
    indexes: list[Index] = field(factory=list)
    facts: list[tuple[str, str]] = field(factory=list)
    description: str | None = None
    #: relationships leaving this table, with the line they were declared on
    relations: list[Relationship] = field(factory=list)
    #: single-table inheritance: the subclasses that share the table
    subclasses: list[str] = field(factory=list)

    def add_column(self, column: Column, replace: bool = True) -> None:
        """Add a column; one already there of that name is replaced, or kept when not `replace`."""
        for position, known in enumerate(self.columns):
            if known.field.name.lower() == column.field.name.lower():
                if replace:
                    self.columns[position] = column
                return
        self.columns.append(column)

    def add_index(self, index: Index) -> None:
        if index not in self.indexes:
            self.indexes.append(index)

    def fact(self, name: str, value: str) -> None:
        if all(k != name for k, _ in self.facts):
            self.facts.append((name, cached_redact(value)))


@define
class Tables:
    """Every table the reader assembles, by id, plus the problems met on the way."""

    tables: dict[str, Table] = field(factory=dict)
    problems: list[Problem] = field(factory=list)

    def table(self, name: str) -> Table:
        key = item_id("table", name)
        if key not in self.tables:
            self.tables[key] = Table(name)
        return self.tables[key]


def add_check(table: Table, check: str) -> None:
    known = next((v for k, v in table.facts if k == "checks"), None)
    table.facts = [(k, v) for k, v in table.facts if k != "checks"]
    table.facts.append(("checks", cached_redact(f"{known}; {check}" if known else check)))


def foreign_key(table: str, column: Column, origin: Origin) -> Relationship:
    target = column.references or ""
    target_table = target.rsplit(".", 1)[0] if "." in target else target
    return Relationship(item_id("table", table), item_id("table", target_table), "foreign_key", origin,
                        f"{column.field.name} → {target}")


def number(expr: Expr | None) -> str | None:
    return expr.value if expr is not None and expr.kind == "number" else None


def default_text(name: str, value: Expr) -> str:
    if value.kind == "string":
        return MASK if is_secret_name(name) and value.value else cached_redact(value.value or "")
    return cached_redact(value.text)


def description(call: Expr | None, *keywords: str) -> str | None:
    if call is None:
        return None
    for keyword in keywords:
        value = call.keyword(keyword)
        if value is not None and value.kind == "string" and value.value:
            return cached_redact(value.value)
    return None


def as_written(text: str) -> str:
    text = " ".join(text.split())
    return cached_redact(text if len(text) <= _TYPE_TEXT_LIMIT else text[: _TYPE_TEXT_LIMIT - 1] + "…")


def snippet(expr: Expr | None) -> str:
    if expr is None:
        return "nothing"
    text = " ".join(expr.text.split())
    return cached_redact(text if len(text) <= 60 else text[:59] + "…")

