"""PostgreSQL: every non-system schema's tables, views and materialized views, with statistics.

Read-only three times over: the session starts with `default_transaction_read_only=on`
(a connect option, so it holds before the first statement), the one transaction is
`READ ONLY`, and only SELECTs are sent. Behind PgBouncer, which refuses connect options,
the same settings are made with `SET LOCAL` inside that transaction. `statement_timeout` and `lock_timeout` bound every
statement (a table locked by a running `ALTER TABLE` delays nothing for long), and
libpq's `connect_timeout` bounds the connection.

The structure comes from SQLAlchemy's inspector, a few queries per schema; the column
types as PostgreSQL spells them (`character varying(20)`) and the statistics come from one
query each over the catalog and `pg_stat_all_tables`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flowscan.catalog.model import Origin, Part
from flowscan.introspect import sqlalchemy_db as sa_db
from flowscan.introspect.dsn import Target
from flowscan.introspect.errors import IntrospectionError, require

SOURCE = "postgresql"
BARE_SCHEMA = "public"

_SCHEMAS = """
SELECT nspname, has_schema_privilege(oid, 'USAGE') AS usable, current_user AS who
FROM pg_catalog.pg_namespace
WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
ORDER BY nspname
"""

_STATISTICS = """
SELECT n.nspname, c.relname, pg_catalog.pg_total_relation_size(c.oid) AS size_bytes,
       c.reltuples, s.n_live_tup, s.n_tup_ins, s.n_tup_upd, s.n_tup_del,
       s.last_analyze, s.last_autoanalyze, s.last_vacuum, s.last_autovacuum
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname = ANY(:schemas)
"""

_COLUMN_TYPES = """
SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname = ANY(:schemas)
"""


def read(target: Target, timeout_seconds: float) -> Part:
    require("sqlalchemy", "postgres", "PostgreSQL")
    require("psycopg", "postgres", "PostgreSQL")
    from sqlalchemy import inspect
    from sqlalchemy.exc import DBAPIError

    origin = Origin(SOURCE, target.display, 1)
    try:
        with connect(target, timeout_seconds) as connection:
            schemas = _readable_schemas(connection)
            inspector = inspect(connection)
            reflections: list[sa_db.Reflection] = []
            for schema in schemas:
                found = sa_db.relations(inspector, schema, materialized=True)
                # with search_path=pg_catalog, this reports each referenced table's own schema
                reflections += sa_db.reflect_schema(inspector, schema, found,
                                                    foreign_key_options={"postgresql_ignore_search_path": True})
            extras = sa_db.Extras(facts=_statistics(connection, schemas), column_types=_column_types(connection, schemas))
            return sa_db.build_part(reflections, naming=sa_db.Naming(BARE_SCHEMA), origin=origin,
                                    dialect=connection.dialect, extras=extras)
    except DBAPIError as error:
        raise IntrospectionError(explain(error.orig, target, timeout_seconds)) from None
    except ImportError:
        raise IntrospectionError("install flowscan[postgres] to introspect PostgreSQL") from None


@contextmanager
def connect(target: Target, timeout_seconds: float) -> Iterator[Any]:
    """A SQLAlchemy connection inside a read-only, repeatable-read transaction, rolled back at the end.

    Errors are the driver's (wrapped by SQLAlchemy); `read` turns them into words.
    """
    from sqlalchemy.exc import DBAPIError

    milliseconds = max(1, int(timeout_seconds * 1000))
    engine = _engine(target, timeout_seconds, startup_options=_startup_options(target, milliseconds))
    try:
        try:
            opened = engine.connect()
        except DBAPIError as error:
            if "unsupported startup parameter" not in str(error.orig):
                raise
            # PgBouncer refuses `options` at connect: the transaction below sets the same, for itself alone
            engine.dispose()
            engine = _engine(target, timeout_seconds, startup_options=None)
            opened = engine.connect()
        with opened as connection:
            # one snapshot for every query, so statistics and structure agree
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            for name, value in _settings(milliseconds):
                # SET LOCAL ends with the transaction: a pooled server connection goes back as it came
                connection.exec_driver_sql(f"SET LOCAL {name} = {value}")
            # what the reflection takes for the default schema (see `_settings`)
            connection.dialect.default_schema_name = "pg_catalog"
            try:
                yield connection
            finally:
                connection.rollback()
    finally:
        engine.dispose()


def _settings(milliseconds: int) -> list[tuple[str, str]]:
    """The session's settings: read-only, bounded waits, and search_path=pg_catalog.

    With only pg_catalog on the search path, PostgreSQL spells every other name with its
    schema, in foreign keys, defaults and types alike, so `customers` in `public` is never
    taken for a `customers` elsewhere.
    """
    return [
        ("default_transaction_read_only", "on"),
        ("search_path", "pg_catalog"),
        ("statement_timeout", str(milliseconds)),
        ("lock_timeout", str(milliseconds)),
        ("idle_in_transaction_session_timeout", str(milliseconds * 6)),
    ]


def _startup_options(target: Target, milliseconds: int) -> str:
    # the user's own `options` come first, so that ours win where they overlap
    users = dict(target.query).get("options", "")
    ours = " ".join(f"-c {name}={value}" for name, value in _settings(milliseconds))
    return f"{users} {ours}".strip()


def _engine(target: Target, timeout_seconds: float, *, startup_options: str | None) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import URL
    from sqlalchemy.pool import NullPool

    query = {k: v for k, v in target.query if k != "options"}
    url = URL.create("postgresql+psycopg", username=target.username, password=target.password, host=target.host,
                     port=target.port, database=target.database, query=query)
    arguments: dict[str, Any] = {
        # libpq counts whole seconds and takes 2 as its least
        "connect_timeout": max(2, math.ceil(timeout_seconds)),
        "application_name": "flowscan introspect",
        # no server-side prepared statements: a transaction-pooling PgBouncer would lose them
        "prepare_threshold": None,
    }
    if startup_options:
        arguments["options"] = startup_options
    return create_engine(url, poolclass=NullPool, connect_args=arguments)


def _readable_schemas(connection: Any) -> list[str]:
    from sqlalchemy import text

    rows = connection.execute(text(_SCHEMAS)).all()
    refused = [row.nspname for row in rows if not row.usable]
    if refused:
        who = rows[0].who
        names = ", ".join(refused)
        plural = "s" if len(refused) > 1 else ""
        raise IntrospectionError(
            f"user '{who}' cannot read schema{plural} {names} (no USAGE privilege): "
            f"GRANT USAGE ON SCHEMA {names} TO {who}, or introspect as a user that can read every schema"
        )
    return [row.nspname for row in rows]


def _statistics(connection: Any, schemas: list[str]) -> dict[sa_db.Key, sa_db.Facts]:
    from sqlalchemy import text

    facts: dict[sa_db.Key, sa_db.Facts] = {}
    for row in connection.execute(text(_STATISTICS), {"schemas": schemas}):
        pairs: list[tuple[str, str]] = [("size_bytes", str(row.size_bytes))]
        # reltuples is -1 (PostgreSQL 14+) or 0 until the table is first vacuumed or analysed
        if row.reltuples is not None and row.reltuples >= 0 and (row.reltuples > 0 or row.last_analyze or row.last_autoanalyze):
            pairs.append(("row_estimate", str(int(row.reltuples))))
        elif row.n_live_tup is not None:
            pairs.append(("row_estimate", str(row.n_live_tup)))
        for name, value in (("inserts", row.n_tup_ins), ("updates", row.n_tup_upd), ("deletes", row.n_tup_del)):
            if value is not None:
                pairs.append((name, str(value)))
        for name in ("last_analyze", "last_autoanalyze", "last_vacuum", "last_autovacuum"):
            value = getattr(row, name)
            if value is not None:
                pairs.append((name, _timestamp(value)))
        facts[(row.nspname, row.relname)] = tuple(pairs)
    return facts


def _column_types(connection: Any, schemas: list[str]) -> dict[sa_db.Key, dict[str, str]]:
    from sqlalchemy import text

    types: dict[sa_db.Key, dict[str, str]] = {}
    for schema, table, column, spelled in connection.execute(text(_COLUMN_TYPES), {"schemas": schemas}):
        types.setdefault((schema, table), {})[column] = spelled
    return types


def _timestamp(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


# --- errors in words --------------------------------------------------------------------

def explain(error: BaseException | None, target: Target, timeout_seconds: float) -> str:
    """What went wrong, from psycopg's error: its SQLSTATE when the server sent one, else libpq's words."""
    at = f"PostgreSQL at {target.where}"
    sqlstate = getattr(error, "sqlstate", None) or ""
    message = _first_line(error)
    lowered = str(error).lower()
    user = target.username or "(default user)"
    if sqlstate == "28P01" or "password authentication failed" in lowered:
        return f"{at} refused the credentials of user '{user}' (password authentication failed)"
    if sqlstate == "28000" or "no pg_hba.conf entry" in lowered or "role" in lowered and "does not exist" in lowered:
        return f"{at} does not let user '{user}' in: {message}"
    if "no password supplied" in lowered:
        return f"{at} asks user '{user}' for a password and the DSN gives none"
    if sqlstate == "3D000" or ("database" in lowered and "does not exist" in lowered):
        return f"{at} has no database '{target.database or user}'"
    if sqlstate == "42501" or "permission denied" in lowered:
        return f"user '{user}' lacks a privilege flowscan needs on {at}: {message}"
    if sqlstate == "57014":
        return f"{at} cancelled a catalog query after {timeout_seconds:g} s (statement_timeout): raise --timeout"
    if sqlstate == "55P03":
        return f"{at}: a catalog query waited more than {timeout_seconds:g} s for a lock (another session holds one)"
    if "connection refused" in lowered:
        return f"cannot connect to {at}: connection refused (is the server running and listening on TCP there?)"
    if "timeout expired" in lowered or "timed out" in lowered:
        return f"cannot connect to {at}: no answer within {max(2, math.ceil(timeout_seconds))} s"
    if "could not translate host name" in lowered or "name or service not known" in lowered \
            or "nodename nor servname" in lowered or "temporary failure in name resolution" in lowered:
        return f"cannot connect to PostgreSQL: unknown host '{target.host}'"
    if "no such file or directory" in lowered and not target.host:
        return ("cannot connect to PostgreSQL through the local socket (no server there): "
                "name the host in the DSN, postgresql://user@host:port/dbname")
    return f"{at}: {message}"


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip() if error is not None else "unknown error"
    # libpq prefixes `connection failed: connection to server at "…", port …failed: `; the reason is last
    line = text.splitlines()[0] if text else "unknown error"
    line = line.rsplit("failed: ", 1)[-1].strip() or line
    return line.removeprefix("connection is bad: ")
