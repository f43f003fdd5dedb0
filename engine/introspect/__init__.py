"""Live, read-only introspection of a database's catalog (being written)."""

from __future__ import annotations

from flowscan.catalog.model import Catalog


class IntrospectionError(Exception):
    """Why a database could not be introspected, in words a user can act on (no traceback)."""


def introspect(dsn: str, *, timeout_seconds: float = 10.0) -> Catalog:
    raise IntrospectionError("introspection is not available yet")
