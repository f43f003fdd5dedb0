"""Avro schema files (`.avsc`): records and enums, fields flattened to paths.

A record is an item named by its full name (`com.shop.events.OrderCreated`); its fields
are flattened through nested records, arrays and maps (`customer.address.city`,
`items[].sku`, `attributes{}`), each with its type as a reader would say it:

- a union with `"null"` is nullable (`["null", "string"]` → `string`, nullable), other
  unions are listed (`double | string`);
- logical types replace their carrier (`timestamp-millis`, `uuid`, `decimal(10,2)`);
- named types are referred to by full name, arrays and maps as `array<T>` / `map<T>`.

Every named record and enum is also an item of its own, wherever it is defined (nested
ones included), and names resolve across all the `.avsc` files read, as avro-tools'
`--import` does. Lines come from a position-aware JSON read: a field's line is where its
`"name"` is written, so two nested records with a field of the same name each get theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import evolve, frozen

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field, Item, Origin, Part, Problem, item_id
from flowscan.catalog.readers.schema_nodes import Malformed, Node, json_text, load_json
from flowscan.catalog.readers.stream_links import SchemaFile
from flowscan.redact import redact

SOURCE = "avro"
EXTENSION = ".avsc"
PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED_KINDS = frozenset({"record", "error", "enum", "fixed"})
#: record nesting expanded into paths below a record; deeper records are named, not expanded
MAX_DEPTH = 10
MAX_FIELDS = 500


@frozen
class _Named:
    """A named type as defined: its node, the namespace its own references resolve in, where."""

    full_name: str
    kind: str
    node: Node
    namespace: str
    file: CatalogFile


def read(files: Sequence[CatalogFile]) -> tuple[Part, list[SchemaFile]]:
    problems: list[Problem] = []
    named: dict[str, _Named] = {}
    #: the same full name defined again (generated copies, a vendored schema): more origins of one item
    again: dict[str, list[Origin]] = {}
    roots: list[tuple[CatalogFile, list[str]]] = []
    for file in files:
        try:
            loaded = load_json(file.text())
        except Unreadable as error:
            problems.append(error.problem)
            continue
        if isinstance(loaded, Malformed):
            problems.append(file.problem(loaded.message, loaded.line, loaded.column))
            continue
        collector = _Collector(file, named, again, problems)
        roots.append((file, collector.top_level(loaded)))
    items: list[Item] = []
    schema_files: list[SchemaFile] = []
    for definition in named.values():
        item = _Flattener(named, problems).item(definition)
        items.append(evolve(item, origins=(*item.origins, *again.get(definition.full_name, ()))))
    for file, top in roots:
        # every definition a file makes is an item; a file's top-level types are its subject candidates
        top_level = tuple((item_id("schema", n), n, named[n].node.get("name").line)  # type: ignore[union-attr]
                          for n in top if n in named and named[n].file is file)
        schema_files.append(SchemaFile(file.display_path, SOURCE, top_level, top_level))
    return Part(tuple(items), problems=tuple(problems)), schema_files


def full_name(name: str, namespace: str) -> str:
    """Avro's naming: a dotted name is full already, else it lives in the namespace in force."""
    return name if "." in name or not namespace else f"{namespace}.{name}"


class _Collector:
    """First pass over a file: registers every named type it defines (first definition wins)."""

    def __init__(self, file: CatalogFile, named: dict[str, _Named], again: dict[str, list[Origin]],
                 problems: list[Problem]) -> None:
        self.file = file
        self.named = named
        self.again = again
        self.problems = problems

    def top_level(self, root: Node) -> list[str]:
        if root.is_list:  # a union of types in one file
            return [n for branch in root.elements() if self.is_schema(branch)
                    for n in [self.collect(branch, "", 0)] if n]
        if not self.is_schema(root):
            return []
        name = self.collect(root, "", 0)
        return [name] if name else []

    def is_schema(self, node: Node) -> bool:
        if node.is_map or isinstance(node.value, str):
            return True
        self.problems.append(self.file.problem("not an Avro schema: expected an object, an array or a type name",
                                               node.line, node.column))
        return False

    def collect(self, schema: Node, namespace: str, depth: int) -> str | None:
        """Registers what `schema` defines; returns the full name when it is itself a named type."""
        if depth > 64:
            return None
        if schema.is_list:
            for branch in schema.elements():
                self.collect(branch, namespace, depth + 1)
            return None
        if not schema.is_map:
            return None
        kind = schema.get("type")
        if kind is not None and (kind.is_map or kind.is_list):  # {"type": {"type": "array", ...}}
            return self.collect(kind, namespace, depth + 1)
        kind_name = kind.value if kind is not None and isinstance(kind.value, str) else None
        if kind_name == "array" and schema.get("items") is not None:
            self.collect(schema.get("items"), namespace, depth + 1)  # type: ignore[arg-type]
        if kind_name == "map" and schema.get("values") is not None:
            self.collect(schema.get("values"), namespace, depth + 1)  # type: ignore[arg-type]
        if kind_name not in _NAMED_KINDS:
            return None
        return self.define(schema, kind_name, namespace, depth)

    def define(self, schema: Node, kind: str, namespace: str, depth: int) -> str | None:
        name = schema.text("name")
        if not name:
            self.problems.append(self.file.problem(f"an Avro {kind} without a name", schema.line, schema.column))
            return None
        own_namespace = schema.text("namespace")
        full = name if "." in name else full_name(name, own_namespace if own_namespace is not None else namespace)
        inner_namespace = full.rsplit(".", 1)[0] if "." in full else ""
        if full in self.named:
            line = schema.get("name").line  # type: ignore[union-attr]
            self.again.setdefault(full, []).append(Origin(SOURCE, self.file.display_path, line))
        else:
            self.named[full] = _Named(full, "record" if kind == "error" else kind, schema, inner_namespace, self.file)
        if kind in ("record", "error"):
            fields = schema.get("fields")
            if fields is None or not fields.is_list:
                where = fields or schema
                self.problems.append(self.file.problem(f"record {full}: `fields` is not a list", where.line, where.column))
                return full
            for written in fields.elements():
                if written.get("type") is not None:
                    self.collect(written.get("type"), inner_namespace, depth + 1)  # type: ignore[arg-type]
        return full


class _Flattener:
    """Second pass: one item per named record or enum, record fields flattened to paths."""

    def __init__(self, named: dict[str, _Named], problems: list[Problem]) -> None:
        self.named = named
        self.problems = problems

    def item(self, definition: _Named) -> Item:
        name_node = definition.node.get("name")
        origin = Origin(SOURCE, definition.file.display_path, name_node.line if name_node else definition.node.line)
        doc = definition.node.text("doc")
        facts: list[tuple[str, str]] = [("kind", definition.kind)]
        if definition.namespace:
            facts.append(("namespace", definition.namespace))
        fields: dict[str, Field] = {}
        if definition.kind == "record":
            self.fields(definition.node, definition.namespace, "", frozenset({definition.full_name}), 0, fields)
            if len(fields) >= MAX_FIELDS:
                self.problems.append(definition.file.problem(
                    f"record {definition.full_name} has more than {MAX_FIELDS} fields: the rest are not listed", origin.line))
        elif definition.kind == "enum":
            symbols = definition.node.get("symbols")
            for symbol in symbols.elements() if symbols is not None else []:
                if isinstance(symbol.value, str):
                    fields.setdefault(symbol.value, Field(symbol.value, line=symbol.line))
            facts.append(("symbols", ", ".join(fields)))
        elif definition.kind == "fixed":
            facts.append(("size", definition.node.text("size") or "?"))
        return Item("schema", definition.full_name, (origin,), tuple(fields.values()), facts=tuple(facts),
                    description=redact(" ".join(doc.split())) if doc else None)

    def fields(self, record: Node, namespace: str, prefix: str, expanding: frozenset[str], depth: int,
               out: dict[str, Field]) -> None:
        listed = record.get("fields")
        for written in listed.elements() if listed is not None else []:
            name_node = written.get("name")
            if name_node is None or not isinstance(name_node.value, str):
                continue
            path = prefix + name_node.value
            if path in out:
                continue
            if len(out) >= MAX_FIELDS:
                return
            schema = written.get("type")
            type_name, nullable = self.describe(schema, namespace) if schema is not None else (None, None)
            default = written.get("default")
            doc = written.text("doc")
            out[path] = Field(path, type_name, nullable, redact(json_text(default)) if default is not None else None,
                              line=name_node.line, description=redact(" ".join(doc.split())) if doc else None)
            if schema is not None and depth < MAX_DEPTH:
                self.expand(schema, namespace, path, expanding, depth, out)

    def expand(self, schema: Node, namespace: str, path: str, expanding: frozenset[str], depth: int,
               out: dict[str, Field]) -> None:
        """The fields below a field: through unions, arrays (`path[]`), maps (`path{}`) to records."""
        if depth >= MAX_DEPTH:
            return
        if schema.is_list:
            for branch in schema.elements():
                self.expand(branch, namespace, path, expanding, depth + 1, out)
            return
        target, inner_namespace = self.target(schema, namespace)
        if target is None:
            return
        kind = target.get("type")
        if kind is not None and (kind.is_map or kind.is_list):
            self.expand(kind, inner_namespace, path, expanding, depth + 1, out)
            return
        kind_name = kind.value if kind is not None else None
        if kind_name == "array" and target.get("items") is not None:
            self.expand(target.get("items"), inner_namespace, path + "[]", expanding, depth + 1, out)  # type: ignore[arg-type]
        elif kind_name == "map" and target.get("values") is not None:
            self.expand(target.get("values"), inner_namespace, path + "{}", expanding, depth + 1, out)  # type: ignore[arg-type]
        elif kind_name in ("record", "error"):
            name = target.text("name") or ""
            full = name if "." in name else full_name(name, target.text("namespace") or inner_namespace)
            if full in expanding:
                return  # a linked list (`next: ["null", "Node"]`): named, not expanded again
            record_namespace = full.rsplit(".", 1)[0] if "." in full else ""
            self.fields(target, record_namespace, path + ".", expanding | {full}, depth + 1, out)

    def target(self, schema: Node, namespace: str) -> tuple[Node | None, str]:
        """A schema object, with a type name (`"com.shop.Address"`) looked up among the named types."""
        if schema.is_map:
            return schema, namespace
        if isinstance(schema.value, str) and schema.value not in PRIMITIVES:
            found = self.lookup(schema.value, namespace)
            return (found.node, found.namespace) if found is not None else (None, namespace)
        return None, namespace

    def lookup(self, name: str, namespace: str) -> _Named | None:
        return self.named.get(full_name(name, namespace)) or self.named.get(name)

    def describe(self, schema: Node, namespace: str) -> tuple[str | None, bool]:
        """(type as a reader says it, nullable)."""
        if schema.is_list:
            branches = [self.describe(b, namespace)[0] for b in schema.elements()]
            kept = list(dict.fromkeys(b or "?" for b in branches if b != "null"))
            return (" | ".join(kept) if kept else "null"), "null" in branches
        if isinstance(schema.value, str):
            if schema.value in PRIMITIVES:
                return schema.value, schema.value == "null"
            found = self.lookup(schema.value, namespace)
            return (self.named_type(found) if found is not None else schema.value), False
        if not schema.is_map:
            return None, False
        kind = schema.get("type")
        if kind is not None and (kind.is_map or kind.is_list):
            return self.describe(kind, namespace)
        logical = schema.text("logicalType")
        if logical == "decimal":
            return f"decimal({schema.text('precision') or '?'},{schema.text('scale') or '0'})", False
        if logical:
            return logical, False
        kind_name = kind.value if kind is not None and isinstance(kind.value, str) else None
        if kind_name == "array":
            items = schema.get("items")
            return f"array<{self.describe(items, namespace)[0] if items is not None else '?'}>", False
        if kind_name == "map":
            values = schema.get("values")
            return f"map<{self.describe(values, namespace)[0] if values is not None else '?'}>", False
        if kind_name in _NAMED_KINDS:
            name = schema.text("name") or "?"
            full = name if "." in name else full_name(name, schema.text("namespace") or namespace)
            found = self.named.get(full)
            return (self.named_type(found) if found is not None else full), False
        if kind is not None and kind_name is not None:
            return self.describe(kind, namespace)  # {"type": "string", "avro.java.string": "String"}
        return None, False

    @staticmethod
    def named_type(definition: _Named) -> str:
        if definition.kind == "fixed":
            return f"fixed({definition.node.text('size') or '?'})"
        return definition.full_name
