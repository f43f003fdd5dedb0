"""What a schema change says, whatever wrote it: SQL DDL, an Alembic migration or a diesel `table!`.

Each front end (`ddl_sql`, `ddl_alembic`, `ddl_diesel`) turns its source into these
changes, each with the `Origin` of the statement or call that made it; `ddl_replay`
applies them in order to arrive at the final schema. Names are kept as written (quotes
removed); matching them to one another is the replay's business.
"""

from __future__ import annotations

from attrs import frozen

from flowscan.catalog.model import Index, Origin


@frozen
class ColumnSpec:
    """A column as declared: `nullable` None when the source does not say."""

    name: str
    line: int
    type: str | None = None
    nullable: bool | None = None
    default: str | None = None
    primary_key: bool = False
    unique: bool = False
    description: str | None = None


@frozen
class ForeignKeySpec:
    """`columns` reference `target_columns` of `table`; no target columns: the target's primary key."""

    columns: tuple[str, ...]
    table: str
    target_columns: tuple[str, ...]
    at: Origin
    name: str | None = None


@frozen
class CheckSpec:
    expression: str
    at: Origin
    name: str | None = None
    column: str | None = None


@frozen
class CreateTable:
    at: Origin
    name: str
    columns: tuple[ColumnSpec, ...] = ()
    primary_key: tuple[str, ...] = ()
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKeySpec, ...] = ()
    checks: tuple[CheckSpec, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    description: str | None = None
    #: `CREATE OR REPLACE` / `CREATE TABLE IF NOT EXISTS`: what happens to a table of that name
    replace: bool = False
    if_not_exists: bool = False


@frozen
class CreateView:
    at: Origin
    name: str
    reads: tuple[str, ...] = ()
    materialized: bool = False
    #: the columns the query names (none when it selects `*`)
    columns: tuple[ColumnSpec, ...] = ()


@frozen
class DropTable:
    """DROP TABLE or DROP VIEW."""

    at: Origin
    name: str


@frozen
class RenameTable:
    at: Origin
    name: str
    new_name: str


@frozen
class AddColumn:
    at: Origin
    table: str
    column: ColumnSpec
    foreign_keys: tuple[ForeignKeySpec, ...] = ()
    checks: tuple[CheckSpec, ...] = ()


@frozen
class RedefineColumn:
    """MySQL `MODIFY` / `CHANGE`: the column declared anew (and renamed from `old_name`)."""

    at: Origin
    table: str
    old_name: str
    column: ColumnSpec
    foreign_keys: tuple[ForeignKeySpec, ...] = ()


@frozen
class DropColumn:
    at: Origin
    table: str
    column: str


@frozen
class RenameColumn:
    at: Origin
    table: str
    column: str
    new_name: str


@frozen
class AlterColumn:
    """One ALTER COLUMN: only what is not None changes; `drop_default` removes the default."""

    at: Origin
    table: str
    column: str
    type: str | None = None
    nullable: bool | None = None
    default: str | None = None
    drop_default: bool = False
    description: str | None = None


@frozen
class AddPrimaryKey:
    at: Origin
    table: str
    columns: tuple[str, ...]


@frozen
class AddIndex:
    """CREATE INDEX, an inline MySQL KEY, or a UNIQUE constraint (an index by another name)."""

    at: Origin
    table: str
    index: Index


@frozen
class AddForeignKey:
    at: Origin
    table: str
    foreign_key: ForeignKeySpec


@frozen
class AddCheck:
    at: Origin
    table: str
    check: CheckSpec


@frozen
class DropConstraint:
    """A named constraint (foreign key, unique, check, primary key) removed from `table`."""

    at: Origin
    table: str
    name: str


@frozen
class DropIndex:
    """An index by name; `table` when the source says which (MySQL, Alembic)."""

    at: Origin
    name: str
    table: str | None = None


@frozen
class Describe:
    """COMMENT ON TABLE / COLUMN, or an Alembic table comment."""

    at: Origin
    table: str
    text: str
    column: str | None = None


Change = (
    CreateTable | CreateView | DropTable | RenameTable | AddColumn | RedefineColumn | DropColumn | RenameColumn
    | AlterColumn | AddPrimaryKey | AddIndex | AddForeignKey | AddCheck | DropConstraint | DropIndex | Describe
)
