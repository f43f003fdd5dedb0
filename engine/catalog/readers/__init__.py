"""The catalog's readers: one module per family of sources, listed here and nowhere else.

A reader says which files it wants (`claims`: from the `/`-separated path as shown, or a
peek at the file's head, which is read once for every reader) and
reads all of them at once, in path order, so that a migrations folder can be replayed
in order and a partitioned folder seen as one dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from attrs import frozen

from flowscan.catalog.files import CatalogFile
from flowscan.catalog.model import Part


@frozen
class Reader:
    name: str
    claims: Callable[[CatalogFile], bool]
    read: Callable[[Sequence[CatalogFile]], Part]


def readers() -> tuple[Reader, ...]:
    # imported here: the registry is the only place that knows every reader module
    from flowscan.catalog.readers import apis, datafiles, ddl, infra, logs, orm_jvm_go, orm_python, streams

    return (*ddl.READERS, *orm_python.READERS, *orm_jvm_go.READERS, *datafiles.READERS, *apis.READERS,
            *streams.READERS, *infra.READERS, *logs.READERS)
