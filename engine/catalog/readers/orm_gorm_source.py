"""Go files as the gorm reader needs them: structs and their tags, TableName methods, AutoMigrate calls.

The parsed shape only (what the source says); `orm_gorm` decides what is a model and
how gorm names and relates it.
"""

from __future__ import annotations

import tree_sitter as ts
from attrs import field, frozen

from flowscan.catalog.readers.orm_source import Source, line, text
from flowscan.languages import adapter
from flowscan.languages.go import package_name

#: import paths of gorm (v2, v1) and of its schema package
GORM_PATHS = ("gorm.io/gorm", "github.com/jinzhu/gorm")
SCHEMA_PATHS = ("gorm.io/gorm/schema",)


@frozen
class GoType:
    """A field's type: `name` is the named type (`string`, `time.Time`, `Customer`), of the element for slices."""

    name: str
    pointer: bool = False
    #: `[]T` / `[N]T`; `element_pointer` for `[]*T`
    slice: bool = False
    element_pointer: bool = False
    #: a map, a func, a channel, an interface or an inline struct: never a column by itself
    other: bool = False

    @property
    def package(self) -> str | None:
        return self.name.split(".", 1)[0] if "." in self.name else None

    @property
    def simple(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@frozen
class GoField:
    #: None for an embedded (anonymous) field
    name: str | None
    type: GoType
    #: the struct tag as written, without its quotes
    tag: str
    line: int
    doc: str | None = None


@frozen(eq=False)
class GoStruct:
    name: str
    fields: tuple[GoField, ...]
    line: int
    unit: Unit
    doc: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.unit.package}.{self.name}" if self.unit.package else self.name


@frozen
class TableNameMethod:
    """`func (Order) TableName() string { return "orders" }`; `value` None when the name is computed."""

    value: str | None
    line: int


@frozen
class Migrated:
    """A type named in `db.AutoMigrate(&models.Order{})`: `package` is the qualifier as written."""

    package: str | None
    name: str
    line: int
    column: int


@frozen
class Naming:
    """`schema.NamingStrategy{TablePrefix: "app_", SingularTable: true}` given to gorm.Open."""

    table_prefix: str = ""
    singular: bool = False
    line: int = 1


@frozen(eq=False)
class Unit:
    """One Go file: its package (by name and folder), imports, and what the reader looks for."""

    source: Source
    package: str
    directory: str
    #: local name → import path
    imports: dict[str, str]
    structs: list[GoStruct] = field(factory=list)
    #: named non-struct types (`type Status string`) → underlying type
    aliases: dict[str, GoType] = field(factory=dict)
    table_names: dict[str, TableNameMethod] = field(factory=dict)
    #: receiver type → method names (a type with Scan/Value is a column, not a relation)
    methods: dict[str, set[str]] = field(factory=dict)
    constants: dict[str, ts.Node] = field(factory=dict)
    migrated: list[Migrated] = field(factory=list)
    naming: list[Naming] = field(factory=list)
    #: lines that set gorm v1's `gorm.DefaultTableNameHandler`, which renames tables at run time
    name_handlers: list[int] = field(factory=list)

    @property
    def path(self) -> str:
        return self.source.path

    def import_path(self, qualifier: str) -> str | None:
        return self.imports.get(qualifier)

    def package_of(self, qualifier: str) -> str:
        """The package name a qualifier stands for (`decimal` for github.com/shopspring/decimal)."""
        path = self.imports.get(qualifier)
        return package_name(path) if path else qualifier

    def is_gorm(self, qualifier: str | None) -> bool:
        return qualifier is not None and self.imports.get(qualifier) in GORM_PATHS


def read_unit(source: Source) -> Unit:
    root = source.tree.root_node
    package = next((text(c.named_children[0]) for c in root.named_children
                    if c.type == "package_clause" and c.named_children), "")
    directory = source.path.rsplit("/", 1)[0] if "/" in source.path else ""
    imports = {name: path[0] for name, path in adapter("go").imports(root).items()}
    unit = Unit(source, package, directory, imports)
    for node in root.named_children:
        if node.type == "type_declaration":
            _read_types(node, unit)
        elif node.type == "method_declaration":
            _read_method(node, unit)
        elif node.type == "const_declaration":
            _read_constants(node, unit)
    _read_calls(root, unit)
    return unit


def _read_types(declaration: ts.Node, unit: Unit) -> None:
    for spec in declaration.named_children:
        if spec.type != "type_spec":
            continue
        name, type_node = spec.child_by_field_name("name"), spec.child_by_field_name("type")
        if name is None or type_node is None:
            continue
        if type_node.type == "struct_type":
            doc = _doc(spec) or _doc(declaration)
            unit.structs.append(GoStruct(text(name), tuple(_fields(type_node)), line(name), unit, doc))
        else:
            unit.aliases[text(name)] = go_type(type_node)


def _fields(struct: ts.Node) -> list[GoField]:
    found: list[GoField] = []
    body = next((c for c in struct.named_children if c.type == "field_declaration_list"), None)
    for declaration in body.named_children if body is not None else []:
        if declaration.type != "field_declaration":
            continue
        type_node = declaration.child_by_field_name("type")
        tag_node = declaration.child_by_field_name("tag")
        tag = adapter("go").string_value(tag_node) if tag_node is not None else ""
        type_ = go_type(type_node)
        names = declaration.children_by_field_name("name")
        doc = _doc(declaration)
        if not names:  # embedded: `gorm.Model`, `*Base`
            found.append(GoField(None, type_, tag or "", line(declaration), doc))
        for name in names:
            found.append(GoField(text(name), type_, tag or "", line(name), doc))
    return found


def go_type(node: ts.Node | None) -> GoType:
    if node is None:
        return GoType("?", other=True)
    kind = node.type
    if kind in ("type_identifier", "qualified_type"):
        return GoType(text(node).replace(" ", ""))
    if kind == "generic_type":  # `sql.Null[string]`: the generic's name
        base = node.child_by_field_name("type")
        return GoType(text(base).replace(" ", "") if base is not None else "?")
    if kind == "pointer_type" and node.named_children:
        inner = go_type(node.named_children[0])
        return GoType(inner.name, True, inner.slice, inner.element_pointer, inner.other)
    if kind in ("slice_type", "array_type"):
        element = go_type(node.child_by_field_name("element"))
        return GoType(element.name, slice=True, element_pointer=element.pointer, other=element.other or element.slice)
    if kind == "parenthesized_type" and node.named_children:
        return go_type(node.named_children[0])
    return GoType(text(node), other=True)


def _doc(node: ts.Node) -> str | None:
    """`// ...` lines right above a declaration, or a comment after it on the same line."""
    lines: list[str] = []
    previous = node.prev_named_sibling
    expected_row = node.start_point.row - 1
    while previous is not None and previous.type == "comment" and previous.end_point.row == expected_row:
        lines.insert(0, text(previous))
        expected_row = previous.start_point.row - 1
        previous = previous.prev_named_sibling
    if not lines:
        following = node.next_named_sibling
        if following is not None and following.type == "comment" and following.start_point.row == node.end_point.row:
            lines = [text(following)]
    cleaned = [part.removeprefix("//").strip() for part in lines if part.startswith("//")]
    return " ".join(c for c in cleaned if c) or None


def _read_method(node: ts.Node, unit: Unit) -> None:
    receiver = node.child_by_field_name("receiver")
    name = node.child_by_field_name("name")
    if receiver is None or name is None or not receiver.named_children:
        return
    type_ = go_type(receiver.named_children[0].child_by_field_name("type"))
    unit.methods.setdefault(type_.name, set()).add(text(name))
    if text(name) == "TableName":
        unit.table_names[type_.name] = TableNameMethod(_returned_string(node, unit), line(name))


def _returned_string(method: ts.Node, unit: Unit) -> str | None:
    """The string a TableName method returns, when it is one literal expression of strings and constants."""
    body = method.child_by_field_name("body")
    statements = [s for s in _statements(body) if s.type != "comment"]
    if len(statements) != 1 or statements[0].type != "return_statement" or not statements[0].named_children:
        return None
    values = statements[0].named_children[0]
    return string_value(values.named_children[0] if values.type == "expression_list" else values, unit)


def _statements(body: ts.Node | None) -> list[ts.Node]:
    if body is None:
        return []
    inner = next((c for c in body.named_children if c.type == "statement_list"), None)
    return (inner or body).named_children


def string_value(node: ts.Node | None, unit: Unit, depth: int = 0) -> str | None:
    """A string expression's value: literals, `+`, and the file's package-level string constants."""
    if node is None or depth > 8:
        return None
    if node.type in ("interpreted_string_literal", "raw_string_literal"):
        value = adapter("go").string_value(node)
        return _unescape(value) if value is not None and node.type == "interpreted_string_literal" else value
    if node.type == "binary_expression" and text(node.child_by_field_name("operator")) == "+":
        left = string_value(node.child_by_field_name("left"), unit, depth + 1)
        right = string_value(node.child_by_field_name("right"), unit, depth + 1)
        return left + right if left is not None and right is not None else None
    if node.type == "identifier" and text(node) in unit.constants:
        return string_value(unit.constants[text(node)], unit, depth + 1)
    if node.type == "parenthesized_expression" and node.named_children:
        return string_value(node.named_children[0], unit, depth + 1)
    return None


def _unescape(value: str) -> str:
    return value.replace('\\"', '"').replace("\\\\", "\\")


def _read_constants(declaration: ts.Node, unit: Unit) -> None:
    for spec in declaration.named_children:
        if spec.type != "const_spec":
            continue
        names = spec.children_by_field_name("name")
        values = spec.child_by_field_name("value")
        expressions = values.named_children if values is not None and values.type == "expression_list" else (
            [values] if values is not None else [])
        for name, value in zip(names, expressions, strict=False):
            unit.constants[text(name)] = value


_MIGRATIONS = frozenset({"AutoMigrate", "CreateTable"})


def _read_calls(root: ts.Node, unit: Unit) -> None:
    """AutoMigrate / CreateTable arguments and naming settings, anywhere in the file."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "call_expression":
            _read_call(node, unit)
        elif node.type == "composite_literal":
            _read_naming(node, unit)
        elif node.type == "assignment_statement":
            _read_handler(node, unit)
        stack.extend(reversed(node.named_children))


def _read_handler(assignment: ts.Node, unit: Unit) -> None:
    left = assignment.child_by_field_name("left")
    for target in left.named_children if left is not None else []:
        operand, field_ = target.child_by_field_name("operand"), target.child_by_field_name("field")
        if target.type == "selector_expression" and text(field_) == "DefaultTableNameHandler" and (
                unit.is_gorm(text(operand))):
            unit.name_handlers.append(line(assignment))


def _read_call(call: ts.Node, unit: Unit) -> None:
    function = call.child_by_field_name("function")
    arguments = call.child_by_field_name("arguments")
    if function is None or arguments is None or function.type != "selector_expression":
        return
    method = text(function.child_by_field_name("field"))
    if method in _MIGRATIONS:
        for argument in arguments.named_children:
            migrated = _migrated_type(argument)
            if migrated is not None:
                package, name = migrated.package, migrated.simple
                unit.migrated.append(Migrated(package, name, line(argument), argument.start_point.column + 1))
    elif method == "SingularTable" and any(a.type == "true" for a in arguments.named_children):
        unit.naming.append(Naming(singular=True, line=line(call)))  # gorm v1: db.SingularTable(true)


def _migrated_type(argument: ts.Node) -> GoType | None:
    """`&Order{}`, `Order{}`, `new(Order)`, `&models.Order{}` → the type."""
    node = argument
    if node.type == "unary_expression" and node.named_children:
        node = node.named_children[-1]
    if node.type == "composite_literal":
        type_node = node.child_by_field_name("type")
    elif node.type == "call_expression" and text(node.child_by_field_name("function")) == "new":
        arguments = node.child_by_field_name("arguments")
        type_node = arguments.named_children[0] if arguments is not None and arguments.named_children else None
    else:
        return None
    if type_node is None or type_node.type not in ("type_identifier", "qualified_type"):
        return None
    return go_type(type_node)


def _read_naming(literal: ts.Node, unit: Unit) -> None:
    type_node = literal.child_by_field_name("type")
    if type_node is None or type_node.type != "qualified_type":
        return
    package, name = type_node.child_by_field_name("package"), type_node.child_by_field_name("name")
    if text(name) != "NamingStrategy" or unit.import_path(text(package)) not in SCHEMA_PATHS:
        return
    prefix, singular = "", False
    body = literal.child_by_field_name("body")
    for element in body.named_children if body is not None else []:
        if element.type != "keyed_element" or len(element.named_children) < 2:
            continue
        key, value = element.named_children[0], element.named_children[-1]
        value = value.named_children[0] if value.type == "literal_element" and value.named_children else value
        if text(key) == "TablePrefix":
            prefix = string_value(value, unit) or ""
        elif text(key) == "SingularTable":
            singular = value.type == "true"
    unit.naming.append(Naming(prefix, singular, line(literal)))
