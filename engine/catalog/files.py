"""The files a catalog reader is handed, read within bounds.

A data folder may hold a 40 GB Parquet file or a million-line CSV; a reader never asks
for more than it needs: `head()` for a sample, `text()` for whole small files, `size`
before either. Reading never raises: an unreadable file becomes a `Problem`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from attrs import frozen

from flowscan.catalog.model import Problem

#: whole-text reads of files larger than this are refused (specs, DDL, models are far smaller)
MAX_TEXT_BYTES = 4_000_000


class Unreadable(Exception):
    """A file could not be read; `problem` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@frozen
class CatalogFile:
    """`path` absolute; `display_path` as outputs show it (relative to the current directory, `/`)."""

    path: Path
    display_path: str
    size: int

    @property
    def name(self) -> str:
        return self.path.name

    def head(self, limit: int) -> bytes:
        """At most `limit` bytes from the start (several readers look at one file: read once)."""
        cached = _reads.get(self.path) if _reads is not None else None
        if cached is not None and (len(cached) >= limit or len(cached) >= self.size):
            return cached[:limit]
        try:
            with open(self.path, "rb") as handle:
                data = handle.read(limit)
        except OSError as error:
            raise Unreadable(self.problem(f"unreadable: {error.strerror or error}")) from None
        _remember(self.path, data)
        return data

    def text(self, limit: int = MAX_TEXT_BYTES) -> str:
        """The whole file as text (UTF-8, invalid bytes replaced), or Unreadable when larger than `limit`."""
        if self.size > limit:
            raise Unreadable(self.problem(f"larger than {limit} bytes: not read"))
        data = self.head(limit + 1)
        if b"\0" in data[:8192]:
            raise Unreadable(self.problem("binary file where text was expected"))
        return data.decode("utf-8", errors="replace")

    def problem(self, message: str, line: int = 1, column: int = 1) -> Problem:
        return Problem(self.display_path, line, column, message)


# What the build under way has read, by path: a .py file is looked at by the ORM, logging and
# topic readers. Bounded, and only while a build runs (files change between builds).
_reads: dict[Path, bytes] | None = None
_READ_CACHE_BYTES = 64_000_000
_cached_bytes = 0


def _remember(path: Path, data: bytes) -> None:
    global _cached_bytes
    if _reads is None or _cached_bytes + len(data) > _READ_CACHE_BYTES:
        return
    previous = _reads.get(path)
    _reads[path] = data
    _cached_bytes += len(data) - (len(previous) if previous is not None else 0)


@contextmanager
def shared_reads() -> Iterator[None]:
    """While this runs, a file's bytes are read from disk once, whoever asks."""
    global _reads, _cached_bytes
    _reads, _cached_bytes = {}, 0
    try:
        yield
    finally:
        _reads, _cached_bytes = None, 0


def named(display_path: str, root: Path | None = None) -> CatalogFile:
    """A CatalogFile for a path as shown (relative to `root`, default the current directory)."""
    path = (root or Path.cwd()) / display_path
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    return CatalogFile(path, display_path, size)


def catalog_file(path: Path, display_path: str) -> CatalogFile | Problem:
    try:
        size = os.stat(path).st_size
    except OSError as error:
        return Problem(display_path, 1, 1, f"unreadable: {error.strerror or error}")
    return CatalogFile(path, display_path, size)


def line_of(text: str, offset: int) -> int:
    """1-based line of a character offset."""
    return text.count("\n", 0, offset) + 1
