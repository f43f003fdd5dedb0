"""Java classes as the JPA reader needs them: annotations, fields, getters, constants, nesting.

This is the parsed shape (what the source says), kept apart from the mapping to tables
(`orm_jpa`): annotation values stay as written — a `Symbol` for `InheritanceType.JOINED`
or a constant, a `Concat` for `"sales_" + SUFFIX` — and are resolved where their meaning
is known.
"""

from __future__ import annotations

from typing import TypeAlias

import tree_sitter as ts
from attrs import field, frozen

from flowscan.catalog.readers.orm_source import Source, line, text
from flowscan.languages import adapter


@frozen
class Symbol:
    """A name in an annotation value: an enum constant (`InheritanceType.JOINED`) or a constant."""

    name: str

    @property
    def last(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@frozen
class ClassRef:
    """`Tag.class`."""

    name: str


@frozen
class Concat:
    """`"sales_" + SUFFIX`: parts joined when every part resolves to text."""

    parts: tuple[Value, ...]


@frozen
class Annotation:
    """`@Column(name = "total", nullable = false)`; the single-element form is the argument `value`."""

    name: str
    arguments: tuple[tuple[str, Value], ...] = ()
    line: int = 1
    #: the name without its package, as models are matched (`Column` for `jakarta.persistence.Column`)
    simple: str = field(init=False, eq=False, repr=False)

    @simple.default
    def _simple(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def get(self, key: str) -> Value:
        return next((value for name, value in self.arguments if name == key), None)

    def has(self, key: str) -> bool:
        return any(name == key for name, _ in self.arguments)


Value: TypeAlias = str | int | float | bool | Symbol | ClassRef | Concat | Annotation | tuple["Value", ...] | None


@frozen
class JavaType:
    """`List<Tag>` is JavaType("List", (JavaType("Tag"),)); `byte[]` has one dimension."""

    name: str
    arguments: tuple[JavaType, ...] = ()
    dimensions: int = 0
    primitive: bool = False

    @property
    def simple(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@frozen
class Attribute:
    """A field (or, under property access, a getter) that may map to columns."""

    name: str
    type: JavaType
    annotations: tuple[Annotation, ...]
    line: int
    static: bool = False
    transient: bool = False
    doc: str | None = None
    _by_name: dict[str, Annotation] = field(init=False, eq=False, repr=False)

    @_by_name.default
    def _index(self) -> dict[str, Annotation]:
        return _by_simple_name(self.annotations)

    def annotation(self, *names: str) -> Annotation | None:
        """The first of `names` the attribute carries (asked about often while mapping: indexed)."""
        for name in names:
            found = self._by_name.get(name)
            if found is not None:
                return found
        return None

    def has(self, *names: str) -> bool:
        return any(name in self._by_name for name in names)


@frozen(eq=False)
class Scope:
    """What a file's names mean: its package and imports."""

    path: str
    package: str
    #: simple name → qualified name, from single-type imports
    imports: dict[str, str]
    #: packages imported with `.*`
    wildcards: tuple[str, ...]


@frozen(eq=False)
class JavaClass:
    name: str
    qualified: str
    #: class, enum, interface, record
    kind: str
    annotations: tuple[Annotation, ...]
    line: int
    scope: Scope
    superclass: JavaType | None = None
    type_parameters: tuple[str, ...] = ()
    fields: tuple[Attribute, ...] = ()
    getters: tuple[Attribute, ...] = ()
    #: `static final` fields with a literal value, for annotation values that name them
    constants: dict[str, Value] = field(factory=dict)
    #: qualified name of the enclosing class, for nested classes
    outer: str | None = None
    doc: str | None = None

    def annotation(self, *names: str) -> Annotation | None:
        return next((a for a in self.annotations if a.simple in names), None)

    def has(self, *names: str) -> bool:
        return self.annotation(*names) is not None


def _by_simple_name(annotations: tuple[Annotation, ...]) -> dict[str, Annotation]:
    index: dict[str, Annotation] = {}
    for annotation in annotations:
        index.setdefault(annotation.simple, annotation)
    return index


def read_classes(source: Source) -> list[JavaClass]:
    """Every class, enum, interface and record the file declares, nested ones included."""
    root = source.tree.root_node
    scope = _scope(root, source.path)
    found: list[JavaClass] = []
    for node in root.named_children:
        _read_declaration(node, scope, None, found)
    return found


def _scope(root: ts.Node, path: str) -> Scope:
    package = ""
    imports: dict[str, str] = {}
    wildcards: list[str] = []
    for node in root.named_children:
        if node.type == "package_declaration":
            name = next((c for c in node.named_children if c.type in ("identifier", "scoped_identifier")), None)
            package = text(name)
        elif node.type == "import_declaration" and not node.has_error:
            name = next((c for c in node.named_children if c.type in ("identifier", "scoped_identifier")), None)
            if name is None or any(c.type == "static" for c in node.children):
                continue  # static imports bind members, not types
            if any(c.type == "asterisk" for c in node.children):
                wildcards.append(text(name))
            else:
                imports[text(name).rsplit(".", 1)[-1]] = text(name)
    return Scope(path, package, imports, tuple(wildcards))


_DECLARATIONS = {"class_declaration": "class", "enum_declaration": "enum",
                 "interface_declaration": "interface", "record_declaration": "record"}


def _read_declaration(node: ts.Node, scope: Scope, outer: JavaClass | None, found: list[JavaClass]) -> None:
    kind = _DECLARATIONS.get(node.type)
    name_node = node.child_by_field_name("name")
    if kind is None or name_node is None:
        return
    name = text(name_node)
    prefix = outer.qualified if outer is not None else scope.package
    qualified = f"{prefix}.{name}" if prefix else name
    body = node.child_by_field_name("body")
    members = body.named_children if body is not None else []
    fields = _record_components(node) if kind == "record" else _fields(members)
    cls = JavaClass(
        name=name, qualified=qualified, kind=kind, annotations=annotations(_modifiers(node)),
        line=line(name_node), scope=scope, superclass=_superclass(node),
        type_parameters=_type_parameters(node), fields=tuple(fields), getters=tuple(_getters(members)),
        constants=_constants(members), outer=outer.qualified if outer is not None else None, doc=doc_comment(node),
    )
    found.append(cls)
    for member in members:
        _read_declaration(member, scope, cls, found)
    if body is not None and body.type == "enum_body":
        # an enum's own members sit after its constants, in an enum_body_declarations node
        for part in body.named_children:
            if part.type == "enum_body_declarations":
                for member in part.named_children:
                    _read_declaration(member, scope, cls, found)


def _modifiers(node: ts.Node) -> ts.Node | None:
    return next((c for c in node.children if c.type == "modifiers"), None)


def _keywords(modifiers: ts.Node | None) -> set[str]:
    return {c.type for c in modifiers.children if not c.is_named} if modifiers is not None else set()


def annotations(modifiers: ts.Node | None) -> tuple[Annotation, ...]:
    if modifiers is None:
        return ()
    return tuple(_annotation(c) for c in modifiers.named_children if c.type in ("annotation", "marker_annotation"))


def _annotation(node: ts.Node) -> Annotation:
    name = text(node.child_by_field_name("name"))
    arguments_node = node.child_by_field_name("arguments")
    arguments: list[tuple[str, Value]] = []
    if arguments_node is not None:
        for child in arguments_node.named_children:
            if child.type == "element_value_pair":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                arguments.append((text(key), _value(value)))
            elif child.type not in ("line_comment", "block_comment"):
                arguments.append(("value", _value(child)))
    return Annotation(name, tuple(arguments), line(node))


def _value(node: ts.Node | None) -> Value:
    if node is None:
        return None
    kind = node.type
    if kind == "string_literal":
        return adapter("java").string_value(node)
    if kind in ("true", "false"):
        return kind == "true"
    if kind in ("decimal_integer_literal", "hex_integer_literal", "octal_integer_literal"):
        return _integer(text(node))
    if kind in ("identifier", "field_access", "scoped_identifier"):
        return Symbol(text(node).replace(" ", ""))
    if kind == "class_literal":
        return ClassRef(text(node.named_children[0]) if node.named_children else "")
    if kind in ("annotation", "marker_annotation"):
        return _annotation(node)
    if kind == "element_value_array_initializer":
        return tuple(_value(c) for c in node.named_children if c.type not in ("line_comment", "block_comment"))
    if kind == "parenthesized_expression" and node.named_children:
        return _value(node.named_children[0])
    if kind == "binary_expression" and text(node.child_by_field_name("operator")) == "+":
        return Concat((_value(node.child_by_field_name("left")), _value(node.child_by_field_name("right"))))
    if kind == "unary_expression" and text(node.child_by_field_name("operator")) == "-":
        inner = _value(node.child_by_field_name("operand"))
        return -inner if isinstance(inner, int) and not isinstance(inner, bool) else None
    return None


def _integer(literal: str) -> int | None:
    try:
        return int(literal.rstrip("lL").replace("_", ""), 0)
    except ValueError:
        return None


def java_type(node: ts.Node | None) -> JavaType:
    if node is None:
        return JavaType("?")
    kind = node.type
    if kind in ("integral_type", "floating_point_type", "boolean_type"):
        return JavaType(text(node), primitive=True)
    if kind == "array_type":
        element = java_type(node.child_by_field_name("element"))
        dimensions = text(node.child_by_field_name("dimensions")).count("[")
        return JavaType(element.name, element.arguments, element.dimensions + max(dimensions, 1), element.primitive)
    if kind == "generic_type":
        parts = [c for c in node.named_children if c.type in ("type_identifier", "scoped_type_identifier")]
        arguments = next((c for c in node.named_children if c.type == "type_arguments"), None)
        return JavaType(_type_name(parts[0]) if parts else "?",
                        tuple(_type_argument(c) for c in arguments.named_children) if arguments is not None else ())
    if kind == "annotated_type" and node.named_children:
        return java_type(node.named_children[-1])
    return JavaType(_type_name(node))


def _type_argument(node: ts.Node) -> JavaType:
    if node.type == "wildcard":  # `? extends Tag` stands for Tag
        bound = [c for c in node.named_children if c.type not in ("annotation", "marker_annotation")]
        return java_type(bound[-1]) if bound else JavaType("Object")
    return java_type(node)


def _type_name(node: ts.Node) -> str:
    if node.type == "scoped_type_identifier":
        return ".".join(text(c) for c in _type_name_parts(node))
    return text(node)


def _type_name_parts(node: ts.Node) -> list[ts.Node]:
    """`java.util.@NonNull List`: the identifiers of a scoped type name, annotations left out."""
    parts: list[ts.Node] = []
    for child in node.named_children:
        if child.type == "scoped_type_identifier":
            parts.extend(_type_name_parts(child))
        elif child.type == "type_identifier":
            parts.append(child)
    return parts


def _superclass(node: ts.Node) -> JavaType | None:
    superclass = node.child_by_field_name("superclass")
    if superclass is None or not superclass.named_children:
        return None
    return java_type(superclass.named_children[-1])


def _type_parameters(node: ts.Node) -> tuple[str, ...]:
    parameters = node.child_by_field_name("type_parameters")
    if parameters is None:
        return ()
    names = []
    for parameter in parameters.named_children:
        name = next((c for c in parameter.named_children if c.type in ("type_identifier", "identifier")), None)
        if name is not None:
            names.append(text(name))
    return tuple(names)


def _fields(members: list[ts.Node]) -> list[Attribute]:
    found: list[Attribute] = []
    for member in members:
        if member.type != "field_declaration":
            continue
        modifiers = _modifiers(member)
        keywords = _keywords(modifiers)
        type_ = java_type(member.child_by_field_name("type"))
        marks = annotations(modifiers)
        doc = doc_comment(member)
        for declarator in member.children_by_field_name("declarator"):
            name = declarator.child_by_field_name("name")
            if name is None:
                continue
            dimensions = text(declarator.child_by_field_name("dimensions")).count("[")  # `byte data[]`
            declared = JavaType(type_.name, type_.arguments, type_.dimensions + dimensions, type_.primitive)
            found.append(Attribute(text(name), declared, marks, line(name), "static" in keywords,
                                   "transient" in keywords, doc))
    return found


def _record_components(node: ts.Node) -> list[Attribute]:
    parameters = node.child_by_field_name("parameters")
    found: list[Attribute] = []
    for parameter in parameters.named_children if parameters is not None else []:
        name = parameter.child_by_field_name("name")
        if parameter.type == "formal_parameter" and name is not None:
            found.append(Attribute(text(name), java_type(parameter.child_by_field_name("type")),
                                   annotations(_modifiers(parameter)), line(name)))
    return found


def _getters(members: list[ts.Node]) -> list[Attribute]:
    """`getTotal()` / `isActive()` as attributes `total` / `active`, for entities mapped by property access."""
    found: list[Attribute] = []
    for member in members:
        if member.type != "method_declaration":
            continue
        name_node = member.child_by_field_name("name")
        parameters = member.child_by_field_name("parameters")
        type_node = member.child_by_field_name("type")
        if name_node is None or type_node is None or type_node.type == "void_type":
            continue
        if parameters is not None and parameters.named_children:
            continue
        property_name = _property_name(text(name_node), type_node.type == "boolean_type")
        if property_name is None:
            continue
        modifiers = _modifiers(member)
        found.append(Attribute(property_name, java_type(type_node), annotations(modifiers), line(name_node),
                               "static" in _keywords(modifiers), False, doc_comment(member)))
    return found


def _property_name(method: str, boolean: bool) -> str | None:
    for prefix in ("get", "is") if boolean else ("get",):
        rest = method[len(prefix):]
        if method.startswith(prefix) and rest[:1].isupper():
            # java.beans.Introspector.decapitalize: `getURL` stays `URL`
            return rest if rest[1:2].isupper() else rest[0].lower() + rest[1:]
    return None


def _constants(members: list[ts.Node]) -> dict[str, Value]:
    constants: dict[str, Value] = {}
    for member in members:
        if member.type not in ("field_declaration", "constant_declaration"):
            continue
        keywords = _keywords(_modifiers(member))
        if member.type == "field_declaration" and not {"static", "final"} <= keywords:
            continue
        for declarator in member.children_by_field_name("declarator"):
            name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
            if name is not None and value is not None:
                constants[text(name)] = _value(value)
    return constants


def doc_comment(node: ts.Node) -> str | None:
    """The first paragraph of the Javadoc right before a declaration."""
    previous = node.prev_named_sibling
    if previous is None or previous.type != "block_comment" or not text(previous).startswith("/**"):
        return None
    lines = [part.strip().lstrip("*").strip() for part in text(previous)[3:-2].splitlines()]
    paragraph: list[str] = []
    for part in lines:
        if part.startswith("@"):
            break  # @param, @see: not a description
        if not part and paragraph:
            break
        if part:
            paragraph.append(part)
    return " ".join(paragraph) or None
