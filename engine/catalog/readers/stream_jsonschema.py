"""JSON Schema files: `*.schema.json`, or JSON/YAML whose top-level `$schema` is json-schema.org's.

One item per file, named by its `title`, else its `$id`, else the file's stem; its fields
are the properties flattened to paths (`parcels[].tracking_code`), `required` meaning not
nullable, local references (`#/$defs/parcel`, `#/definitions/tracking`, `#`) followed and
a recursive one named rather than expanded again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Item, Origin, Part, Problem
from flowscan.catalog.readers.schema_fields import MAX_FIELDS, SchemaWalker
from flowscan.catalog.readers.schema_nodes import Malformed, Node, load_json, load_yaml
from flowscan.catalog.readers.stream_links import SchemaFile, stem
from flowscan.redact import redact

SOURCE = "json_schema"
HEAD_BYTES = 65_536
_DIALECT = re.compile(rb"""["']?\$schema["']?\s*:\s*["']?[^\s"',]*json-schema\.org""")


def claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    return display_path.lower().endswith((".json", ".yaml", ".yml"))


def _named_as_schema(file: CatalogFile) -> bool:
    return file.name.lower().endswith((".schema.json", ".schema.yaml", ".schema.yml"))


def read(files: Sequence[CatalogFile]) -> tuple[Part, list[SchemaFile]]:
    items: list[Item] = []
    problems: list[Problem] = []
    schema_files: list[SchemaFile] = []
    for file in files:
        try:
            if not _named_as_schema(file) and not _DIALECT.search(file.head(HEAD_BYTES)):
                continue  # other JSON and YAML: data, manifests, specs, for other readers
        except Unreadable:
            continue  # not known to be a schema: the readers of JSON and YAML in general report it
        try:
            text = file.text()
        except Unreadable as error:
            problems.append(error.problem)
            continue
        loaded = load_json(text) if file.name.lower().endswith(".json") else _first(load_yaml(text))
        if isinstance(loaded, Malformed):
            problems.append(file.problem(loaded.message, loaded.line, loaded.column))
            continue
        if loaded is None or not loaded.is_map or not _is_schema(file, loaded):
            continue
        item, found = _schema_item(file, loaded)
        items.append(item)
        problems.extend(found)
        origin = item.origins[0]
        schema_files.append(SchemaFile(file.display_path, SOURCE, ((item.id, item.name, origin.line),),
                                       ((item.id, item.name, origin.line),)))
    return Part(tuple(items), problems=tuple(problems)), schema_files


def _first(loaded: list[Node] | Malformed) -> Node | Malformed | None:
    return loaded if isinstance(loaded, Malformed) else (loaded[0] if loaded else None)


def _is_schema(file: CatalogFile, document: Node) -> bool:
    if document.get("openapi") is not None or document.get("swagger") is not None:
        return False  # an OpenAPI document (3.1 may carry a dialect): the API reader's
    dialect = document.text("$schema") or ""
    return "json-schema.org" in dialect or _named_as_schema(file)


def _schema_item(file: CatalogFile, document: Node) -> tuple[Item, list[Problem]]:
    name = document.text("title") or document.text("$id") or stem(file.display_path)
    walker = SchemaWalker(document, root_name=name)
    flattened = walker.flatten(document, "", ancestors=frozenset({"#"}))
    shape = walker.shape(document, frozenset({"#"}), 0)
    facts = (("id", document.text("$id")), ("dialect", document.text("$schema")), ("type", shape.type))
    line = document.key_line("title") if document.get("title") is not None else document.line
    item = Item("schema", name, (Origin(SOURCE, file.display_path, line),), flattened.fields,
                facts=tuple((k, redact(v)) for k, v in facts if v), description=shape.description)
    problems = [file.problem(f"unresolved reference {pointer}", ref_line, column)
                for pointer, (ref_line, column) in walker.unresolved.items()]
    if walker.exhausted:
        problems.append(file.problem(f"schema {name} is too large to flatten in full: some fields are left out", line))
    elif flattened.truncated:
        problems.append(file.problem(f"schema {name} has more than {MAX_FIELDS} fields: the rest are not listed", line))
    return item, problems

