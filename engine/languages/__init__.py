"""The registry of language adapters: one module per language, listed here and nowhere else."""

from __future__ import annotations

from functools import cache

from flowscan.languages.base import Adapter
from flowscan.languages.go import Go
from flowscan.languages.java import Java
from flowscan.languages.python import Python
from flowscan.languages.rust import Rust
from flowscan.languages.sql import Sql

ADAPTER_CLASSES: tuple[type[Adapter], ...] = (Python, Go, Java, Rust, Sql)


@cache
def adapters() -> dict[str, Adapter]:
    """Adapters by language name, built once per process (parsers are not picklable)."""
    return {cls.name: cls() for cls in ADAPTER_CLASSES}


def adapter(name: str) -> Adapter:
    return adapters()[name]


def by_extension() -> dict[str, str]:
    return {ext: cls.name for cls in ADAPTER_CLASSES for ext in cls.extensions}
