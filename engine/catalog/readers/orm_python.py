"""Tables that Python ORM models declare: SQLAlchemy (declarative 1.x and 2.0, Flask-SQLAlchemy,
core `Table(...)`) and Django.

Models are where most Python services say what their tables are, often more precisely than
any migration: column types, nullability, keys, indexes and the relations between tables.
They are read statically, from tree-sitter trees — never imported, so a repository's code
never runs and a missing dependency costs nothing.

Reading has two steps, because a model is rarely complete in its own file: its columns
come from mixins and abstract bases elsewhere, its foreign keys name models of other apps,
its table name may depend on the app's `apps.py`.

1. Each file becomes a `ModuleDecl`: its classes (bases, decorators, body assignments,
   inner `Meta`), the module-level assignments that matter (`Base = declarative_base()`,
   `intpk = Annotated[...]`, `AUTH_USER_MODEL = ...`) and its `Table(...)` calls — all as
   small typed expressions (`Expr`). Files without a marker (`sqlalchemy`, `django`,
   `Column(`...) are skipped before parsing: every `.py` file of a repository is offered.
2. The project of all modules resolves names across files (imports, relative ones too),
   walks each class's ancestry, and compiles SQLAlchemy and Django models into tables,
   fields, indexes and relationships.

Files with syntax errors are read as far as they are sound: when tree-sitter's recovery
swallows a region, that region is split at statement starts and each piece parsed alone.
A class of which nothing can be read becomes a `Problem`.

This module is the reader itself: the cheap pre-filter, `read_orm_models` and `READERS`. Its steps
live beside it: `orm_python_source` (a file → `ModuleDecl`), `orm_python_project` (names across
files, ancestry), `orm_sqlalchemy` and `orm_django` (models → tables), and `orm_python_tables`
(the tables both build and the helpers both use).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from attrs import evolve
from flowscan.catalog.files import MAX_TEXT_BYTES, CatalogFile, Unreadable
from flowscan.catalog.model import Item, Part, Problem, item_id
from flowscan.catalog.readers import Reader
from flowscan.catalog.readers.orm_django import Django
from flowscan.catalog.readers.orm_python_project import Project
from flowscan.catalog.readers.orm_python_source import ModuleDecl, read_module
from flowscan.catalog.readers.orm_python_tables import Column, Table, Tables
from flowscan.catalog.readers.orm_sqlalchemy import SqlAlchemy

# --- cheap pre-filter ------------------------------------------------------------------

#: a file none of these appear in declares no model, setting or table this reader reads
_MARKERS = re.compile(
    rb"sqlalchemy|sqlmodel|django|declarative|DeclarativeBase|mapped_column|Column\(|Table\(|\.Model\b"
    rb"|__tablename__|AppConfig|AUTH_USER_MODEL|DEFAULT_AUTO_FIELD"
)
#: how much of a file too large to read whole is searched for markers before reporting it
_PEEK_BYTES = 65_536


def module_names(paths: Iterable[str]) -> dict[str, str]:
    """Dotted module names, from the packages (`__init__.py`) around each file: `src/shop/models.py`
    with `src/shop/__init__.py` (and no `src/__init__.py`) is `shop.models`."""
    paths = list(paths)
    packages = {str(PurePosixPath(p).parent) for p in paths if PurePosixPath(p).name == "__init__.py"}
    names: dict[str, str] = {}
    for path in paths:
        pure = PurePosixPath(path)
        parts = [] if pure.name == "__init__.py" else [pure.stem]
        folder = pure.parent
        while str(folder) in packages and folder.name:
            parts.insert(0, folder.name)
            folder = folder.parent
        names[path] = ".".join(parts) or pure.stem
    return names


def _source(file: CatalogFile) -> bytes | Problem | None:
    """The file's bytes when it may declare something; None when it cannot (no marker)."""
    try:
        if file.size > MAX_TEXT_BYTES:
            if _MARKERS.search(file.head(_PEEK_BYTES)) is None:
                return None
            return file.problem(f"larger than {MAX_TEXT_BYTES} bytes: its models are not read")
        data = file.head(MAX_TEXT_BYTES)
    except Unreadable as error:
        return error.problem
    if _MARKERS.search(data) is None:
        return None
    if b"\0" in data[:8192]:
        return file.problem("binary file where Python source was expected")
    return data


def read_orm_models(files: Sequence[CatalogFile]) -> Part:
    names = module_names(f.display_path for f in files)
    modules: list[ModuleDecl] = []
    problems: list[Problem] = []
    for file in files:
        source = _source(file)
        if source is None:
            continue
        if isinstance(source, Problem):
            problems.append(source)
            continue
        module = read_module(file.display_path, names[file.display_path], source)
        modules.append(module)
        problems.extend(module.problems)
    project = Project(modules)
    out = Tables()
    SqlAlchemy(project, out).read()
    Django(project, out).read()
    _fill_reference_types(out)
    items = tuple(_item(t) for t in out.tables.values())
    relationships = tuple(r for t in out.tables.values() for r in t.relations)
    return Part(items, relationships, (*problems, *out.problems))


def _fill_reference_types(out: Tables) -> None:
    """A foreign key column written without a type (`Column(ForeignKey("customers.id"))`) has its target's."""
    for _ in range(4):  # keys to keys to keys: a few rounds settle any real chain
        changed = False
        for table in out.tables.values():
            for position, column in enumerate(table.columns):
                if not (column.inferred or column.field.type is None) or not column.references \
                        or "." not in column.references:
                    continue
                target_table, _, target_column = column.references.rpartition(".")
                target = out.tables.get(item_id("table", target_table))
                known = next((c for c in target.columns if c.field.name == target_column), None) if target else None
                if known is not None and known.field.type is not None and not known.inferred:
                    table.columns[position] = Column(evolve(column.field, type=known.field.type), column.attribute,
                                                      column.references)
                    changed = True
        if not changed:
            return


def _item(table: Table) -> Item:
    origins = tuple(sorted(set(table.origins), key=table.origins.index))
    facts = list(table.facts)
    if table.subclasses:
        facts.append(("single_table_subclasses", ", ".join(table.subclasses)))
    return Item("table", table.name, origins, tuple(c.field for c in table.columns), tuple(table.indexes),
                tuple(facts), table.description)


def _claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    return display_path.endswith(".py")


READERS: tuple[Reader, ...] = (Reader("orm-python", _claims, read_orm_models),)
