"""MariaDB and MySQL: the DSN's database (or every non-system database), with statistics.

Read-only: each session is set `TRANSACTION READ ONLY` as soon as it connects, and the
work runs in one `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`. Each statement
is bounded on the server (MariaDB's `max_statement_time`, MySQL's `max_execution_time`)
and on the client (PyMySQL's connect and read timeouts).

Structure comes from SQLAlchemy's inspector, table by table (MySQL has no multi-table
reflection), so that a view left broken by a dropped table is one `Problem`, not a
failed run. Column types as the server spells them (`int(11)`, `enum('new','paid')`) and
the statistics come from one `information_schema` query each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flowscan.catalog.model import Origin, Part
from flowscan.introspect import sqlalchemy_db as sa_db
from flowscan.introspect.dsn import Target
from flowscan.introspect.errors import IntrospectionError, require

_DATABASES = """
SELECT schema_name FROM information_schema.schemata
WHERE schema_name NOT IN ('information_schema', 'mysql', 'performance_schema', 'sys')
ORDER BY schema_name
"""

_STATISTICS = """
SELECT table_schema, table_name, engine, table_rows, data_length, index_length, update_time
FROM information_schema.tables
WHERE table_schema IN :schemas AND table_type IN ('BASE TABLE', 'SYSTEM VERSIONED')
"""

_COLUMN_TYPES = """
SELECT table_schema, table_name, column_name, column_type
FROM information_schema.columns
WHERE table_schema IN :schemas
"""

# errors after which the session is gone or the time is up: not worth trying the next table
_FATAL = {1969, 3024, 2006, 2013, 2003, 2055}


def read(target: Target, timeout_seconds: float) -> Part:
    require("sqlalchemy", "mysql", "MariaDB/MySQL")
    require("pymysql", "mysql", "MariaDB/MySQL")
    from sqlalchemy import inspect
    from sqlalchemy.exc import DBAPIError

    try:
        with connect(target, timeout_seconds) as connection:
            origin = Origin("mariadb" if connection.dialect.is_mariadb else "mysql", target.display, 1)
            schemas = [target.database] if target.database else _databases(connection)
            inspector = inspect(connection)
            reflections: list[sa_db.Reflection] = []
            problems = []
            for schema in schemas:
                found, more = sa_db.reflect_each(
                    inspector, sa_db.relations(inspector, schema), schema_arg=lambda r: r.schema,
                    is_fatal=_is_fatal, where=target.display,
                )
                reflections += found
                problems += more
            extras = sa_db.Extras(facts=_statistics(connection, schemas), column_types=_column_types(connection, schemas))
            # the DSN's database is left bare, as `public` is on PostgreSQL
            return sa_db.build_part(reflections, naming=sa_db.Naming(target.database), origin=origin,
                                    dialect=connection.dialect, extras=extras, problems=problems)
    except DBAPIError as error:
        raise IntrospectionError(explain(error.orig, target, timeout_seconds)) from None


@contextmanager
def connect(target: Target, timeout_seconds: float) -> Iterator[Any]:
    """A SQLAlchemy connection in a read-only session and a read-only transaction, rolled back at the end."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import URL
    from sqlalchemy.pool import NullPool

    _check_options(target)
    # --timeout sets these; the DSN's own would only be overridden, or refused when not numbers
    query = {k: v for k, v in target.query if k not in ("connect_timeout", "read_timeout", "write_timeout")}
    url = URL.create("mysql+pymysql", username=target.username, password=target.password, host=target.host,
                     port=target.port, database=target.database, query=query)
    try:
        engine = create_engine(url, poolclass=NullPool, connect_args={
            "connect_timeout": timeout_seconds,
            # the server stops a statement at the timeout; the client gives it a little longer to say so
            "read_timeout": timeout_seconds + 2,
            "write_timeout": timeout_seconds + 2,
            "program_name": "flowscan introspect",
        })
        event.listen(engine, "connect",
                     lambda dbapi_connection, _: _read_only_session(dbapi_connection, timeout_seconds))
        opened = engine.connect()
    except (ValueError, OSError) as error:
        # an option's value SQLAlchemy cannot convert (`compress=maybe`), a TLS file that is not there
        raise IntrospectionError(f"MariaDB/MySQL at {target.where}: the DSN's options were refused: {error}") from None
    try:
        with opened as connection:
            connection.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            try:
                yield connection
            finally:
                connection.rollback()
    finally:
        engine.dispose()


# options SQLAlchemy's MySQL dialect turns into PyMySQL's `ssl` argument
_SSL_OPTIONS = {"ssl_ca", "ssl_key", "ssl_cert", "ssl_capath", "ssl_cipher", "ssl_check_hostname"}


def _check_options(target: Target) -> None:
    """The DSN's query options, checked before PyMySQL would fail on them with a TypeError or worse."""
    import inspect

    import pymysql
    from pymysql.charset import charset_by_name

    accepted = set(inspect.signature(pymysql.connections.Connection.__init__).parameters) | _SSL_OPTIONS
    accepted -= {"self", "args", "kwargs", "password", "passwd", "user", "host", "port", "database", "db"}
    options = dict(target.query)
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise IntrospectionError(f"unknown option {', '.join(unknown)} in the DSN {target.display}: "
                                 f"PyMySQL takes {', '.join(sorted(accepted & {'charset', 'ssl_ca', 'ssl_cert', 'ssl_key', 'connect_timeout', 'unix_socket'}))} and others")
    charset = options.get("charset")
    if charset and charset_by_name(charset) is None:
        raise IntrospectionError(f"unknown charset '{charset}' in the DSN {target.display}")


def _read_only_session(dbapi_connection: Any, timeout_seconds: float) -> None:
    """Before SQLAlchemy's first query: every transaction of this session read-only, every statement bounded."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        version = str(cursor.fetchone()[0])
        if "mariadb" in version.lower():
            cursor.execute(f"SET SESSION max_statement_time = {timeout_seconds:.3f}")
        else:
            cursor.execute(f"SET SESSION max_execution_time = {max(1, int(timeout_seconds * 1000))}")
            if not version.startswith("5."):
                # MySQL 8 serves information_schema.tables' sizes and row counts from a day-old cache
                cursor.execute("SET SESSION information_schema_stats_expiry = 0")
        cursor.execute("SET SESSION TRANSACTION READ ONLY")


def _databases(connection: Any) -> list[str]:
    from sqlalchemy import text

    return [row[0] for row in connection.execute(text(_DATABASES))]


def _statistics(connection: Any, schemas: list[str]) -> dict[sa_db.Key, sa_db.Facts]:
    from sqlalchemy import bindparam, text

    facts: dict[sa_db.Key, sa_db.Facts] = {}
    if not schemas:
        return facts
    query = text(_STATISTICS).bindparams(bindparam("schemas", expanding=True))
    for row in connection.execute(query, {"schemas": schemas}).mappings():
        pairs: list[tuple[str, str]] = []
        if row["engine"]:
            pairs.append(("engine", str(row["engine"])))
        if row["table_rows"] is not None:
            pairs.append(("row_estimate", str(row["table_rows"])))
        if row["data_length"] is not None:
            pairs.append(("size_bytes", str(int(row["data_length"]) + int(row["index_length"] or 0))))
        if row["update_time"] is not None:
            pairs.append(("update_time", row["update_time"].isoformat(timespec="seconds")))
        facts[(row["table_schema"], row["table_name"])] = tuple(pairs)
    return facts


def _column_types(connection: Any, schemas: list[str]) -> dict[sa_db.Key, dict[str, str]]:
    from sqlalchemy import bindparam, text

    types: dict[sa_db.Key, dict[str, str]] = {}
    if not schemas:
        return types
    query = text(_COLUMN_TYPES).bindparams(bindparam("schemas", expanding=True))
    for schema, table, column, spelled in connection.execute(query, {"schemas": schemas}):
        types.setdefault((schema, table), {})[column] = _text(spelled)
    return types


def _text(value: Any) -> str:
    # information_schema's longtext columns come back as bytes on some server and driver versions
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)


def _is_fatal(error: Exception) -> bool:
    return _code(getattr(error, "orig", error)) in _FATAL


def _code(error: BaseException | None) -> int | None:
    args: tuple[Any, ...] = getattr(error, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


# --- errors in words --------------------------------------------------------------------

def explain(error: BaseException | None, target: Target, timeout_seconds: float) -> str:
    """What went wrong, from PyMySQL's (code, message)."""
    at = f"MariaDB/MySQL at {target.where}"
    code = _code(error)
    args: tuple[Any, ...] = getattr(error, "args", ())
    message = str(args[1]) if len(args) > 1 else str(error)
    lowered = message.lower()
    user = target.username or "(no user)"
    if code == 1045:
        return f"{at} refused the credentials of user '{user}' (access denied)"
    if code == 1044:
        # the server says the same of a database that does not exist, so as not to tell that it does
        return (f"user '{user}' may not read database '{target.database}' on {at} (or it does not exist): "
                f"GRANT SELECT, SHOW VIEW ON `{target.database}`.* TO the user, or introspect as one who may")
    if code == 1049:
        return f"{at} has no database '{target.database}'"
    if code in (1142, 1143, 1227):
        return f"user '{user}' lacks a privilege flowscan needs on {at}: {message}"
    if code in (1969, 3024):
        return f"{at} stopped a catalog query after {timeout_seconds:g} s: raise --timeout"
    if code in (2003, 2002, 2013, 2055):
        if "refused" in lowered:
            return f"cannot connect to {at}: connection refused (is the server running and listening on TCP there?)"
        if "name or service not known" in lowered or "nodename nor servname" in lowered \
                or "temporary failure in name resolution" in lowered or "errno -2" in lowered or "errno -3" in lowered:
            return f"cannot connect to MariaDB/MySQL: unknown host '{target.host}'"
        if "timed out" in lowered:
            return f"cannot connect to {at}: no answer within {timeout_seconds:g} s"
        return f"cannot connect to {at}: {message}"
    return f"{at}: {message}"
