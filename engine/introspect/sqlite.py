"""SQLite: the tables and views of a database file, opened so that it cannot be changed.

The file is opened through a `file:…?mode=ro` URI (SQLite refuses every write, and never
creates a missing file) with `PRAGMA query_only` on top; a WAL database nobody has open is
read as immutable, so that no -wal or -shm file appears beside it. A progress handler stops any
statement that runs past the deadline, so a huge file costs at most `timeout_seconds`.

Row counts are exact up to `COUNT_LIMIT` rows (counting a table reads all of it); past
that a table gets `rows_at_least` and, when `ANALYZE` left one in `sqlite_stat1`, a
`row_estimate`. Sizes come from the `dbstat` table when SQLite was built with it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from attrs import define
from flowscan.catalog.model import Origin, Part, Problem
from flowscan.introspect import sqlalchemy_db as sa_db
from flowscan.introspect.dsn import Target
from flowscan.introspect.errors import IntrospectionError

SOURCE = "sqlite"
SCHEMA = "main"
COUNT_LIMIT = 1_000_000
# SQLite calls the progress handler every this many virtual-machine steps (about a millisecond)
_PROGRESS_STEPS = 20_000


@define
class Deadline:
    """When the statements running now must stop (a progress handler checks it)."""

    until: float

    def passed(self) -> bool:
        return time.monotonic() > self.until


def read(target: Target, timeout_seconds: float) -> Part:
    import sqlite3

    try:
        from sqlalchemy import inspect
        from sqlalchemy.exc import DBAPIError
    except ImportError:
        raise IntrospectionError("install SQLAlchemy to introspect SQLite: flowscan[postgres] and "
                                 "flowscan[mysql] bring it") from None

    assert target.path is not None
    deadline = Deadline(time.monotonic() + timeout_seconds)
    origin = Origin(SOURCE, target.display, 1)
    try:
        with connect(target.path, timeout_seconds, deadline) as connection:
            inspector = inspect(connection)
            found = sa_db.relations(inspector, SCHEMA)
            reflections, problems = sa_db.reflect_each(
                inspector, found, schema_arg=lambda _: None, is_fatal=lambda _: deadline.passed(),
                where=target.display,
            )
            raw = connection.connection.dbapi_connection
            types = _declared_types(raw, [r.relation for r in reflections])
            tables = [r.relation.name for r in reflections if r.relation.kind == sa_db.TABLE]
            facts, more = _facts(raw, tables, deadline, target.display)
            extras = sa_db.Extras(facts=facts, column_types=types)
            return sa_db.build_part(reflections, naming=sa_db.Naming(SCHEMA), origin=origin,
                                    dialect=connection.dialect, extras=extras, problems=[*problems, *more])
    except DBAPIError as error:
        raise IntrospectionError(explain(error.orig, target, timeout_seconds, deadline)) from None
    except sqlite3.Error as error:  # from the queries sent on the driver's connection itself
        raise IntrospectionError(explain(error, target, timeout_seconds, deadline)) from None


@contextmanager
def connect(path: Path, timeout_seconds: float, deadline: Deadline | None = None) -> Iterator[Any]:
    """A SQLAlchemy connection to `path`, read-only at the file level and at the session level."""
    import sqlite3

    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    if _wal_without_readers(path):
        # Even read-only, SQLite creates (and leaves) -wal and -shm files to read a WAL database. With
        # no -wal file, no connection has it open and every page is in the file: read it as immutable.
        uri += "&immutable=1"
    stop = deadline or Deadline(time.monotonic() + timeout_seconds)

    def opened() -> sqlite3.Connection:
        raw = sqlite3.connect(uri, uri=True, timeout=timeout_seconds, check_same_thread=False)
        raw.execute("PRAGMA query_only = ON")
        raw.set_progress_handler(lambda: 1 if stop.passed() else 0, _PROGRESS_STEPS)
        return raw

    engine = create_engine("sqlite://", creator=opened, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            try:
                yield connection
            finally:
                connection.rollback()
    finally:
        engine.dispose()


def _wal_without_readers(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
    except OSError:
        return False
    # bytes 18 and 19 of the header: the file format's write and read versions, 2 for WAL
    return len(header) == 20 and header[18] == 2 and header[19] == 2 and not Path(f"{path}-wal").exists()


def _declared_types(raw: Any, relations: list[sa_db.Relation]) -> dict[sa_db.Key, dict[str, str]]:
    """Each column's type as its CREATE statement declares it (`VARCHAR(20)`, `DATETIME`, or nothing)."""
    types: dict[sa_db.Key, dict[str, str]] = {}
    for relation in relations:
        rows = raw.execute("SELECT name, type FROM pragma_table_xinfo(?)", (relation.name,)).fetchall()
        types[relation.key] = {name: declared for name, declared in rows if declared}
    return types


def _facts(raw: Any, tables: list[str], deadline: Deadline,
           where: str) -> tuple[dict[sa_db.Key, sa_db.Facts], list[Problem]]:
    import sqlite3

    facts: dict[sa_db.Key, list[tuple[str, str]]] = {(SCHEMA, t): [] for t in tables}
    problems: list[Problem] = []
    sizes = _sizes(raw, deadline)
    estimates = _stat1_estimates(raw)
    for position, table in enumerate(tables):
        pairs = facts[(SCHEMA, table)]
        try:
            count = raw.execute(f"SELECT count(*) FROM (SELECT 1 FROM {_quoted(table)} LIMIT ?)",
                                (COUNT_LIMIT + 1,)).fetchone()[0]
        except sqlite3.OperationalError as error:
            if deadline.passed():
                left = ", ".join(tables[position:])
                problems.append(Problem(where, 1, 1, f"rows not counted (out of time): {left}"))
                break
            problems.append(Problem(where, 1, 1, f"cannot count the rows of {table}: {error}"))
            continue
        if count > COUNT_LIMIT:
            pairs.append(("rows_at_least", str(COUNT_LIMIT)))
            if table in estimates:
                pairs.append(("row_estimate", str(estimates[table])))
        else:
            pairs.append(("rows", str(count)))
    for table in tables:
        if table in sizes:
            facts[(SCHEMA, table)].append(("size_bytes", str(sizes[table])))
    return {key: tuple(pairs) for key, pairs in facts.items()}, problems


def _sizes(raw: Any, deadline: Deadline) -> dict[str, int]:
    """Bytes per table, its indexes included, from `dbstat`: empty when SQLite lacks it or time is short."""
    import sqlite3

    # dbstat reads every page: let it have at most a quarter of the time left
    saved = deadline.until
    deadline.until = time.monotonic() + max(0.0, (saved - time.monotonic()) / 4)
    try:
        rows = raw.execute(
            "SELECT coalesce(s.tbl_name, d.name), sum(d.pgsize) FROM dbstat AS d "
            "LEFT JOIN sqlite_schema AS s ON s.name = d.name GROUP BY 1"
        ).fetchall()
    except sqlite3.OperationalError:
        return {}
    finally:
        deadline.until = saved
    return {name: int(size) for name, size in rows}


def _stat1_estimates(raw: Any) -> dict[str, int]:
    """Row counts `ANALYZE` recorded: the first number of each table's `sqlite_stat1` row."""
    import sqlite3

    try:
        rows = raw.execute("SELECT tbl, stat FROM sqlite_stat1").fetchall()
    except sqlite3.OperationalError:  # never analysed: no such table
        return {}
    estimates: dict[str, int] = {}
    for table, stat in rows:
        first = str(stat or "").split(" ", 1)[0]
        if first.isdigit():
            estimates[table] = max(estimates.get(table, 0), int(first))
    return estimates


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def explain(error: BaseException | None, target: Target, timeout_seconds: float, deadline: Deadline) -> str:
    message = str(error).strip() or type(error).__name__
    lowered = message.lower()
    if "file is not a database" in lowered or "not a database" in lowered:
        return f"{target.path} is not a SQLite database (or it is encrypted)"
    if "unable to open" in lowered:
        return f"cannot open the SQLite database {target.path} read-only: {message}"
    if "locked" in lowered or "busy" in lowered:
        return f"the SQLite database {target.path} stayed locked by another writer for {timeout_seconds:g} s"
    if "interrupted" in lowered and deadline.passed():
        return f"reading the SQLite database {target.path} took longer than {timeout_seconds:g} s: raise --timeout"
    return f"SQLite database {target.path}: {message}"
