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
`parent: Category`) is named but not expanded again, references are expanded
`MAX_REF_DEPTH` deep along a path (a field's type is still named below that), nesting
stops at `MAX_DEPTH` and an item at `MAX_FIELDS`, and a document's whole walk at
`MAX_SHAPES`: self-referential and generated schemas cost little.
"""

from __future__ import annotations

from urllib.parse import unquote

from attrs import frozen

from flowscan.catalog.model import Field
from flowscan.catalog.readers.schema_nodes import Node, json_text, scalar_text
from flowscan.redact import redact

MAX_DEPTH = 10
#: references expanded along one path: `response` → Order → OrderItem → Money, and no further
MAX_REF_DEPTH = 3
MAX_FIELDS = 500
MAX_REF_HOPS = 32
#: schema objects looked at per document: generated specs with thousands of inter-referring
#: components stay within seconds, and say when they were cut short
MAX_SHAPES = 1_000_000
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
        #: schema objects looked at, against MAX_SHAPES; `exhausted` once the budget is spent
        self.shapes = 0
        self.exhausted = False
        # worked out once per schema object (by identity: the document is not changed meanwhile)
        self._types: dict[int, str | None] = {}
        self._naming: set[int] = set()
        self._composed: dict[int, _Shape] = {}
        self._descriptions: dict[int, str | None] = {}

    def flatten(self, schema: Node, prefix: str = "", *, required: bool = True, line: int | None = None,
                ancestors: frozenset[str] = frozenset()) -> Flattened:
        """Fields of `schema` under `prefix` (`body`, `response`; "" for a schema's own fields).

        With a prefix the root itself is a field (`body: Order`); `ancestors` are references
        already being expanded (a component's own pointer, so that it does not contain itself).
        """
        walk = _Walk(self)
        if prefix:
            walk.field(schema, prefix, line if line is not None else schema.line, required, ancestors, 0, 0)
        else:
            walk.below(self.shape(schema, ancestors, 0), "", ancestors, 0, 0)
        return Flattened(tuple(walk.fields.values()), walk.truncated)

    def shape(self, schema: Node, ancestors: frozenset[str], depth: int) -> _Shape:
        """What `schema` says, its references followed unless already being expanded (`ancestors`)."""
        self.shapes += 1
        if self.shapes > MAX_SHAPES:
            self.exhausted = True
            return _Shape(None, False, {}, frozenset())
        outer = schema
        pointers: list[str] = []
        while (pointer := schema.text("$ref")) is not None:
            target = resolve_pointer(self.document, pointer)
            if target is None and pointer.startswith("#"):
                self.unresolved.setdefault(pointer, (schema.line, schema.column))
            if target is None or pointer in ancestors or pointer in pointers or len(pointers) >= MAX_REF_HOPS:
                # unresolvable, or already being expanded above: named, not expanded again
                return _Shape(self.type_of(outer), _nullable(outer), {}, frozenset(),
                              description=self.description(outer), pointers=tuple(pointers))
            pointers.append(pointer)
            schema = target
        shape = self._compose(schema, ancestors | set(pointers), depth)
        return _Shape(self.type_of(outer) if pointers else shape.type, shape.nullable or _nullable(outer),
                      shape.properties, shape.required, shape.items, shape.values, shape.variants,
                      self.description(outer) or shape.description, self.default(outer) or shape.default,
                      (*pointers, *shape.pointers))

    def _compose(self, schema: Node, ancestors: frozenset[str], depth: int) -> _Shape:
        """A schema object without `$ref`: `allOf` parts merged, `oneOf`/`anyOf` as variants.

        Without `allOf` and a lone nullable alternative, what a schema object says does not
        depend on where it is used, and it is worked out once (components are used many times).
        """
        known = self._composed.get(id(schema))
        if known is not None:
            return known
        shape, standalone = self._composed_here(schema, ancestors, depth)
        if standalone:
            self._composed[id(schema)] = shape
        return shape

    def _composed_here(self, schema: Node, ancestors: frozenset[str], depth: int) -> tuple[_Shape, bool]:
        properties: dict[str, tuple[Node, int]] = {}
        required: set[str] = set()
        pointers: list[str] = []
        items: Node | None = None
        values: Node | None = None
        all_of = schema.get("allOf")
        if all_of is not None and depth < MAX_DEPTH:
            for part in (self.shape(p, ancestors, depth + 1) for p in all_of.elements() if p.is_map):
                properties.update(part.properties)
                required.update(part.required)
                pointers.extend(part.pointers)
                items = items or part.items
                values = values or part.values
        own = schema.get("properties")
        for key, child in (own.entries() if own is not None else {}).items():
            properties[key] = (child, own.key_line(key))  # type: ignore[union-attr]
        required.update(_strings(schema.get("required")))
        if (listed := schema.get("items")) is not None and listed.is_map:
            items = listed
        if (extra := schema.get("additionalProperties")) is not None and extra.is_map:
            values = extra
        branches = _alternatives(schema)
        null_branch = any(self.type_of(b) == "null" for b in branches)
        kept = tuple(b for b in branches if self.type_of(b) != "null")
        nullable = _nullable(schema) or "null" in _ordered_types(schema) or null_branch
        if len(kept) == 1 and null_branch and not properties and depth < MAX_DEPTH:
            # `anyOf: [{$ref: Order}, {type: "null"}]`: an Order that may be null
            branch = self.shape(kept[0], ancestors, depth + 1)
            return _Shape(self.type_of(schema), True, branch.properties, branch.required, branch.items, branch.values,
                          branch.variants, self.description(schema) or branch.description, self.default(schema),
                          (*pointers, *branch.pointers)), False
        shape = _Shape(self.type_of(schema), nullable, properties, frozenset(required), items, values, kept,
                       self.description(schema), self.default(schema), tuple(pointers))
        return shape, all_of is None

    def description(self, schema: Node) -> str | None:
        key = id(schema)
        if key not in self._descriptions:
            self._descriptions[key] = _description(schema)
        return self._descriptions[key]

    def default(self, schema: Node) -> str | None:
        return _default(schema) if schema.get("default") is not None else None

    def type_of(self, schema: Node) -> str | None:
        """The type a reader would say: a reference's name, `array<Order>`, `string(date-time)`, `A | B`.

        Names do not depend on where a schema is used, so each schema object is named once.
        """
        key = id(schema)
        if key in self._types:
            return self._types[key]
        if key in self._naming:
            return None  # a YAML alias inside itself
        self._naming.add(key)
        try:
            name = self._name(schema)
        finally:
            self._naming.discard(key)
        self._types[key] = name
        return name

    def _name(self, schema: Node) -> str | None:
        pointer = schema.text("$ref")
        if pointer is not None:
            return reference_name(pointer, self.root_name)
        if not schema.is_map:
            return None
        own = schema.get("properties")
        has_properties = own is not None and bool(own.entries())
        concrete = [t for t in _ordered_types(schema) if t != "null"]
        branches = [self.type_of(b) or "object" for b in _alternatives(schema)]
        kept = list(dict.fromkeys(b for b in branches if b != "null"))
        if kept and not has_properties and not concrete:
            return " | ".join(kept)  # `anyOf: [Order, null]` is an Order (that may be null)
        all_of = [part for part in (schema.get("allOf") or Node([], 0, 0)).elements() if part.is_map]
        if len(all_of) == 1 and not has_properties and not concrete:
            return self.type_of(all_of[0])  # `allOf: [$ref: Money]` beside a description is a Money
        items = schema.get("items")
        if "array" in concrete or (items is not None and items.is_map and not concrete):
            return f"array<{(self.type_of(items) if items is not None and items.is_map else None) or 'any'}>"
        values = schema.get("additionalProperties")
        if values is not None and values.is_map and not has_properties and not all_of:
            return f"map<{self.type_of(values) or 'any'}>"
        if concrete:
            fmt = schema.text("format")
            return f"{concrete[0]}({fmt})" if fmt and len(concrete) == 1 else " | ".join(concrete)
        if has_properties or all_of:
            return "object"
        if schema.get("enum") is not None:
            return "enum"
        return "null" if "null" in _ordered_types(schema) else None


class _Walk:
    """One flattening: the fields so far, by path (the first to name a path says it)."""

    def __init__(self, walker: SchemaWalker) -> None:
        self.walker = walker
        self.fields: dict[str, Field] = {}
        self.truncated = False

    def field(self, schema: Node, path: str, line: int, required: bool, ancestors: frozenset[str], depth: int,
              refs: int) -> None:
        if path in self.fields:
            return  # a property several alternatives share: the first says it
        if len(self.fields) >= MAX_FIELDS:
            self.truncated = True
            return
        shape = self.walker.shape(schema, ancestors, depth)
        self.fields[path] = Field(path, shape.type, shape.nullable or not required, shape.default, line=line,
                                  description=shape.description)
        self.below(shape, path, ancestors, depth, refs)

    def below(self, shape: _Shape, path: str, ancestors: frozenset[str], depth: int, refs: int) -> None:
        """A shape's children, unless nesting or the references followed to get here say stop."""
        refs += bool(shape.pointers)
        if depth < MAX_DEPTH and refs <= MAX_REF_DEPTH:
            self.children(shape, path, ancestors | set(shape.pointers), depth, refs)

    def children(self, shape: _Shape, path: str, ancestors: frozenset[str], depth: int, refs: int) -> None:
        for name, (child, line) in shape.properties.items():
            self.field(child, _join(path, name), line, name in shape.required, ancestors, depth + 1, refs)
        for variant in shape.variants:
            # one alternative applies at a time: none of its properties is certain to be there
            branch = self.walker.shape(variant, ancestors, depth + 1)
            through = refs + bool(branch.pointers)
            if through > MAX_REF_DEPTH:
                continue
            for name, (child, line) in branch.properties.items():
                self.field(child, _join(path, name), line, False, ancestors | set(branch.pointers), depth + 1, through)
        for inner, suffix in ((shape.items, "[]"), (shape.values, "{}")):
            if inner is not None:
                self.below(self.walker.shape(inner, ancestors, depth + 1), path + suffix, ancestors, depth + 1, refs)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _ordered_types(schema: Node) -> list[str]:
    declared = schema.get("type")
    if declared is None:
        return []
    if declared.is_list:
        return [scalar_text(t.value) for t in declared.elements() if isinstance(t.value, str)]  # type: ignore[arg-type]
    return [declared.value] if isinstance(declared.value, str) else []


def _alternatives(schema: Node) -> list[Node]:
    """The `oneOf` and `anyOf` branches that are schema objects."""
    return [b for key in ("oneOf", "anyOf") for b in (schema.get(key) or Node([], 0, 0)).elements() if b.is_map]


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
