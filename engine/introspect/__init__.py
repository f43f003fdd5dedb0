"""Live, read-only introspection of a database's catalog: `flowscan introspect DSN`.

PostgreSQL, MariaDB/MySQL and SQLite through SQLAlchemy's inspector plus each database's
own statistics; Redis key patterns from a bounded SCAN sample. Every session is
read-only and every wait is bounded by `timeout_seconds`. Each driver is an optional
extra (`flowscan[postgres]`, `flowscan[mysql]`, `flowscan[redis]`), imported only when a
DSN asks for it.

Whatever fails becomes an `IntrospectionError` in words (which server, what to do),
never a traceback and never the password.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable

from flowscan.catalog.model import Catalog, Part
from flowscan.introspect.dsn import Target, parse_dsn
from flowscan.introspect.errors import IntrospectionError

__all__ = ["IntrospectionError", "introspect"]

#: which module reads each kind of database (the registry; dsn.py decides the kind)
_READERS = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite", "redis": "redis_keys"}


def introspect(dsn: str, *, timeout_seconds: float = 10.0) -> Catalog:
    """The catalog of the database `dsn` names. Raises IntrospectionError."""
    if not timeout_seconds > 0:
        raise IntrospectionError(f"the timeout must be a positive number of seconds, not {timeout_seconds:g}")
    target = parse_dsn(dsn)
    started = time.perf_counter()
    part = _reader(target.kind)(target, timeout_seconds)
    return Catalog(part.items, part.relationships, part.problems, files=0, seconds=time.perf_counter() - started)


def _reader(kind: str) -> Callable[[Target, float], Part]:
    # imported on use: each module pulls in its driver's SQLAlchemy dialect or client only when asked
    module = importlib.import_module(f"flowscan.introspect.{_READERS[kind]}")
    return module.read  # type: ignore[no-any-return]
