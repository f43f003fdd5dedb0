"""GraphQL SDL files (`.graphql`, `.graphqls`, `.gql`): operations and types.

The fields of the root types are the API's operations, `query orders` and `mutation
createOrder`: their arguments are the operation's fields (input objects flattened,
`input.items[].sku`), their return type a fact. The root types are `Query`, `Mutation` and
`Subscription` unless a `schema { query: ... }` block (in any of the files, or an `extend
schema`) names others; `extend type Query` in another file adds operations too. Object,
input, interface, enum and union types are schema items with their fields: `total: Float!`
is a `Float` that is never null, `items: [OrderItem!]!` a `[OrderItem!]` that is never null.

Files are parsed with graphql-core, the reference implementation's port; a syntax error
is a problem at its line and column, and the other files are still read. Executable
documents (a client's `query OrdersPage { ... }`) describe no schema and are passed over.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import define, field
from graphql import GraphQLError, parse, print_ast
from graphql.language import (
    DefinitionNode,
    DirectiveNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    NamedTypeNode,
    Node,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
)

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Field, Item, Origin, Part, Problem, Relationship, item_id
from flowscan.redact import redact

SOURCE = "graphql"
EXTENSIONS = (".graphql", ".graphqls", ".gql")
#: input objects nested deeper than this in an argument are named, not flattened
MAX_INPUT_DEPTH = 6
_DEFAULT_ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
_KINDS: dict[type[Node], str] = {
    ObjectTypeDefinitionNode: "object", ObjectTypeExtensionNode: "object",
    InputObjectTypeDefinitionNode: "input", InputObjectTypeExtensionNode: "input",
    InterfaceTypeDefinitionNode: "interface", InterfaceTypeExtensionNode: "interface",
    EnumTypeDefinitionNode: "enum", EnumTypeExtensionNode: "enum",
    UnionTypeDefinitionNode: "union", UnionTypeExtensionNode: "union",
}


def claims(file: CatalogFile) -> bool:
    display_path = file.display_path
    return display_path.lower().endswith(EXTENSIONS)


@define
class _Declared:
    """A type as every file declares it: its definition and `extend`s, in path order."""

    name: str
    kind: str
    parts: list[tuple[CatalogFile, Node]] = field(factory=list)


def read(files: Sequence[CatalogFile]) -> Part:
    documents: list[tuple[CatalogFile, list[DefinitionNode]]] = []
    problems: list[Problem] = []
    for file in files:
        try:
            document = parse(file.text())
        except Unreadable as error:
            problems.append(error.problem)
            continue
        except GraphQLError as error:
            location = error.locations[0] if error.locations else None
            problems.append(file.problem(error.message, location.line if location else 1,
                                         location.column if location else 1))
            continue
        documents.append((file, list(document.definitions)))
    roots = _root_types(documents)
    declared = _declared_types(documents)
    items: list[Item] = []
    relationships: list[Relationship] = []
    for entry in declared.values():
        if entry.name in roots and entry.kind == "object":
            for file, definition in entry.parts:
                for field_node in getattr(definition, "fields", None) or ():
                    item, links = _operation(roots[entry.name], entry.name, file, field_node, declared)
                    items.append(item)
                    relationships.extend(links)
        else:
            items.append(_schema(entry))
    return Part(tuple(items), tuple(relationships), tuple(problems))


def _root_types(documents: list[tuple[CatalogFile, list[DefinitionNode]]]) -> dict[str, str]:
    """Root type name → operation kind (`ShopQuery` → `query`)."""
    named: dict[str, str] = {}
    declared_schema = False
    for _, definitions in documents:
        for definition in definitions:
            if isinstance(definition, (SchemaDefinitionNode, SchemaExtensionNode)):
                declared_schema = declared_schema or isinstance(definition, SchemaDefinitionNode)
                for operation_type in definition.operation_types or ():
                    named[operation_type.operation.value] = operation_type.type.name.value
    if not declared_schema:
        # without a `schema` block the conventional names are the roots (an `extend schema` adds to them)
        named = {**_DEFAULT_ROOTS, **named}
    return {type_name: kind for kind, type_name in named.items()}


def _declared_types(documents: list[tuple[CatalogFile, list[DefinitionNode]]]) -> dict[str, _Declared]:
    declared: dict[str, _Declared] = {}
    for file, definitions in documents:
        for definition in definitions:
            kind = _KINDS.get(type(definition))
            if kind is None:
                continue  # scalars, directives, and a client's executable definitions
            name = definition.name.value  # type: ignore[attr-defined]
            entry = declared.setdefault(name, _Declared(name, kind))
            entry.parts.append((file, definition))
    return declared


def _line(node: Node) -> int:
    name = getattr(node, "name", None)
    located = name if name is not None and name.loc is not None else node
    return located.loc.start_token.line if located.loc is not None else 1


def _origin(file: CatalogFile, node: Node) -> Origin:
    return Origin(SOURCE, file.display_path, _line(node))


def _described(node: Node) -> str | None:
    description = getattr(node, "description", None)
    text = " ".join(description.value.split()) if isinstance(description, StringValueNode) else None
    reason = _deprecation(getattr(node, "directives", None) or ())
    if reason is not None:
        text = f"{text} (deprecated: {reason})" if text else f"deprecated: {reason}"
    return redact(text) if text else None


def _deprecation(directives: tuple[DirectiveNode, ...] | list[DirectiveNode]) -> str | None:
    for directive in directives:
        if directive.name.value == "deprecated":
            reason = next((a.value for a in directive.arguments or () if a.name.value == "reason"), None)
            return reason.value if isinstance(reason, StringValueNode) else "no reason given"
    return None


def _typed(type_node: TypeNode) -> tuple[str, bool]:
    """(type as written without the outer `!`, nullable): `[OrderItem!]!` → (`[OrderItem!]`, False)."""
    if isinstance(type_node, NonNullTypeNode):
        return print_ast(type_node.type), False
    return print_ast(type_node), True


def _named(type_node: TypeNode) -> str:
    while not isinstance(type_node, NamedTypeNode):
        type_node = type_node.type  # type: ignore[attr-defined]
    return type_node.name.value


def _value_field(name: str, node: InputValueDefinitionNode | FieldDefinitionNode, line: int | None) -> Field:
    type_name, nullable = _typed(node.type)
    default = getattr(node, "default_value", None)
    return Field(name, type_name, nullable, redact(print_ast(default)) if default is not None else None,
                 line=line, description=_described(node))


# --- operations ------------------------------------------------------------------------


def _operation(kind: str, root: str, file: CatalogFile, node: FieldDefinitionNode, declared: dict[str, _Declared]
               ) -> tuple[Item, list[Relationship]]:
    name = f"{kind} {node.name.value}"
    origin = _origin(file, node)
    fields: list[Field] = []
    links: dict[str, str] = {}
    for argument in node.arguments or ():
        fields.append(_value_field(argument.name.value, argument, _line(argument)))
        fields.extend(_input_fields(argument.type, argument.name.value, file, declared, 1, frozenset()))
        if _named(argument.type) in declared:
            links.setdefault(_named(argument.type), f"argument {argument.name.value}")
    returned = _named(node.type)
    if returned in declared:
        links.setdefault(returned, "returns")
    deprecated = _deprecation(node.directives or ())
    facts = (("kind", "graphql"), ("operation", kind), ("root_type", root), ("returns", print_ast(node.type)),
             ("deprecated", deprecated))
    item = Item("operation", name, (origin,), tuple(fields), facts=tuple((k, redact(v)) for k, v in facts if v),
                description=_text(node))  # a deprecation is a fact of its own
    return item, [Relationship(item_id("schema", type_name), item.id, "schema_of", origin, label)
                  for type_name, label in links.items()]


def _text(node: Node) -> str | None:
    description = getattr(node, "description", None)
    return redact(" ".join(description.value.split())) if isinstance(description, StringValueNode) else None


def _input_fields(type_node: TypeNode, path: str, file: CatalogFile, declared: dict[str, _Declared], depth: int,
                  expanding: frozenset[str]) -> list[Field]:
    """An input object argument's fields as paths (`input.items[].sku`); lines only where the file is the same."""
    inner: TypeNode = type_node.type if isinstance(type_node, NonNullTypeNode) else type_node
    if isinstance(inner, ListTypeNode):
        return _input_fields(inner.type, path + "[]", file, declared, depth, expanding)
    entry = declared.get(_named(type_node))
    if entry is None or entry.kind != "input" or entry.name in expanding or depth > MAX_INPUT_DEPTH:
        return []
    fields: list[Field] = []
    for source, definition in entry.parts:
        for value in getattr(definition, "fields", None) or ():
            child = f"{path}.{value.name.value}"
            fields.append(_value_field(child, value, _line(value) if source is file else None))
            fields.extend(_input_fields(value.type, child, file, declared, depth + 1, expanding | {entry.name}))
    return fields


# --- types -----------------------------------------------------------------------------


def _schema(entry: _Declared) -> Item:
    origins: list[Origin] = []
    fields: dict[str, Field] = {}
    interfaces: dict[str, None] = {}
    members: dict[str, None] = {}
    description: str | None = None
    # the definition first, then the `extend`s: its fields and description lead, wherever the files sort
    for file, definition in sorted(entry.parts, key=lambda part: "Extension" in type(part[1]).__name__):
        origins.append(_origin(file, definition))
        description = description or _text(definition)
        interfaces.update(dict.fromkeys(i.name.value for i in getattr(definition, "interfaces", None) or ()))
        members.update(dict.fromkeys(t.name.value for t in getattr(definition, "types", None) or ()))
        for value in getattr(definition, "fields", None) or ():
            fields.setdefault(value.name.value, _value_field(value.name.value, value, _line(value)))
        for symbol in getattr(definition, "values", None) or ():
            fields.setdefault(symbol.name.value, Field(symbol.name.value, line=_line(symbol), description=_described(symbol)))
    facts = (("kind", entry.kind), ("implements", ", ".join(interfaces)), ("members", " | ".join(members)),
             ("symbols", ", ".join(fields) if entry.kind == "enum" else ""))
    return Item("schema", entry.name, tuple(origins), tuple(fields.values()),
                facts=tuple((k, v) for k, v in facts if v), description=description)
