"""JSON Schema objects (as OpenAPI, Swagger and JSON Schema files write them) flattened to fields.

A catalog lists a payload as paths: `items[].sku: string`, `customer.address.city`. This
walks a schema object to those paths, with what each says about type and presence:

- local `$ref`s are followed (`#/components/schemas/Order`, `#/definitions/Order`,
  `#/$defs/Address`, `#`), and the type of a referencing field is the referenced name;
- `allOf` parts are merged; `oneOf`/`anyOf` give a union type (`Card | BankTransfer`), and
  the properties of every alternative, none of them certain to be present;
- nullable is OpenAPI 3.0's `nullable: true`, Swagger's `x-nullable`, a `"null"` in a type
  list or a `{type: "null"}` alternative — or a property its object does not require.

The walk is bounded: a reference already being expanded on the current path (a category's
`parent: Category`) is named but not expanded again, nesting stops at `MAX_DEPTH` and an
item at `MAX_FIELDS`, so self-referential and generated schemas cost little.
"""

from __future__ import annotations

from urllib.parse import unquote

from attrs import frozen

from flowscan.catalog.model import Field
from flowscan.catalog.readers.schema_nodes import Node, json_text, scalar_text
from flowscan.redact import redact

MAX_DEPTH = 10
MAX_FIELDS = 2000
MAX_REF_HOPS = 32
#: enum values shown in a field's description
_ENUM_SHOWN = 12


@frozen
class Flattened:
    fields: tuple[Field, ...]
    #: whether MAX_FIELDS cut the walk short
    truncated: bool = False


@frozen
class _Shape:
    """What one schema object says, with `$ref`s followed and `allOf` merged."""

    type: str | None
    nullable: bool
    properties: dict[str, tuple[Node, int]]
    required: frozenset[str]
    items: Node | None = None
    values: Node | None = None
    variants: tuple[Node, ...] = ()
    description: str | None = None
    default: str | None = None
    #: references followed to get here: what is below must not expand them again
    pointers: tuple[str, ...] = ()


def reference_name(pointer: str, root_name: str = "") -> str:
    """`#/components/schemas/Order` → `Order`; `./common.yaml#/Money` → `Money`; `#` → the root's name."""
    fragment = pointer.split("#", 1)[1] if "#" in pointer else ""
    segments = [s for s in fragment.split("/") if s]
    if segments:
        return unquote(segments[-1]).replace("~1", "/").replace("~0", "~")
    if pointer.startswith("#"):
        return root_name or "#"
    document = pointer.rsplit("/", 1)[-1]
    return document.split(".", 1)[0] or pointer


def resolve_pointer(document: Node, pointer: str) -> Node | None:
    """The node a local JSON pointer (`#/components/schemas/Order`) names, or None."""
    if not pointer.startswith("#"):
        return None  # another document: not read from here
    node: Node | None = document
    for raw in pointer[1:].split("/"):
        if raw == "" or node is None:
            continue
        segment = unquote(raw).replace("~1", "/").replace("~0", "~")
        if node.is_list:
            index = int(segment) if segment.isdigit() else -1
            node = node.elements()[index] if 0 <= index < len(node.elements()) else None
        else:
            node = node.get(segment)
    return node


class SchemaWalker:
    """Flattens schema objects of one document, resolving its local references."""

    def __init__(self, document: Node, root_name: str = "") -> None:
        self.document = document
        self.root_name = root_name
        #: local references that name nothing in the document, with where each was first written
        self.unresolved: dict[str, tuple[int, int]] = {}

    def flatten(self, schema: Node, prefix: str = "", *, required: bool = True, line: int | None = None,
                ancestors: frozenset[str] = frozenset()) -> Flattened:
        """Fields of `schema` under `prefix` (`body`, `response`; "" for a schema's own fields).

        With a prefix the root itself is a field (`body: Order`); `ancestors` are references
        already being expanded (a component's own pointer, so that it does not contain itself).
        """
        walk = _Walk(self)
        if prefix:
            walk.field(schema, prefix, line if line is not None else schema.line, required, ancestors, 0)
        else:
            shape = self.shape(schema, ancestors, 0)
            walk.children(shape, "", ancestors | set(shape.pointers), 0)
        return Flattened(tuple(walk.fields.values()), walk.truncated)

    def shape(self, schema: Node, ancestors: frozenset[str], depth: int) -> _Shape:
        outer = schema
        pointers: list[str] = []
        name: str | None = None
        while (pointer := schema.text("$ref")) is not None:
            name = name or reference_name(pointer, self.root_name)
            target = resolve_pointer(self.document, pointer)
            if target is None and pointer.startswith("#"):
                self.unresolved.setdefault(pointer, (schema.line, schema.column))
            if target is None or pointer in ancestors or pointer in pointers or len(pointers) >= MAX_REF_HOPS:
                # unresolvable, or already being expanded above: named, not expanded again
                return _Shape(name, _nullable(outer), {}, frozenset(), description=_description(outer),
                              pointers=tuple(pointers))
            pointers.append(pointer)
            schema = target
        nested = ancestors | set(pointers)
        shape = self._compose(schema, nested, depth)
        nullable = shape.nullable or _nullable(outer) or _nullable(schema)
        return _Shape(name or shape.type, nullable, shape.properties, shape.required, shape.items, shape.values,
                      shape.variants, _description(outer) or shape.description, _default(outer) or shape.default,
                      (*pointers, *shape.pointers))

    def _compose(self, schema: Node, ancestors: frozenset[str], depth: int) -> _Shape:
        properties: dict[str, tuple[Node, int]] = {}
        required: set[str] = set()
        pointers: list[str] = []
        items: Node | None = None
        values: Node | None = None
        all_of = schema.get("allOf")
        merged_type: str | None = None
        if all_of is not None and depth < MAX_DEPTH:
            parts = [self.shape(part, ancestors, depth + 1) for part in all_of.elements() if part.is_map]
            for part in parts:
                properties.update(part.properties)
                required.update(part.required)
                pointers.extend(part.pointers)
                items = items or part.items
                values = values or part.values
            # `allOf: [$ref: Money]` (a reference with a description beside it) is still a Money
            merged_type = parts[0].type if len(parts) == 1 else "object" if parts else None
        own = schema.get("properties")
        for key, child in (own.entries() if own is not None else {}).items():
            properties[key] = (child, own.key_line(key))  # type: ignore[union-attr]
        required.update(_strings(schema.get("required")))
        if (listed := schema.get("items")) is not None and listed.is_map:
            items = listed
        if (extra := schema.get("additionalProperties")) is not None and extra.is_map:
            values = extra
        types = _type_list(schema)
        nullable = "null" in types
        union, variants, branch = self._alternatives(schema, ancestors, depth)
        if branch is not None and not properties and not types - {"null"}:
            # `anyOf: [{$ref: Order}, {type: "null"}]`: an Order that may be null
            return _Shape(branch.type, True, branch.properties, branch.required, branch.items, branch.values,
                          branch.variants, _description(schema) or branch.description, _default(schema),
                          (*pointers, *branch.pointers))
        if union is not None:
            nullable = nullable or union[1]
        type_name = (union[0] if union is not None and not properties else
                     self._type_name(schema, types, items, values, properties, merged_type, ancestors, depth))
        return _Shape(type_name, nullable, properties, frozenset(required), items, values, variants,
                      _description(schema), _default(schema), tuple(pointers))

    def _alternatives(self, schema: Node, ancestors: frozenset[str], depth: int
                      ) -> tuple[tuple[str, bool] | None, tuple[Node, ...], _Shape | None]:
        """(union type, nullable) of `oneOf`/`anyOf`, their non-null branches, and the one branch when alone."""
        branches = [b for key in ("oneOf", "anyOf") for b in (schema.get(key) or Node([], 0, 0)).elements() if b.is_map]
        if not branches or depth >= MAX_DEPTH:
            return None, (), None
        shapes = [(branch, self.shape(branch, ancestors, depth + 1)) for branch in branches]
        null = any(s.type == "null" for _, s in shapes)
        kept = [(b, s) for b, s in shapes if s.type != "null"]
        if len(kept) == 1 and null:
            return None, (), kept[0][1]
        names = list(dict.fromkeys(s.type or "object" for _, s in kept))
        return (" | ".join(names), null), tuple(b for b, _ in kept), None

    def _type_name(self, schema: Node, types: set[str], items: Node | None, values: Node | None,
                   properties: dict[str, tuple[Node, int]], merged: str | None, ancestors: frozenset[str],
                   depth: int) -> str | None:
        concrete = [t for t in _ordered_types(schema) if t != "null"]
        if "array" in concrete or (items is not None and not concrete):
            element = self.shape(items, ancestors, depth + 1).type if items is not None and depth < MAX_DEPTH else None
            return f"array<{element or 'any'}>"
        if values is not None and not properties:
            element = self.shape(values, ancestors, depth + 1).type if depth < MAX_DEPTH else None
            return f"map<{element or 'any'}>"
        if concrete:
            fmt = schema.text("format")
            name = " | ".join(concrete)
            return f"{name}({fmt})" if fmt and len(concrete) == 1 else name
        if merged is not None:
            return merged
        if properties:
            return "object"
        if schema.get("enum") is not None:
            return "enum"
        return None


class _Walk:
    """One flattening: the fields so far, by path (the first to name a path says it)."""

    def __init__(self, walker: SchemaWalker) -> None:
        self.walker = walker
        self.fields: dict[str, Field] = {}
        self.truncated = False

    def field(self, schema: Node, path: str, line: int, required: bool, ancestors: frozenset[str], depth: int) -> None:
        if path in self.fields:
            return  # a property several alternatives share: the first says it
        if len(self.fields) >= MAX_FIELDS:
            self.truncated = True
            return
        shape = self.walker.shape(schema, ancestors, depth)
        self.fields[path] = Field(path, shape.type, shape.nullable or not required, shape.default, line=line,
                                  description=shape.description)
        if depth < MAX_DEPTH:
            self.children(shape, path, ancestors | set(shape.pointers), depth)

    def children(self, shape: _Shape, path: str, ancestors: frozenset[str], depth: int) -> None:
        for name, (child, line) in shape.properties.items():
            self.field(child, _join(path, name), line, name in shape.required, ancestors, depth + 1)
        for variant in shape.variants:
            # one alternative applies at a time: none of its properties is certain to be there
            branch = self.walker.shape(variant, ancestors, depth + 1)
            for name, (child, line) in branch.properties.items():
                self.field(child, _join(path, name), line, False, ancestors | set(branch.pointers), depth + 1)
        for inner, suffix in ((shape.items, "[]"), (shape.values, "{}")):
            if inner is None or depth + 1 >= MAX_DEPTH:
                continue
            element = self.walker.shape(inner, ancestors, depth + 1)
            self.children(element, path + suffix, ancestors | set(element.pointers), depth + 1)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _ordered_types(schema: Node) -> list[str]:
    declared = schema.get("type")
    if declared is None:
        return []
    if declared.is_list:
        return [scalar_text(t.value) for t in declared.elements() if isinstance(t.value, str)]  # type: ignore[arg-type]
    return [declared.value] if isinstance(declared.value, str) else []


def _type_list(schema: Node) -> set[str]:
    return set(_ordered_types(schema))


def _nullable(schema: Node) -> bool:
    """OpenAPI 3.0 `nullable: true` or Swagger's `x-nullable: true` (3.1 and JSON Schema list `"null"` as a type)."""
    return any((flag := schema.get(key)) is not None and flag.value is True for key in ("nullable", "x-nullable"))


def _strings(node: Node | None) -> list[str]:
    return [e.value for e in node.elements() if isinstance(e.value, str)] if node is not None else []


def _default(schema: Node) -> str | None:
    found = schema.get("default")
    return redact(json_text(found)) if found is not None else None


def _description(schema: Node) -> str | None:
    text = schema.text("description") or schema.text("title")
    text = " ".join(text.split()) if text else None
    values = schema.get("enum")
    if values is not None and values.elements():
        shown = ", ".join(scalar_text(v.value) for v in values.elements()[:_ENUM_SHOWN]  # type: ignore[arg-type]
                          if not isinstance(v.value, (dict, list)))
        more = ", …" if len(values.elements()) > _ENUM_SHOWN else ""
        note = f"one of: {shown}{more}"
        text = f"{text} ({note})" if text else note
    return redact(text) if text else None
