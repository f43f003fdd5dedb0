"""Building a catalog: walk the paths, hand each reader the files it claims, merge what they say.

The same table is often described several times — a migration creates it, a later one
alters it, an ORM model maps it, the live database knows its size. Items with the same id
are merged into one: fields in the order first seen, each attribute filled by the first
source that knows it, every origin kept.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from flowscan.catalog.files import CatalogFile, catalog_file, shared_reads
from flowscan.catalog.model import Catalog, Field, Item, Part, Problem, Relationship
from flowscan.catalog.readers import Reader, readers
from flowscan.config import Config
from flowscan.discovery import discover, display_path


def build_catalog(paths: Sequence[Path], config: Config | None = None, chosen: Sequence[Reader] | None = None,
                  relative_to: Path | None = None) -> Catalog:
    """The catalog of `paths`; paths are shown relative to `relative_to` (default: the current directory)."""
    started = time.perf_counter()
    config = config or Config()
    chosen = tuple(chosen) if chosen is not None else readers()
    found, skipped = discover(list(paths), config, lambda name: "catalog")
    problems: list[Problem] = [Problem(s.path, 1, 1, s.reason) for s in skipped]
    files: list[CatalogFile] = []
    for source in found:
        shown = display_path(source.path, relative_to) if relative_to is not None else source.display_path
        file = catalog_file(source.path, shown)
        if isinstance(file, Problem):
            problems.append(file)
        else:
            files.append(file)
    files.sort(key=lambda f: f.display_path)
    parts: list[Part] = []
    looked_at: set[str] = set()
    with shared_reads():
        for reader in chosen:
            claimed = [f for f in files if reader.claims(f)]
            if not claimed:
                continue
            looked_at.update(f.display_path for f in claimed)
            parts.append(_read(reader, claimed))
    catalog = merge(parts)
    return Catalog(catalog.items, catalog.relationships, (*problems, *catalog.problems),
                   files=len(looked_at), seconds=time.perf_counter() - started)


def _read(reader: Reader, files: list[CatalogFile]) -> Part:
    """A reader's part; a reader that fails outright costs its own files, never the catalog."""
    try:
        return reader.read(files)
    except Exception as error:  # a bug in one reader must not lose what the others found
        first = files[0].display_path
        return Part(problems=(Problem(first, 1, 1, f"{reader.name} reader failed on {len(files)} files: {error!r}"),))


def merge(parts: Iterable[Part]) -> Catalog:
    items: dict[str, Item] = {}
    relationships: dict[tuple[str, str, str, str | None], Relationship] = {}
    problems: list[Problem] = []
    for part in parts:
        for item in part.items:
            items[item.id] = merge_items(items[item.id], item) if item.id in items else item
        for relationship in part.relationships:
            relationships.setdefault((relationship.source, relationship.target, relationship.kind, relationship.label),
                                     relationship)
        problems.extend(part.problems)
    ordered = sorted(items.values(), key=lambda i: (i.type, i.id))
    return Catalog(tuple(ordered), tuple(sorted(relationships.values(), key=lambda r: (r.source, r.target, r.kind))),
                   tuple(problems))


def merge_items(first: Item, second: Item) -> Item:
    fields = {f.name.lower(): f for f in first.fields}
    for extra in second.fields:
        known = fields.get(extra.name.lower())
        fields[extra.name.lower()] = _merge_field(known, extra) if known is not None else extra
    facts = dict(first.facts)
    for key, value in second.facts:
        facts.setdefault(key, value)
    indexes = first.indexes + tuple(i for i in second.indexes if i not in first.indexes)
    origins = first.origins + tuple(o for o in second.origins if o not in first.origins)
    return Item(first.type, first.name, origins, tuple(fields.values()), indexes, tuple(facts.items()),
                first.description or second.description)


def _merge_field(known: Field, extra: Field) -> Field:
    return Field(
        known.name,
        known.type or extra.type,
        known.nullable if known.nullable is not None else extra.nullable,
        known.default if known.default is not None else extra.default,
        known.primary_key or extra.primary_key,
        known.unique or extra.unique,
        known.references or extra.references,
        known.line if known.line is not None else extra.line,
        known.description or extra.description,
    )


def combine(catalogs: Sequence[Catalog]) -> Catalog:
    """Several catalogs as one (the repository's, a live database's, a saved one), items merged by id."""
    merged = merge(Part(c.items, c.relationships, c.problems) for c in catalogs)
    return Catalog(merged.items, merged.relationships, merged.problems,
                   files=sum(c.files for c in catalogs), seconds=sum(c.seconds for c in catalogs))
