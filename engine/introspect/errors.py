"""The one error introspection raises, and the check that a driver is installed."""

from __future__ import annotations

import importlib
from types import ModuleType


class IntrospectionError(Exception):
    """Why a database could not be introspected, in words a user can act on (no traceback).

    Messages never hold a password: they name the server by host and port, or by the DSN
    with its secrets masked.
    """


def require(module: str, extra: str, what: str) -> ModuleType:
    """`module` imported, or an error saying which extra brings it.

    Drivers are optional extras, so they are imported only when a DSN needs them.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise IntrospectionError(f"install flowscan[{extra}] to introspect {what}") from None
