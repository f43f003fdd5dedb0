"""Tables, views, columns, keys and indexes of a relational database, through SQLAlchemy's inspector.

Each dialect module (postgres, mysql, sqlite) opens a read-only connection, says which
schemas to read, and adds what the inspector does not give: the column types as the
database spells them and the table statistics. This module turns the inspector's
reflection plus those extras into catalog items and foreign-key relationships.

PostgreSQL reflects a whole schema per query (`get_multi_*`, SQLAlchemy 2). MariaDB and
SQLite reflect table by table, so that one table that cannot be read (a view over a
dropped table, a virtual table whose module is missing) becomes a `Problem` instead of
hiding every other table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from attrs import field, frozen
from flowscan.catalog.model import (
    Field,
    Index,
    Item,
    Origin,
    Part,
    Problem,
    Relationship,
    item_id,
)

TABLE, VIEW, MATERIALIZED_VIEW = "table", "view", "materialized view"

Facts = tuple[tuple[str, str], ...]
Key = tuple[str, str]


@frozen
class Relation:
    """A table or view: its schema (as the database names it), name and kind."""

    schema: str
    name: str
    kind: str

    @property
    def key(self) -> Key:
        return (self.schema, self.name)


@frozen
class Extras:
    """What a dialect knows beyond the inspector, keyed by (schema, table)."""

    facts: Mapping[Key, Facts] = field(factory=dict)
    #: column name → type as the database spells it (`character varying(20)`, `int(11)`)
    column_types: Mapping[Key, Mapping[str, str]] = field(factory=dict)


@frozen
class Reflection:
    """The inspector's answers for one relation (SQLAlchemy's reflected dicts, read only here)."""

    relation: Relation
    columns: Sequence[Mapping[str, Any]] = ()
    primary_key: Mapping[str, Any] = field(factory=dict)
    foreign_keys: Sequence[Mapping[str, Any]] = ()
    indexes: Sequence[Mapping[str, Any]] = ()
    unique_constraints: Sequence[Mapping[str, Any]] = ()
    comment: str | None = None


@frozen
class Naming:
    """How a relation is named in the catalog: `schema.table`, the default schema left bare."""

    bare_schema: str | None

    def __call__(self, schema: str | None, name: str) -> str:
        if schema is None or schema == self.bare_schema:
            return name
        return f"{schema}.{name}"


def relations(inspector: Any, schema: str, *, materialized: bool = False) -> list[Relation]:
    """The tables and views of `schema`, in name order."""
    found = [Relation(schema, name, TABLE) for name in inspector.get_table_names(schema=schema)]
    found += [Relation(schema, name, VIEW) for name in inspector.get_view_names(schema=schema)]
    if materialized:
        found += [Relation(schema, name, MATERIALIZED_VIEW)
                  for name in inspector.get_materialized_view_names(schema=schema)]
    return sorted(found, key=lambda r: r.name)


def reflect_schema(inspector: Any, schema: str, found: Sequence[Relation], *,
                   foreign_key_options: Mapping[str, Any] | None = None) -> list[Reflection]:
    """Every relation of one schema, a handful of queries in all (SQLAlchemy 2's multi-table reflection).

    `foreign_key_options` go to the dialect (`postgresql_ignore_search_path`).
    """
    from sqlalchemy.engine.reflection import ObjectKind

    if not found:
        return []
    any_kind = ObjectKind.ANY
    tables = ObjectKind.TABLE | ObjectKind.MATERIALIZED_VIEW

    def by_name(answer: Mapping[tuple[str | None, str], Any]) -> dict[str, Any]:
        # the inspector keys by (schema or None, name): the schema is the one asked for
        return {name: value for (_, name), value in answer.items()}

    columns = by_name(inspector.get_multi_columns(schema=schema, kind=any_kind))
    comments = by_name(inspector.get_multi_table_comment(schema=schema, kind=any_kind))
    primary_keys = by_name(inspector.get_multi_pk_constraint(schema=schema, kind=ObjectKind.TABLE))
    foreign_keys = by_name(inspector.get_multi_foreign_keys(schema=schema, kind=ObjectKind.TABLE,
                                                            **(foreign_key_options or {})))
    indexes = by_name(inspector.get_multi_indexes(schema=schema, kind=tables))
    uniques = by_name(inspector.get_multi_unique_constraints(schema=schema, kind=ObjectKind.TABLE))
    return [
        Reflection(
            relation=r,
            columns=columns.get(r.name, ()),
            primary_key=primary_keys.get(r.name) or {},
            foreign_keys=foreign_keys.get(r.name, ()),
            indexes=indexes.get(r.name, ()),
            unique_constraints=uniques.get(r.name, ()),
            comment=(comments.get(r.name) or {}).get("text"),
        )
        for r in found
    ]


def reflect_each(
    inspector: Any, found: Sequence[Relation], *, schema_arg: Callable[[Relation], str | None],
    is_fatal: Callable[[Exception], bool], where: str,
) -> tuple[list[Reflection], list[Problem]]:
    """Relation by relation; one that cannot be read becomes a Problem, unless the error ends the session."""
    from sqlalchemy.exc import DBAPIError, NoSuchTableError, UnreflectableTableError

    reflections: list[Reflection] = []
    problems: list[Problem] = []
    for relation in found:
        try:
            reflections.append(_reflect_one(inspector, relation, schema_arg(relation)))
        except DBAPIError as error:
            if is_fatal(error):
                raise
            problems.append(_problem(where, relation, _driver_words(error.orig)))
        except (UnreflectableTableError, NoSuchTableError) as error:
            # a view over a dropped table, or a table dropped while we read
            cause = error.__cause__ or error.__context__
            reason = _driver_words(cause.orig) if isinstance(cause, DBAPIError) else str(error).strip()
            problems.append(_problem(where, relation, reason or type(error).__name__))
    return reflections, problems


def _problem(where: str, relation: Relation, reason: str) -> Problem:
    return Problem(where, 1, 1, f"cannot read {relation.kind} {relation.schema}.{relation.name}: {reason}")


def _driver_words(error: BaseException | None) -> str:
    """The driver's message: PyMySQL's (code, message) args, else the first line of its text."""
    args: tuple[Any, ...] = getattr(error, "args", ())
    if len(args) == 2 and isinstance(args[0], int):
        return f"{args[1]} (error {args[0]})"
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _reflect_one(inspector: Any, relation: Relation, schema: str | None) -> Reflection:
    columns = inspector.get_columns(relation.name, schema=schema)
    comment = _table_comment(inspector, relation.name, schema)
    if relation.kind == VIEW:
        return Reflection(relation, columns=columns, comment=comment)
    return Reflection(
        relation=relation,
        columns=columns,
        primary_key=inspector.get_pk_constraint(relation.name, schema=schema) or {},
        foreign_keys=inspector.get_foreign_keys(relation.name, schema=schema),
        indexes=inspector.get_indexes(relation.name, schema=schema),
        unique_constraints=inspector.get_unique_constraints(relation.name, schema=schema),
        comment=comment,
    )


def _table_comment(inspector: Any, name: str, schema: str | None) -> str | None:
    try:
        return (inspector.get_table_comment(name, schema=schema) or {}).get("text")
    except NotImplementedError:  # SQLite keeps no comments
        return None


def build_part(
    reflections: Iterable[Reflection], *, naming: Naming, origin: Origin, dialect: Any, extras: Extras,
    problems: Sequence[Problem] = (),
) -> Part:
    items: list[Item] = []
    relationships: list[Relationship] = []
    for reflection in reflections:
        item, links = _item(reflection, naming, origin, dialect, extras)
        items.append(item)
        relationships.extend(links)
    items.sort(key=lambda i: (i.type, i.name))
    relationships.sort(key=lambda r: (r.source, r.target, r.label or ""))
    return Part(tuple(items), tuple(relationships), tuple(problems))


def _item(reflection: Reflection, naming: Naming, origin: Origin, dialect: Any,
          extras: Extras) -> tuple[Item, list[Relationship]]:
    relation = reflection.relation
    name = naming(relation.schema, relation.name)
    type_ = TABLE if relation.kind == TABLE else VIEW
    primary = set(reflection.primary_key.get("constrained_columns") or ())
    references, links = _foreign_keys(reflection, naming, origin, item_id(type_, name))
    types = extras.column_types.get(relation.key, {})
    unique = _unique_columns(reflection)
    fields = tuple(
        Field(
            name=column["name"],
            type=types.get(column["name"]) or _type_text(column["type"], dialect),
            nullable=column.get("nullable"),
            default=_default(column),
            primary_key=column["name"] in primary,
            unique=column["name"] in unique,
            references=references.get(column["name"]),
            description=column.get("comment") or None,
        )
        for column in reflection.columns
    )
    indexes = tuple(_index(index) for index in reflection.indexes)
    facts = extras.facts.get(relation.key, ())
    if relation.kind == MATERIALIZED_VIEW:
        facts = (("kind", MATERIALIZED_VIEW), *facts)
    item = Item(type_, name, (origin,), fields=fields, indexes=indexes, facts=facts,
                description=reflection.comment or None)
    return item, links


def _foreign_keys(reflection: Reflection, naming: Naming, origin: Origin,
                  source: str) -> tuple[dict[str, str], list[Relationship]]:
    references: dict[str, str] = {}
    links: list[Relationship] = []
    for key in reflection.foreign_keys:
        target = naming(key.get("referred_schema") or reflection.relation.schema, key["referred_table"])
        columns = list(key.get("constrained_columns") or ())
        referred = list(key.get("referred_columns") or ())
        for column, other in zip(columns, referred):
            references.setdefault(column, f"{target}.{other}")
        label = f"{', '.join(columns)} → {', '.join(referred)}"
        links.append(Relationship(source, item_id(TABLE, target), "foreign_key", origin, label))
    return references, links


def _unique_columns(reflection: Reflection) -> set[str]:
    """Columns that are unique on their own: a one-column unique constraint or unique index."""
    unique = {c["column_names"][0] for c in reflection.unique_constraints if len(c.get("column_names") or ()) == 1}
    for index in reflection.indexes:
        names: list[str | None] = list(index.get("column_names") or [])
        if index.get("unique") and len(names) == 1 and names[0] is not None:
            unique.add(names[0])
    return unique


def _index(index: Mapping[str, Any]) -> Index:
    names = list(index.get("column_names") or ())
    expressions = list(index.get("expressions") or ())
    # an expression index has None for a column name and the expression's text beside it
    columns = tuple(
        name if name is not None else (expressions[i] if i < len(expressions) else "<expression>")
        for i, name in enumerate(names)
    )
    return Index(index.get("name"), columns, bool(index.get("unique")))


def _default(column: Mapping[str, Any]) -> str | None:
    computed = column.get("computed")
    if computed:
        stored = " stored" if computed.get("persisted") else ""
        return f"generated always as ({computed['sqltext']}){stored}"
    identity = column.get("identity")
    if identity:
        return "generated always as identity" if identity.get("always") else "generated by default as identity"
    default = column.get("default")
    return str(default) if default is not None else None


def _type_text(type_: Any, dialect: Any) -> str | None:
    """The reflected type in the dialect's words, for a column the database gave no spelling of."""
    from sqlalchemy.exc import CompileError
    from sqlalchemy.types import NullType

    if isinstance(type_, NullType):
        return None
    try:
        return str(type_.compile(dialect=dialect))
    except CompileError:  # a type the dialect cannot render: its class name still says what it is
        return type(type_).__name__
