"""Relational schemas from SQL DDL and migrations: the tables the repository declares.

Three readers, one replay (`ddl_replay`): each front end turns its files into schema
changes, and the changes of one migration folder are applied in the folder's own order,
so the catalog shows the schema the last migration leaves.

- `sql`: `.sql` files. Migration folders — Flyway `V1__init.sql` / `V2_1__x.sql` (by
  version, numerically) then `R__x.sql`, golang-migrate `0001_x.up.sql`, sqlx
  `20240101120000_x.sql`, diesel `2024-01-01-000000_x/up.sql`, Prisma
  `20240101120000_x/migration.sql`, any `001_x.sql` — are
  replayed in order; down and undo migrations are not read, nor the down half of goose,
  dbmate and sql-migrate files. Other `.sql` files are replayed on their own. Files
  with no DDL keyword, and Jinja templates (dbt models, macros), are passed over unparsed.
- `alembic`: `versions/*.py`, ordered along `down_revision`.
- `diesel`: `schema.rs` (`table!`, `joinable!`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from attrs import frozen

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Part, Problem
from flowscan.catalog.readers import Reader
from flowscan.catalog.readers.ddl_alembic import Revision, in_order, read_revision
from flowscan.catalog.readers.ddl_diesel import read_schema
from flowscan.catalog.readers.ddl_model import Change
from flowscan.catalog.readers.ddl_replay import Replay

# --- which files ----------------------------------------------------------------------------

_FLYWAY = re.compile(r"^[Vv](?P<version>\d+(?:[._]\d+)*)__.+\.sql$")
_FLYWAY_REPEATABLE = re.compile(r"^R__.+\.sql$")
_FLYWAY_UNDO = re.compile(r"^U\d+(?:[._]\d+)*__.+\.sql$")
# golang-migrate 0001_x.up.sql, sqlx 20240101120000_x.sql, goose 00001_x.sql, plain 001-x.sql
_NUMBERED = re.compile(r"^(?P<version>\d+)(?:[_.-].*)?\.sql$")
_VERSION_FOLDER = re.compile(r"^(?P<version>\d{4}-\d{2}-\d{2}-\d{6}|\d+)_.+$")


def _claims_sql(file: CatalogFile) -> bool:
    path = file.display_path
    name = path.rsplit("/", 1)[-1]
    if not name.endswith(".sql") or name.endswith(".down.sql") or _FLYWAY_UNDO.match(name):
        return False
    # diesel keeps down.sql beside up.sql
    return not (name == "down.sql" and "/" in path)


def _claims_alembic(file: CatalogFile) -> bool:
    path = file.display_path
    parts = path.split("/")
    return len(parts) >= 2 and parts[-2] == "versions" and parts[-1].endswith(".py") and parts[-1] != "__init__.py"


def _claims_diesel(file: CatalogFile) -> bool:
    path = file.display_path
    return path.rsplit("/", 1)[-1].endswith("schema.rs")


@frozen
class MigrationKey:
    """Where a file sits in its migration folder: `folder` groups, `order` sorts."""

    folder: str
    order: tuple[int, tuple[int, ...], str]


def migration_key(path: str) -> MigrationKey | None:
    """The folder and order of a migration file, or None for a file replayed on its own."""
    pure = PurePosixPath(path)
    name, folder = pure.name, str(pure.parent)
    if name in ("up.sql", "migration.sql"):  # diesel's and Prisma's: one folder per version
        found = _VERSION_FOLDER.match(pure.parent.name)
        if found is not None:
            digits = int(re.sub(r"\D", "", found.group("version")))
            return MigrationKey(str(pure.parent.parent), (0, (digits,), pure.parent.name))
        return None
    flyway = _FLYWAY.match(name)
    if flyway is not None:
        return MigrationKey(folder, (0, _version(flyway.group("version")), name))
    if _FLYWAY_REPEATABLE.match(name):
        return MigrationKey(folder, (1, (), name))  # Flyway runs repeatables after every versioned one
    numbered = _NUMBERED.match(name)
    if numbered is not None:
        return MigrationKey(folder, (0, (int(numbered.group("version")),), name))
    return None


def _version(text: str) -> tuple[int, ...]:
    """`2_1` and `2.1` are version 2.1, after 2 and before 10: compared as numbers."""
    return tuple(int(part) for part in re.split(r"[._]", text))


# --- SQL ------------------------------------------------------------------------------------

_MAY_HOLD_DDL = re.compile(r"\b(?:create|alter|drop|rename|comment)\b", re.IGNORECASE)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
# goose `-- +goose Down`, sql-migrate `-- +migrate Down`, dbmate `-- migrate:down`: the rest undoes
_DOWN_SECTION = re.compile(r"^--\s*(?:\+goose\s+down|\+migrate\s+down|migrate:down)\b.*?(?=^--\s*(?:\+goose\s+up|"
                           r"\+migrate\s+up|migrate:up)\b|\Z)", re.IGNORECASE | re.MULTILINE | re.DOTALL)


def read_sql_files(files: Sequence[CatalogFile]) -> Part:
    folders: dict[str, list[tuple[MigrationKey, CatalogFile]]] = {}
    alone: list[CatalogFile] = []
    for file in files:
        key = migration_key(file.display_path)
        if key is None:
            alone.append(file)
        else:
            folders.setdefault(key.folder, []).append((key, file))
    parts: list[Part] = []
    problems: list[Problem] = []
    for members in folders.values():
        members.sort(key=lambda member: (member[0].order, member[1].display_path))
        if len(members) == 1:
            alone.append(members[0][1])  # one numbered file is no migration folder
            continue
        problems.extend(_duplicate_versions(members))
        parts.append(_replay([file for _, file in members], _sql_changes))
    parts.extend(_replay([file], _sql_changes) for file in alone)
    return _combined(parts, problems)


def _duplicate_versions(members: list[tuple[MigrationKey, CatalogFile]]) -> list[Problem]:
    seen: dict[tuple[int, tuple[int, ...]], str] = {}
    problems: list[Problem] = []
    for key, file in members:
        version = key.order[:2]
        if key.order[0] == 0 and version in seen:
            problems.append(file.problem(f"same migration version as {seen[version]}: both replayed, by file name"))
        seen.setdefault(version, file.display_path)
    return problems


def _sql_changes(file: CatalogFile) -> tuple[list[Change], list[Problem]]:
    try:
        text = file.text()
    except Unreadable as unreadable:
        return [], [unreadable.problem]
    problems = _encoding_problems(file, text)
    if not _MAY_HOLD_DDL.search(text) or _JINJA.search(text):
        return [], problems  # queries, and templates (dbt models and macros) that only a renderer can read
    if "--" in text:
        text = _DOWN_SECTION.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    # imported when there is SQL to read: sqlglot takes a few tenths of a second to import
    from flowscan.catalog.readers.ddl_sql import read_sql

    read = read_sql(text, file.display_path)
    return list(read.changes), [*problems, *read.problems]


def _encoding_problems(file: CatalogFile, text: str) -> list[Problem]:
    bad = text.find("\ufffd")
    if bad < 0:
        return []
    line = text.count("\n", 0, bad) + 1
    column = bad - (text.rfind("\n", 0, bad) + 1) + 1
    return [file.problem("not valid UTF-8: read with the bad bytes replaced", line, column)]


def _replay(files: Sequence[CatalogFile],
            changes_of: Callable[[CatalogFile], tuple[list[Change], list[Problem]]]) -> Part:
    replay = Replay()
    problems: list[Problem] = []
    for file in files:
        changes, found = changes_of(file)
        replay.apply_all(changes)
        problems.extend(found)
    part = replay.part()
    return Part(part.items, part.relationships, tuple(problems))


def _combined(parts: Sequence[Part], problems: Sequence[Problem] = ()) -> Part:
    return Part(
        tuple(item for part in parts for item in part.items),
        tuple(relationship for part in parts for relationship in part.relationships),
        (*problems, *(problem for part in parts for problem in part.problems)),
    )


# --- Alembic and diesel ---------------------------------------------------------------------


def read_alembic_files(files: Sequence[CatalogFile]) -> Part:
    folders: dict[str, list[Revision]] = {}
    problems: list[Problem] = []
    for file in files:
        try:
            text = file.text()
        except Unreadable as unreadable:
            problems.append(unreadable.problem)
            continue
        revision = read_revision(text, file.display_path)
        if not revision.is_migration:
            continue  # a helper module beside the migrations: none of this reader's business
        problems.extend((*_encoding_problems(file, text), *revision.problems))
        folders.setdefault(str(PurePosixPath(file.display_path).parent), []).append(revision)
    parts: list[Part] = []
    for revisions in folders.values():
        ordered, found = in_order(revisions)
        problems.extend(found)
        replay = Replay()
        for revision in ordered:
            replay.apply_all(revision.changes)
        parts.append(replay.part())
    return _combined(parts, problems)


def _diesel_changes(file: CatalogFile) -> tuple[list[Change], list[Problem]]:
    try:
        text = file.text()
    except Unreadable as unreadable:
        return [], [unreadable.problem]
    if "table!" not in text:
        return [], []
    read = read_schema(text, file.display_path)
    return read.changes, [*_encoding_problems(file, text), *read.problems]


def read_diesel_files(files: Sequence[CatalogFile]) -> Part:
    return _combined([_replay([file], _diesel_changes) for file in files])


READERS: tuple[Reader, ...] = (
    Reader("sql", _claims_sql, read_sql_files),
    Reader("alembic", _claims_alembic, read_alembic_files),
    Reader("diesel", _claims_diesel, read_diesel_files),
)
