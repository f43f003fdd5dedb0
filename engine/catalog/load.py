"""A catalog from elsewhere: a saved `flowscan catalog --format json` file, or a live database."""

from __future__ import annotations

from pathlib import Path

import orjson

from flowscan.catalog.model import Catalog
from flowscan.catalog.serialize import catalog_from_data
from flowscan.redact import redact


class CatalogLoadError(Exception):
    pass


def load_catalog(given: str) -> Catalog:
    """`given` is a DSN (`postgresql://…`), a SQLite file, or the path of a saved catalog."""
    from flowscan.introspect.dsn import names_a_database

    if names_a_database(given):
        from flowscan.introspect import IntrospectionError, introspect

        try:
            return introspect(given)
        except IntrospectionError as error:
            raise CatalogLoadError(redact(str(error))) from None
    path = Path(given)
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as error:
        raise CatalogLoadError(f"{given}: cannot read the catalog: {error.strerror or error}") from None
    except orjson.JSONDecodeError as error:
        raise CatalogLoadError(f"{given}:{error.lineno}:{error.colno}: not JSON: {error.msg}") from None
    try:
        return catalog_from_data(data)
    except ValueError as error:
        raise CatalogLoadError(f"{given}: not a flowscan catalog: {error}") from None
