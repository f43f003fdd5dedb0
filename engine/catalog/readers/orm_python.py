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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache, lru_cache
from pathlib import PurePosixPath
from typing import TypeVar

import tree_sitter as ts
from attrs import define, evolve, field, frozen
from flowscan.catalog.files import MAX_TEXT_BYTES, CatalogFile, Unreadable
from flowscan.catalog.model import (
    Field,
    Index,
    Item,
    Origin,
    Part,
    Problem,
    Relationship,
    item_id,
)
from flowscan.catalog.readers import Reader
from flowscan.languages import adapter
from flowscan.redact import MASK, is_secret_name, redact

Name = tuple[str, ...]

# --- cheap pre-filter ------------------------------------------------------------------

#: a file none of these appear in declares no model, setting or table this reader reads
_MARKERS = re.compile(
    rb"sqlalchemy|sqlmodel|django|declarative|DeclarativeBase|mapped_column|Column\(|Table\(|\.Model\b"
    rb"|__tablename__|AppConfig|AUTH_USER_MODEL|DEFAULT_AUTO_FIELD"
)
#: how much of a file too large to read whole is searched for markers before reporting it
_PEEK_BYTES = 65_536

# --- bounds on what one expression may cost --------------------------------------------

_TEXT_LIMIT = 200  # characters of source kept per expression
_DEPTH_LIMIT = 24  # nesting converted; deeper is kept as text
_ITEMS_LIMIT = 256  # elements of one list, call or dict converted
_TYPE_TEXT_LIMIT = 80  # a type recorded as written is cut here


# =======================================================================================
# Parsed model: what a file says, before anything is resolved
# =======================================================================================


@frozen
class Expr:
    """A Python expression, as much of it as models need.

    `kind` is one of: call, name, string, number, constant (True/False/None), list (list,
    tuple, set), dict, subscript (`Mapped[int]`), union (`str | None`), lambda, attribute
    (a name on something that is not a name), other.
    """

    kind: str
    line: int
    #: a name's segments; a call's callee; a subscript's value; an attribute's attribute
    name: Name = ()
    #: call positional arguments, list elements, subscript parameters, union members, lambda body
    args: tuple[Expr, ...] = ()
    #: call keyword arguments; dict entries (key: the string's value, else the key's source text)
    keywords: tuple[tuple[str, Expr], ...] = ()
    #: a string literal's value; a number's or constant's text
    value: str | None = None
    #: the source the expression was read from and its byte span: text is decoded only when asked,
    #: since most expressions of a model file are never shown
    source: bytes = field(default=b"", eq=False, repr=False)
    start: int = field(default=0, eq=False, repr=False)
    end: int = field(default=0, eq=False, repr=False)
    #: the text of an expression made here rather than read (an Annotated alias merged into its use)
    spelled: str | None = None

    @property
    def text(self) -> str:
        """Source text, at most `_TEXT_LIMIT` characters."""
        if self.spelled is not None:
            return self.spelled
        raw = self.source[self.start: min(self.end, self.start + _TEXT_LIMIT * 4)].decode("utf-8", "replace")
        return raw if len(raw) <= _TEXT_LIMIT else raw[: _TEXT_LIMIT - 1] + "…"

    @property
    def last(self) -> str:
        return self.name[-1] if self.name else ""

    def keyword(self, name: str) -> Expr | None:
        return next((value for key, value in self.keywords if key == name), None)

    def flag(self, name: str) -> bool | None:
        """A keyword given as a literal True/False; None when absent or not literal."""
        value = self.keyword(name)
        if value is None or value.kind != "constant" or value.value not in ("True", "False"):
            return None
        return value.value == "True"

    def is_call(self, *lasts: str) -> bool:
        return self.kind == "call" and self.last in lasts

    @property
    def strings(self) -> tuple[str, ...]:
        """A list of string literals (or one string) as values; other elements as text."""
        elements = self.args if self.kind == "list" else (self,)
        return tuple(e.value if e.kind == "string" and e.value is not None else e.text for e in elements)


@frozen
class Assignment:
    """`name[: annotation] = value` in a class body or at module level; `computed` for a
    `@declared_attr` function, whose `value` is what it returns."""

    target: str
    annotation: Expr | None
    value: Expr | None
    line: int
    column: int
    computed: bool = False


@frozen
class ClassDecl:
    name: str
    line: int
    column: int
    bases: tuple[Expr, ...] = ()
    #: class keywords: `metaclass=`, SQLModel's `table=True`
    keywords: tuple[tuple[str, Expr], ...] = ()
    decorators: tuple[Expr, ...] = ()
    body: tuple[Assignment, ...] = ()
    #: nested classes, e.g. Django's `Meta`
    inner: tuple[ClassDecl, ...] = ()
    docstring: str | None = None

    def attribute(self, name: str) -> Assignment | None:
        return next((a for a in self.body if a.target == name), None)

    def inner_class(self, name: str) -> ClassDecl | None:
        return next((c for c in self.inner if c.name == name), None)


@frozen
class TableCall:
    """A core `Table("orders", metadata, Column(...), ...)` call, and the variable it is bound to."""

    call: Expr
    variable: str | None
    column: int = 1


@frozen(eq=False)
class ModuleDecl:
    path: str
    #: dotted module name, from the packages (`__init__.py`) around the file
    module: str
    #: local name → qualified name, relative imports resolved
    imports: dict[str, Name]
    classes: tuple[ClassDecl, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    tables: tuple[TableCall, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def folder(self) -> str:
        return str(PurePosixPath(self.path).parent)


# =======================================================================================
# Step 1: a file → ModuleDecl
# =======================================================================================


@define
class _Piece:
    """What one parsed region of a file declared (a whole file when it parses cleanly)."""

    imports: list[tuple[str, Name]] = field(factory=list)
    classes: list[ClassDecl] = field(factory=list)
    assignments: list[Assignment] = field(factory=list)
    tables: list[TableCall] = field(factory=list)
    problems: list[Problem] = field(factory=list)


@frozen
class _Where:
    """Where a parsed piece sits in its file: tree rows and columns are shifted by these."""

    path: str
    module: str
    #: the text this piece's tree was parsed from (a whole file, or one statement of a broken region)
    source: bytes
    line_offset: int = 0
    column_offset: int = 0

    def line(self, node: ts.Node) -> int:
        return node.start_point.row + 1 + self.line_offset

    def column(self, node: ts.Node) -> int:
        return node.start_point.column + 1 + self.column_offset


def read_module(path: str, module: str, source: bytes) -> ModuleDecl:
    piece = _Piece()
    _read_region(source, _Where(path, module, source), piece, top=True)
    imports: dict[str, Name] = {}
    for local, qualified in piece.imports:
        imports.setdefault(local, qualified)
    return ModuleDecl(path, module, imports, tuple(piece.classes), tuple(piece.assignments), tuple(piece.tables),
                      tuple(piece.problems))


def _parse(source: bytes) -> ts.Node:
    return adapter("python").parse(source).root_node


def _read_region(source: bytes, where: _Where, piece: _Piece, top: bool) -> None:
    root = _parse(source)
    if not root.has_error:
        _read_statements(root.children, source, where, piece)
        return
    sound: list[ts.Node] = []
    broken: list[ts.Node] = []
    for child in root.children:
        (broken if child.has_error or child.type == "ERROR" else sound).append(child)
    _read_statements(sound, source, where, piece)
    for start, end, first_line in _merged_ranges(broken):
        _read_broken(root, source, (start, end, first_line), where, piece, top)


def _read_broken(root: ts.Node, source: bytes, span: tuple[int, int, int], where: _Where, piece: _Piece,
                 top: bool) -> None:
    """A region tree-sitter could not parse (bytes `start` to `end`, from row `first_line`): when it
    holds several statements, read each alone, so that one unclosed parenthesis costs its own
    statement, not the rest of the file."""
    start, end, first_line = span
    region = source[start:end]
    pieces = list(_statement_pieces(region))
    if top and len(pieces) > 1:
        for offset, text in pieces:
            _read_region(text, _Where(where.path, where.module, text, where.line_offset + first_line + offset,
                                      where.column_offset), piece, top=False)
        return
    # one statement: read what is sound in its own (recovered) tree
    nodes = list(_nodes_between(root, start, end))
    before = len(piece.classes)
    _read_statements(nodes, source, where, piece)
    if len(piece.classes) == before:
        _report_lost_classes(region, where.line_offset + first_line, where, piece)


def _nodes_between(root: ts.Node, start: int, end: int) -> Iterator[ts.Node]:
    for child in root.children:
        if child.start_byte >= start and child.end_byte <= end:
            yield child


def _merged_ranges(nodes: Sequence[ts.Node]) -> list[tuple[int, int, int]]:
    """(start byte, end byte, first row) of the regions the nodes cover, adjacent ones merged."""
    ranges: list[tuple[int, int, int]] = []
    for node in nodes:
        start = node.start_byte - node.start_point.column  # whole lines: the piece's indentation is its own
        if ranges and start <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], node.end_byte), ranges[-1][2])
        else:
            ranges.append((start, node.end_byte, node.start_point.row))
    return ranges


#: a statement starts at column 0 with a name, a keyword or `@` — but not `else:`/`except:` (they continue one),
#: and not right after a decorator (it decorates what follows)
_STATEMENT_START = re.compile(rb"(?m)^(?=[A-Za-z_@])(?!(?:else|elif|except|finally)\b)")


def _statement_pieces(region: bytes) -> Iterator[tuple[int, bytes]]:
    """(line offset, text) of each statement-sized part of a region."""
    starts = [m.start() for m in _STATEMENT_START.finditer(region) if not _after_decorator(region, m.start())]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    line = 0
    for begin, finish in zip(starts, [*starts[1:], len(region)]):
        text = region[begin:finish]
        yield line, text
        line += text.count(b"\n")  # counted piece by piece: a large broken file stays linear


def _after_decorator(region: bytes, start: int) -> bool:
    previous = region.rfind(b"\n", 0, max(start - 1, 0))
    return start > 0 and region[previous + 1: start].startswith(b"@")


_CLASS_LINE = re.compile(rb"(?m)^([ \t]*)class[ \t]+([A-Za-z_][A-Za-z0-9_]*)")


def _report_lost_classes(region: bytes, first_line: int, where: _Where, piece: _Piece) -> None:
    """Classes a syntax error left nothing readable of: said, not dropped."""
    line, counted = first_line + 1, 0
    for match in _CLASS_LINE.finditer(region):
        line += region.count(b"\n", counted, match.start())
        counted = match.start()
        column = len(match.group(1)) + 1 + where.column_offset
        name = match.group(2).decode("ascii")
        piece.problems.append(Problem(where.path, line, column,
                                      f"syntax error: class {name} could not be read, its table is not in the catalog"))


def _read_statements(nodes: Sequence[ts.Node], source: bytes, where: _Where, piece: _Piece,
                     outermost: bool = True) -> None:
    for node in nodes:
        if node.type in ("import_statement", "import_from_statement"):
            piece.imports.extend(_imports(node, _package(where), where.source))
        elif node.type in ("class_definition", "decorated_definition"):
            declared = _class_of(node, source, where)
            if declared is not None:
                piece.classes.append(declared)
        elif node.type == "expression_statement":
            assignment = _assignment(node, where, module_level=True)
            if assignment is not None:
                piece.assignments.append(assignment)
        elif node.type in ("if_statement", "try_statement", "with_statement"):
            # `try: from sqlalchemy.orm import DeclarativeBase / except ImportError: ...`, `if TYPE_CHECKING:`
            for block in _blocks(node):
                _read_statements(block.children, source, where, piece, outermost=False)
    if outermost:  # Table(...) calls may sit anywhere (module level, functions, a class's __table__)
        for node in nodes:
            piece.tables.extend(_table_calls(node, where))


def _blocks(node: ts.Node) -> Iterator[ts.Node]:
    for child in node.named_children:
        if child.type == "block":
            yield child
        elif child.type in ("else_clause", "elif_clause", "except_clause", "finally_clause"):
            yield from _blocks(child)


# --- imports ---------------------------------------------------------------------------


def _imports(node: ts.Node, package: str, source: bytes) -> Iterator[tuple[str, Name]]:
    if node.type == "import_statement":
        for item in node.named_children:
            if item.type == "aliased_import":
                name, alias = item.child_by_field_name("name"), item.child_by_field_name("alias")
                if name is not None and alias is not None:
                    yield _text(alias, source), tuple(_text(name, source).split("."))
            elif item.type == "dotted_name":
                first = _text(item, source).split(".")[0]
                yield first, (first,)
        return
    origin = node.child_by_field_name("module_name")
    if origin is None:
        return
    base = _absolute(_text(origin, source), package)
    if base is None:
        return
    for item in node.children_by_field_name("name"):
        if item.type == "aliased_import":
            name, alias = item.child_by_field_name("name"), item.child_by_field_name("alias")
            if name is not None and alias is not None:
                yield _text(alias, source), base + tuple(_text(name, source).split("."))
        elif item.type == "dotted_name":
            yield _text(item, source), base + tuple(_text(item, source).split("."))


def _package(where: _Where) -> str:
    """The package relative imports start from: the module's own for an `__init__.py`, else its parent's."""
    if where.path.endswith("__init__.py"):
        return where.module
    return where.module.rpartition(".")[0]


def _absolute(spelled: str, package: str) -> Name | None:
    """`..base` in package `shop.models` → `shop.base`."""
    dots = len(spelled) - len(spelled.lstrip("."))
    rest = tuple(p for p in spelled[dots:].split(".") if p)
    if dots == 0:
        return rest
    parts = package.split(".") if package else []
    if dots - 1 > len(parts):
        return None
    return tuple(parts[: len(parts) - (dots - 1)]) + rest


# --- classes and assignments -----------------------------------------------------------


def _class_of(node: ts.Node, source: bytes, where: _Where) -> ClassDecl | None:
    decorators: list[Expr] = []
    if node.type == "decorated_definition":
        decorators = [_expr(d.named_children[0], where) for d in node.named_children
                      if d.type == "decorator" and d.named_children]
        node = node.child_by_field_name("definition") or node
    if node.type != "class_definition":
        return None
    name = node.child_by_field_name("name")
    if name is None or name.is_missing:
        return None
    bases: list[Expr] = []
    keywords: list[tuple[str, Expr]] = []
    superclasses = node.child_by_field_name("superclasses")
    if superclasses is not None:
        bases, keywords = _arguments(superclasses, where, 0)
    body: list[Assignment] = []
    inner: list[ClassDecl] = []
    docstring: str | None = None
    block = node.child_by_field_name("body")
    if block is not None:
        docstring = _docstring(block)
        _read_body(block, source, where, body, inner)
    return ClassDecl(_text(name, source), where.line(node), where.column(node), tuple(bases), tuple(keywords),
                     tuple(decorators), tuple(body), tuple(inner), docstring)


def _read_body(block: ts.Node, source: bytes, where: _Where, body: list[Assignment], inner: list[ClassDecl]) -> None:
    broken: list[ts.Node] = []
    for statement in block.named_children:
        if statement.type == "ERROR" or (statement.has_error and statement.type != "expression_statement"):
            broken.append(statement)
        else:
            _body_statement(statement, source, where, body, inner)
    for start, end, first_line in _merged_ranges(broken):
        _read_broken_body(source, (start, end, first_line), where, body, inner)


def _body_statement(statement: ts.Node, source: bytes, where: _Where, body: list[Assignment],
                    inner: list[ClassDecl]) -> None:
    if statement.type == "expression_statement":
        assignment = _assignment(statement, where, module_level=False)
        if assignment is not None:
            body.append(assignment)
    elif statement.type in ("class_definition", "decorated_definition"):
        definition = statement.child_by_field_name("definition") if statement.type == "decorated_definition" else statement
        if definition is not None and definition.type == "function_definition":
            computed = _declared_attr(statement, definition, where)
            if computed is not None:
                body.append(computed)
            return
        nested = _class_of(statement, source, where)
        if nested is not None:
            inner.append(nested)
    elif statement.type == "ERROR":
        partial = _partial_assignment(statement, where)
        if partial is not None:
            body.append(partial)


def _read_broken_body(source: bytes, span: tuple[int, int, int], where: _Where, body: list[Assignment],
                      inner: list[ClassDecl]) -> None:
    """Statements of a class body swallowed by a syntax error: each one parsed alone, dedented."""
    start, end, first_line = span
    region = source[start:end]
    indent = len(region) - len(region.lstrip(b" \t"))
    prefix = region[:indent]
    pieces = re.split(rb"(?m)^(?=" + re.escape(prefix) + rb"[A-Za-z_@])", region)
    line = 0
    for text in pieces:
        if not text:
            continue
        dedented = b"\n".join(l[indent:] if l.startswith(prefix) else l for l in text.split(b"\n"))
        inner_where = _Where(where.path, where.module, dedented, where.line_offset + first_line + line,
                             where.column_offset + indent)
        root = _parse(dedented)
        for statement in root.named_children:
            _body_statement(statement, dedented, inner_where, body, inner)
        line += text.count(b"\n")


def _docstring(block: ts.Node) -> str | None:
    first = block.named_children[0] if block.named_children else None
    if first is None or first.type != "expression_statement" or not first.named_children:
        return None
    string = first.named_children[0]
    if string.type != "string":
        return None
    value = adapter("python").string_value(string)
    if not value:
        return None
    # the first paragraph: what the class is, not how to use it
    paragraph = value.strip().split("\n\n")[0]
    return _redact(" ".join(line.strip() for line in paragraph.splitlines()))[:500] or None


def _assignment(statement: ts.Node, where: _Where, module_level: bool) -> Assignment | None:
    node = statement.named_children[0] if statement.named_children else None
    if node is None or node.type != "assignment":
        return None
    left = node.child_by_field_name("left")
    if left is None or left.type != "identifier":
        return None
    right = node.child_by_field_name("right")
    while right is not None and right.type == "assignment":  # `a = b = Column(...)`
        right = right.child_by_field_name("right")
    if module_level and right is not None and right.type not in ("call", "subscript", "string", "generic_type"):
        return None  # module-level data (big dicts, lists) says nothing this reader needs
    annotation = node.child_by_field_name("type")
    return Assignment(
        _text(left, where.source),
        _expr(annotation, where) if annotation is not None else None,
        _expr(right, where) if right is not None else None,
        where.line(node),
        where.column(node),
    )


def _partial_assignment(error: ts.Node, where: _Where) -> Assignment | None:
    """`price = models.DecimalField(max_digits=10, decimal_places=2` (unclosed): the name, the
    callee and the arguments that parsed."""
    children = error.children
    if len(children) < 4 or children[0].type != "identifier" or children[1].type != "=":
        return None
    callee, paren = children[2], children[3]
    if callee.type not in ("identifier", "attribute") or paren.type != "(":
        return None
    name = _dotted(callee, where.source)
    if name is None:
        return None
    args: list[Expr] = []
    keywords: list[tuple[str, Expr]] = []
    for child in children[4:]:
        if child.has_error or not child.is_named:
            continue
        if child.type == "keyword_argument":
            key, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if key is not None and value is not None:
                keywords.append((_text(key, where.source), _expr(value, where)))
        else:
            args.append(_expr(child, where))
    call = Expr("call", where.line(callee), name, tuple(args), tuple(keywords), None, where.source, error.start_byte,
                error.end_byte)
    return Assignment(_text(children[0], where.source), None, call, where.line(error), where.column(error))


def _declared_attr(decorated: ts.Node, function: ts.Node, where: _Where) -> Assignment | None:
    """`@declared_attr def __tablename__(cls): return ...` — the one return it has, if it has one."""
    if decorated.type != "decorated_definition":
        return None
    if not any("declared_attr" in _text(d, where.source) for d in decorated.named_children if d.type == "decorator"):
        return None
    name = function.child_by_field_name("name")
    block = function.child_by_field_name("body")
    if name is None or block is None:
        return None
    returns = [s for s in block.named_children if s.type == "return_statement"]
    value = None
    if len(returns) == 1 and returns[0].named_children:
        value = _expr(returns[0].named_children[0], where)
    return Assignment(_text(name, where.source), None, value, where.line(function), where.column(function), computed=True)


# --- Table(...) calls ------------------------------------------------------------------


@cache
def _table_query() -> ts.Query:
    return ts.Query(adapter("python").language, '((identifier) @name (#eq? @name "Table"))')


def _table_calls(node: ts.Node, where: _Where) -> Iterator[TableCall]:
    if b"Table" not in (node.text or b""):
        return
    for name in ts.QueryCursor(_table_query()).captures(node).get("name", []):
        callee = name.parent if name.parent is not None and name.parent.type == "attribute" else name
        call = callee.parent
        if call is None or call.type != "call" or call.child_by_field_name("function") != callee:
            continue
        bound = call.parent
        variable = None
        if bound is not None and bound.type == "assignment":
            left = bound.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                variable = _text(left, where.source)
        yield TableCall(_expr(call, where), variable, where.column(call))


# --- expressions -----------------------------------------------------------------------


def _text(node: ts.Node, source: bytes) -> str:
    # sliced from the source rather than `node.text`, which copies and costs ten times as much
    return source[node.start_byte: node.end_byte].decode("utf-8", "replace")


def _dotted(node: ts.Node, source: bytes) -> Name | None:
    if node.type == "identifier":
        return (_text(node, source),)
    if node.type == "attribute":
        obj, attr = node.child_by_field_name("object"), node.child_by_field_name("attribute")
        if obj is None or attr is None:
            return None
        head = _dotted(obj, source)
        return head + (_text(attr, source),) if head is not None else None
    return None


def _arguments(node: ts.Node, where: _Where, depth: int) -> tuple[list[Expr], list[tuple[str, Expr]]]:
    args: list[Expr] = []
    keywords: list[tuple[str, Expr]] = []
    for child in node.named_children[:_ITEMS_LIMIT]:
        if child.type in ("comment", "ERROR", "list_splat", "dictionary_splat") or child.is_missing:
            continue
        if child.type == "keyword_argument":
            key, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if key is not None and value is not None and not value.is_missing:
                keywords.append((_text(key, where.source), _expr(value, where, depth + 1)))
        else:
            args.append(_expr(child, where, depth + 1))
    return args, keywords


_ELEMENTS = frozenset({"list", "tuple", "set", "expression_list", "pattern_list"})
_WRAPPERS = frozenset({"type", "parenthesized_expression"})


def _expr(node: ts.Node, where: _Where, depth: int = 0) -> Expr:
    kind = node.type
    if kind in _WRAPPERS and depth <= _DEPTH_LIMIT:
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) == 1:
            return _expr(inner[0], where, depth + 1)
    line = node.start_point.row + 1 + where.line_offset
    span = (where.source, node.start_byte, node.end_byte)
    if depth > _DEPTH_LIMIT:
        return Expr("other", line, (), (), (), None, *span)
    if kind == "identifier":
        return Expr("name", line, (_text(node, where.source),), (), (), None, *span)
    if kind == "attribute":
        name = _dotted(node, where.source)
        if name is not None:
            return Expr("name", line, name, (), (), None, *span)
        obj, attr = node.child_by_field_name("object"), node.child_by_field_name("attribute")
        args = (_expr(obj, where, depth + 1),) if obj is not None else ()
        return Expr("attribute", line, (_text(attr, where.source),) if attr is not None else (), args, (), None, *span)
    if kind == "call":
        return _call(node, where, depth, line, span)
    if kind == "string":
        value = _string_value(node, where.source)
        return Expr("string" if value is not None else "other", line, (), (), (), value, *span)
    if kind == "concatenated_string":
        parts = [_string_value(c, where.source) if c.type == "string" else None for c in node.named_children]
        if None in parts:
            return Expr("other", line, (), (), (), None, *span)
        return Expr("string", line, (), (), (), "".join(p for p in parts if p is not None), *span)
    if kind in ("integer", "float") or (kind == "unary_operator" and node.named_children
                                         and node.named_children[-1].type in ("integer", "float")):
        return Expr("number", line, (), (), (), _text(node, where.source), *span)
    if kind in ("true", "false", "none"):
        return Expr("constant", line, (), (), (), _text(node, where.source), *span)
    if kind in _ELEMENTS:
        elements = [c for c in node.named_children[:_ITEMS_LIMIT] if c.type not in ("comment", "ERROR")]
        return Expr("list", line, (), tuple(_expr(e, where, depth + 1) for e in elements), (), None, *span)
    if kind == "dictionary":
        return Expr("dict", line, (), (), tuple(_pairs(node, where, depth)), None, *span)
    if kind in ("subscript", "generic_type"):
        return _subscript(node, where, depth, line, span)
    if kind == "binary_operator":
        operator = node.child_by_field_name("operator")
        if operator is not None and operator.type == "|":
            return _union(node, where, depth, line, span)
    if kind == "lambda":
        body = node.child_by_field_name("body")
        return Expr("lambda", line, (), (_expr(body, where, depth + 1),) if body is not None else (), (), None, *span)
    return Expr("other", line, (), (), (), None, *span)


def _call(node: ts.Node, where: _Where, depth: int, line: int, span: tuple[bytes, int, int]) -> Expr:
    function = node.child_by_field_name("function")
    arguments = node.child_by_field_name("arguments")
    name = _dotted(function, where.source) if function is not None else None
    args: list[Expr] = []
    keywords: list[tuple[str, Expr]] = []
    if arguments is not None and arguments.type == "argument_list":
        args, keywords = _arguments(arguments, where, depth)
    elif arguments is not None:  # `f(x for x in y)`
        args = [_expr(arguments, where, depth + 1)]
    if name is None and function is not None and function.type == "attribute":
        # `String(36).with_variant(...)`, `func.now().op(...)`: the method's name, on its receiver
        method = function.child_by_field_name("attribute")
        receiver = function.child_by_field_name("object")
        name = ("", _text(method, where.source)) if method is not None else ()
        if receiver is not None:
            args.insert(0, _expr(receiver, where, depth + 1))
    return Expr("call", line, name or (), tuple(args), tuple(keywords), None, *span)


def _string_value(node: ts.Node, source: bytes) -> str | None:
    """The characters between the quotes, as written (escapes left as they are); None for an
    f-string, whose value is not known."""
    start, end = node.child(0), node.child(node.child_count - 1)
    if start is None or end is None or start.type != "string_start" or end.type != "string_end":
        return None
    if b"f" in source[start.start_byte: start.end_byte].lower():
        return None
    return source[start.end_byte: end.start_byte].decode("utf-8", "replace")


def _union(node: ts.Node, where: _Where, depth: int, line: int, span: tuple[bytes, int, int]) -> Expr:
    members: list[Expr] = []
    for side in ("left", "right"):
        part = node.child_by_field_name(side)
        if part is not None:
            converted = _expr(part, where, depth + 1)
            members.extend(converted.args if converted.kind == "union" else (converted,))
    return Expr("union", line, (), tuple(members), (), None, *span)


def _pairs(node: ts.Node, where: _Where, depth: int) -> Iterator[tuple[str, Expr]]:
    for pair in node.named_children[:_ITEMS_LIMIT]:
        if pair.type != "pair":
            continue
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if key is None or value is None:
            continue
        key_expr = _expr(key, where, depth + 1)
        yield (key_expr.value if key_expr.kind == "string" and key_expr.value is not None else key_expr.text,
               _expr(value, where, depth + 1))


def _subscript(node: ts.Node, where: _Where, depth: int, line: int, span: tuple[bytes, int, int]) -> Expr:
    if node.type == "subscript":
        value = node.child_by_field_name("value")
        parameters = node.children_by_field_name("subscript")
    else:  # generic_type: `Mapped[int]` in an annotation
        value = node.named_children[0] if node.named_children else None
        parameter = next((c for c in node.named_children if c.type == "type_parameter"), None)
        parameters = [c for c in parameter.named_children if c.type != "comment"] if parameter is not None else []
    name = _dotted(value, where.source) if value is not None else None
    args = tuple(_expr(p, where, depth + 1) for p in parameters[:_ITEMS_LIMIT])
    return Expr("subscript", line, name or (), args, (), None, *span)


def _expr_from_string(text: str, line: int, path: str) -> Expr | None:
    """A string annotation (`"Mapped[int]"`) as the expression it spells."""
    if len(text) > _TEXT_LIMIT:
        return None
    root = _parse(text.encode("utf-8"))
    statement = root.named_children[0] if root.named_children else None
    if root.has_error or statement is None or statement.type != "expression_statement" or not statement.named_children:
        return None
    return _expr(statement.named_children[0], _Where(path, "", text.encode("utf-8"), line - 1))


# =======================================================================================
# Step 2: the project — names across files, ancestry
# =======================================================================================


@frozen(eq=False)
class ClassRef:
    """One class of the project (one object per class: identity is equality)."""

    module: ModuleDecl
    decl: ClassDecl

    @property
    def qualname(self) -> str:
        return f"{self.module.module}.{self.decl.name}"

    @property
    def name(self) -> str:
        return self.decl.name


@frozen(eq=False)
class VarRef:
    """A module-level assignment of the project (`Base = declarative_base()`)."""

    module: ModuleDecl
    assignment: Assignment


#: what a name resolves to: a class or variable of the project, or the qualified name of something outside it
Symbol = ClassRef | VarRef | Name


class Project:
    """All modules read, and what their names refer to.

    Two folders of one repository may hold the same module name (`shop.models` in two
    services): a name then refers to the one nearest the file that writes it."""

    def __init__(self, modules: Sequence[ModuleDecl]) -> None:
        self.modules = modules
        #: every class, in file order
        self.refs: list[ClassRef] = []
        self.classes: dict[tuple[str, str], list[ClassRef]] = {}
        self.by_name: dict[str, list[ClassRef]] = {}
        self.variables: dict[tuple[str, str], list[VarRef]] = {}
        self.variables_by_name: dict[str, list[VarRef]] = {}
        for module in modules:
            for decl in module.classes:
                ref = ClassRef(module, decl)
                self.refs.append(ref)
                self.classes.setdefault((module.module, decl.name), []).append(ref)
                self.by_name.setdefault(decl.name, []).append(ref)
            for assignment in module.assignments:
                var = VarRef(module, assignment)
                self.variables.setdefault((module.module, assignment.target), []).append(var)
                self.variables_by_name.setdefault(assignment.target, []).append(var)
        self._ancestors: dict[int, tuple[ClassRef, ...]] = {}
        self._bases: dict[int, tuple[Symbol, ...]] = {}
        self._resolved: dict[tuple[int, Name], Symbol] = {}

    # --- names ---

    def resolve(self, module: ModuleDecl, name: Name) -> Symbol:
        """What `name`, written in `module`, refers to."""
        key = (id(module), name)
        known = self._resolved.get(key)
        if known is None:
            known = self._resolved[key] = self._resolve(module, name)
        return known

    def _resolve(self, module: ModuleDecl, name: Name) -> Symbol:
        if not name:
            return name
        head = name[0]
        if len(name) == 1:
            local = _nearest(self.classes.get((module.module, head), ()), module, same_module=True) \
                or _nearest(self.variables.get((module.module, head), ()), module, same_module=True)
            if local is not None:
                return local
        if head in module.imports:
            qualified = module.imports[head] + name[1:]
            found = self.lookup(qualified, module)
            if found is not None:
                return found
            return qualified
        if len(name) == 1:
            candidates = self.by_name.get(head, [])
            if len(candidates) == 1:  # a star import, or a name from a module we did not see
                return candidates[0]
        return name

    def lookup(self, qualified: Name, near: ModuleDecl) -> ClassRef | VarRef | None:
        if len(qualified) < 2:
            return None
        key = (".".join(qualified[:-1]), qualified[-1])
        found = _nearest(self.classes.get(key, ()), near) or _nearest(self.variables.get(key, ()), near)
        if found is not None:
            return found
        # re-exported by a package's __init__ (`from shop.models import Order`, defined in shop/models/order.py)
        package = key[0] + "."
        nested = _nearest([r for r in self.by_name.get(key[1], []) if r.module.module.startswith(package)], near)
        if nested is not None:
            return nested
        return _nearest([v for v in self.variables_by_name.get(key[1], []) if v.module.module.startswith(package)],
                        near)

    def class_named(self, near: ModuleDecl, spelled: str) -> ClassRef | None:
        """A class named by a string (`"Customer"`, `"shop.models.Customer"`), as ORMs resolve them."""
        name = tuple(spelled.split("."))
        found = self.resolve(near, name)
        if isinstance(found, ClassRef):
            return found
        candidates = self.by_name.get(name[-1], [])
        same_module = [c for c in candidates if c.module is near]
        if same_module:
            return same_module[0]
        return candidates[0] if len(candidates) == 1 else None

    # --- ancestry ---

    def bases(self, ref: ClassRef) -> tuple[Symbol, ...]:
        known = self._bases.get(id(ref))
        if known is None:
            known = tuple(self.resolve(ref.module, base.name) for base in ref.decl.bases if base.kind == "name")
            self._bases[id(ref)] = known
        return known

    def ancestors(self, ref: ClassRef) -> tuple[ClassRef, ...]:
        """Project classes `ref` inherits from, in Python's method resolution order (C3): the order in
        which SQLAlchemy collects mixin columns and an attribute's nearest definition wins."""
        known = self._ancestors.get(id(ref))
        if known is not None:
            return known
        self._ancestors[id(ref)] = ()  # a cycle (a bad resolution) ends here
        parents = [p for base in self.bases(ref) for p in self._parents_of(base) if p is not ref]
        sequences = [[p, *self.ancestors(p)] for p in parents] + [parents]
        order = _c3_merge(sequences)
        if order is None:  # an inconsistent hierarchy Python itself would refuse: depth-first, once each
            order = []
            for candidate in (c for sequence in sequences[:-1] for c in sequence):
                if candidate not in order:
                    order.append(candidate)
        self._ancestors[id(ref)] = tuple(c for c in order if c is not ref)
        return self._ancestors[id(ref)]

    def _parents_of(self, base: Symbol) -> Iterator[ClassRef]:
        if isinstance(base, ClassRef):
            yield base
        elif isinstance(base, VarRef) and base.assignment.value is not None:
            # `Base = declarative_base(cls=ModelMixin)`: the mixin's columns reach every model
            mixin = base.assignment.value.keyword("cls")
            if mixin is not None and mixin.kind == "name":
                found = self.resolve(base.module, mixin.name)
                if isinstance(found, ClassRef):
                    yield found

    def inherited(self, ref: ClassRef, stop: Callable[[ClassRef], bool]) -> list[ClassRef]:
        """Ancestors, nearest first, but neither a class `stop` accepts nor what it inherits: the
        mixins and abstract bases whose columns a model copies (a mapped parent keeps its own)."""
        ancestors = self.ancestors(ref)
        stopped = [c for c in ancestors if stop(c)]
        behind = {id(c) for s in stopped for c in (s, *self.ancestors(s))}
        return [c for c in ancestors if id(c) not in behind]

    def lineage(self, ref: ClassRef) -> tuple[ClassRef, ...]:
        return (ref, *self.ancestors(ref))

    def outside_bases(self, ref: ClassRef) -> Iterator[tuple[ClassRef, Symbol]]:
        """Every base of the class and its ancestors that is not a project class: (whose, what)."""
        for cls in self.lineage(ref):
            for base in self.bases(cls):
                if not isinstance(base, ClassRef):
                    yield cls, base


_Ref = TypeVar("_Ref", ClassRef, VarRef)


def _nearest(candidates: Sequence[_Ref], near: ModuleDecl, same_module: bool = False) -> _Ref | None:
    """The candidate whose file shares the longest folder prefix with `near`'s (the same module when asked)."""
    if same_module:
        return next((c for c in candidates if c.module is near), None)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    here = PurePosixPath(near.path).parts
    return max(candidates, key=lambda c: _common_prefix(PurePosixPath(c.module.path).parts, here))


def _common_prefix(one: tuple[str, ...], other: tuple[str, ...]) -> int:
    count = 0
    for a, b in zip(one, other):
        if a != b:
            break
        count += 1
    return count


def _c3_merge(sequences: list[list[ClassRef]]) -> list[ClassRef] | None:
    """Python's C3 linearisation of the parents' orders; None when there is none."""
    sequences = [list(s) for s in sequences if s]
    order: list[ClassRef] = []
    while sequences:
        head = next((s[0] for s in sequences if not any(s[0] in other[1:] for other in sequences)), None)
        if head is None:
            return None
        order.append(head)
        sequences = [rest for rest in ([c for c in s if c is not head] for s in sequences) if rest]
    return order


# =======================================================================================
# Step 2a: SQLAlchemy
# =======================================================================================

#: SQLAlchemy type names → the SQL-ish type they stand for; parameters are added by `_sa_type`
_SA_TYPES = {
    "Integer": "integer", "INTEGER": "integer", "INT": "integer", "BigInteger": "bigint", "BIGINT": "bigint",
    "SmallInteger": "smallint", "SMALLINT": "smallint", "String": "varchar", "VARCHAR": "varchar",
    "Unicode": "varchar", "NVARCHAR": "nvarchar", "CHAR": "char", "NCHAR": "nchar", "Text": "text", "TEXT": "text",
    "UnicodeText": "text", "CLOB": "clob", "Numeric": "numeric", "NUMERIC": "numeric", "DECIMAL": "decimal",
    "Float": "float", "FLOAT": "float", "REAL": "real", "Double": "double precision", "DOUBLE": "double",
    "DOUBLE_PRECISION": "double precision", "Boolean": "boolean", "BOOLEAN": "boolean", "DateTime": "timestamp",
    "DATETIME": "datetime", "TIMESTAMP": "timestamp", "Date": "date", "DATE": "date", "Time": "time",
    "TIME": "time", "Interval": "interval", "INTERVAL": "interval", "LargeBinary": "blob", "BLOB": "blob",
    "BINARY": "binary", "VARBINARY": "varbinary", "BYTEA": "bytea", "PickleType": "blob", "JSON": "json",
    "JSONB": "jsonb", "UUID": "uuid", "Uuid": "uuid", "Enum": "enum", "ARRAY": "array", "INET": "inet",
    "CIDR": "cidr", "MACADDR": "macaddr", "HSTORE": "hstore", "TSVECTOR": "tsvector", "MONEY": "money",
    "CITEXT": "citext",
}
_SA_LENGTH_TYPES = frozenset({"varchar", "nvarchar", "char", "nchar", "binary", "varbinary"})
_SA_PRECISION_TYPES = frozenset({"numeric", "decimal"})

#: Python annotation types → SQL-ish type, as SQLAlchemy 2.0's default type map has them
_PY_TYPES = {
    "int": "integer", "str": "varchar", "float": "float", "bool": "boolean", "bytes": "blob",
    "datetime": "timestamp", "date": "date", "time": "time", "timedelta": "interval", "Decimal": "numeric",
    "UUID": "uuid",
}
#: annotation containers that hold related objects, not a column value
_COLLECTIONS = frozenset({"List", "list", "Set", "set", "Dict", "dict", "Sequence", "Collection", "FrozenSet",
                          "frozenset", "Iterable", "WriteOnlyMapped", "DynamicMapped"})
_NOT_A_TYPE = frozenset({"ForeignKey", "Sequence", "Identity", "Computed", "CheckConstraint", "FetchedValue",
                         "DefaultClause"})
_COLUMN_CALLS = frozenset({"Column", "mapped_column"})
_COLUMN_WRAPPERS = frozenset({"deferred", "column_property", "query_expression"})


@frozen
class _Column:
    """A column as a model or Table() declares it, before foreign keys are followed."""

    field: Field
    attribute: str
    #: the foreign key's target as written: `customers.id`, or a resolved `table.column`
    references: str | None
    #: the type is the referenced column's, once that is known
    inferred: bool = False


@define
class _Table:
    """A table being assembled from one or more classes (single-table inheritance) or a Table() call."""

    name: str
    origins: list[Origin] = field(factory=list)
    columns: list[_Column] = field(factory=list)
    indexes: list[Index] = field(factory=list)
    facts: list[tuple[str, str]] = field(factory=list)
    description: str | None = None
    #: relationships leaving this table, with the line they were declared on
    relations: list[Relationship] = field(factory=list)
    #: single-table inheritance: the subclasses that share the table
    subclasses: list[str] = field(factory=list)

    def add_column(self, column: _Column, replace: bool = True) -> None:
        """Add a column; one already there of that name is replaced, or kept when not `replace`."""
        for position, known in enumerate(self.columns):
            if known.field.name.lower() == column.field.name.lower():
                if replace:
                    self.columns[position] = column
                return
        self.columns.append(column)

    def add_index(self, index: Index) -> None:
        if index not in self.indexes:
            self.indexes.append(index)

    def fact(self, name: str, value: str) -> None:
        if all(k != name for k, _ in self.facts):
            self.facts.append((name, _redact(value)))


@define
class _Tables:
    """Every table the reader assembles, by id, plus the problems met on the way."""

    tables: dict[str, _Table] = field(factory=dict)
    problems: list[Problem] = field(factory=list)

    def table(self, name: str) -> _Table:
        key = item_id("table", name)
        if key not in self.tables:
            self.tables[key] = _Table(name)
        return self.tables[key]


class SqlAlchemy:
    """SQLAlchemy models of the project: declarative classes (1.x, 2.0, Flask-SQLAlchemy, SQLModel) and Table() calls."""

    def __init__(self, project: Project, out: _Tables) -> None:
        self.project = project
        self.out = out
        self._table_names: dict[int, str | None] = {}
        self._flavours: dict[int, str | None] = {}
        self._roots: dict[int, bool] = {}
        self._annotation_maps: dict[int, dict[str, Expr]] = {}

    def read(self) -> None:
        for module in self.project.modules:
            for call in module.tables:
                self._core_table(module, call)
        for ref in self.project.refs:
            if self.flavour(ref) is not None:
                self._model(ref)

    # --- what a class is ---

    def flavour(self, ref: ClassRef) -> str | None:
        """`sqlalchemy`, `flask-sqlalchemy` or `sqlmodel` when the class is under a declarative base."""
        key = id(ref)
        if key not in self._flavours:
            self._flavours[key] = None  # cycles end here
            self._flavours[key] = self._find_flavour(ref)
        return self._flavours[key]

    def _find_flavour(self, ref: ClassRef) -> str | None:
        for cls in self.project.lineage(ref):
            if self._decorated_declarative(cls) or self._decorated_mapped(cls):
                return "sqlalchemy"
        for cls, base in self.project.outside_bases(ref):
            flavour = self._base_flavour(cls, base)
            if flavour is not None:
                return flavour
        # `from app.database import Base` with app/database.py not among the files read: a
        # `__tablename__` beside Column()/mapped_column() says SQLAlchemy all the same
        for cls in self.project.lineage(ref):
            if cls.decl.attribute("__tablename__") is not None and any(
                    a.value is not None and a.value.is_call(*_COLUMN_CALLS) for a in cls.decl.body):
                return "sqlalchemy"
        return None

    def _base_flavour(self, cls: ClassRef, base: Symbol) -> str | None:
        if isinstance(base, VarRef):
            value = base.assignment.value
            if value is not None and value.is_call("declarative_base", "generate_base"):
                return "sqlalchemy"
            return None
        name = base if isinstance(base, tuple) else ()
        if not name:
            return None
        if name[-1] in ("DeclarativeBase", "DeclarativeBaseNoMeta"):
            return "sqlalchemy"
        if name[-1] == "SQLModel":
            return "sqlmodel"
        if name[-1] == "Model" and len(name) >= 2 and self._is_flask_db(cls.module, name[:-1]):
            return "flask-sqlalchemy"
        return None

    def _is_flask_db(self, module: ModuleDecl, spelled: Name) -> bool:
        """`db` in `db.Model`: assigned `SQLAlchemy(...)` in the project, imported from flask_sqlalchemy, or named `db`."""
        if any(part in ("flask_sqlalchemy", "flask_sqlalchemy_lite") for part in spelled):
            return True
        found = self.project.resolve(module, spelled) if len(spelled) == 1 else self.project.lookup(spelled, module)
        if isinstance(found, VarRef):
            value = found.assignment.value
            return value is not None and value.is_call("SQLAlchemy")
        return spelled[-1] == "db" and "django" not in spelled

    @staticmethod
    def _decorated_declarative(ref: ClassRef) -> bool:
        return any(d.last == "as_declarative" for d in ref.decl.decorators)

    @staticmethod
    def _decorated_mapped(ref: ClassRef) -> bool:
        """`@mapper_registry.mapped`, `@reg.mapped_as_dataclass`, `@mapped_as_dataclass(reg)`."""
        return any(d.last in ("mapped", "mapped_as_dataclass") for d in ref.decl.decorators)

    def is_root(self, ref: ClassRef) -> bool:
        """A declarative base itself (`class Base(DeclarativeBase)`): columns on it are inherited, it has no table."""
        known = self._roots.get(id(ref))
        if known is None:
            known = self._roots[id(ref)] = self._find_root(ref)
        return known

    def _find_root(self, ref: ClassRef) -> bool:
        if self._decorated_declarative(ref):
            return True
        for base in self.project.bases(ref):
            if isinstance(base, tuple) and base and base[-1] in ("DeclarativeBase", "DeclarativeBaseNoMeta"):
                return True
            if isinstance(base, tuple) and base and base[-1] == "SQLModel":
                table = _keyword(ref.decl.keywords, "table")
                return table is None or table.value != "True"  # without table=True, a pydantic model
        return False

    def _is_abstract(self, ref: ClassRef) -> bool:
        abstract = ref.decl.attribute("__abstract__")
        return abstract is not None and abstract.value is not None and abstract.value.value == "True"

    # --- table names ---

    def table_name(self, ref: ClassRef) -> str | None:
        key = id(ref)
        if key not in self._table_names:
            self._table_names[key] = None
            self._table_names[key] = self._find_table_name(ref)
        return self._table_names[key]

    def _find_table_name(self, ref: ClassRef) -> str | None:
        if self.flavour(ref) is None or self.is_root(ref) or self._is_abstract(ref):
            return None
        schema = self._schema(ref)
        own = ref.decl.attribute("__tablename__")
        if own is not None and not own.computed:
            name = own.value.value if own.value is not None and own.value.kind == "string" else None
            if name is None:
                self._problem(ref, own, f"__tablename__ of {ref.name} is computed ({_snippet(own.value)}): its table is not read")
            return _qualified(schema, name)
        table = ref.decl.attribute("__table__")
        if table is not None and table.value is not None:
            found = self._table_of_expr(ref.module, table.value)
            if found is None:
                self._problem(ref, table, f"__table__ of {ref.name} is not a Table() this reader can follow "
                                          f"({_snippet(table.value)}): its table is not read")
            return found
        for parent in self.project.ancestors(ref):
            if self.flavour(parent) is not None and not self.is_root(parent) and not self._is_abstract(parent):
                parent_table = self.table_name(parent)
                if parent_table is not None:
                    return parent_table  # single-table inheritance: the parent's table
        computed = own if own is not None else self._inherited_attribute(ref, "__tablename__")
        if computed is not None:
            return _qualified(schema, self._computed_table_name(ref, computed))
        flavour = self.flavour(ref)
        if flavour == "flask-sqlalchemy":
            return _qualified(schema, _snake_case(ref.name))
        if flavour == "sqlmodel":
            return _qualified(schema, ref.name.lower())  # roots (no table=True) were left above
        self.out.problems.append(Problem(ref.module.path, ref.decl.line, ref.decl.column,
                                         f"SQLAlchemy model {ref.name} has no __tablename__ or __table__: no table read"))
        return None

    def _inherited_attribute(self, ref: ClassRef, name: str) -> Assignment | None:
        for parent in self.project.ancestors(ref):
            found = parent.decl.attribute(name)
            if found is not None:
                return found
        return None

    def _computed_table_name(self, ref: ClassRef, computed: Assignment) -> str | None:
        """`@declared_attr def __tablename__(cls): return cls.__name__.lower()`, the one common form."""
        value = computed.value
        if value is not None and value.kind == "string":
            return value.value
        if value is not None and value.text.replace(" ", "") in ("cls.__name__.lower()", "cls.__name__"):
            return ref.name.lower() if value.text.endswith("lower()") else ref.name
        self._problem(ref, computed,
                      f"__tablename__ of {ref.name} is computed ({_snippet(value)}): its table is not read")
        return None

    def _schema(self, ref: ClassRef) -> str | None:
        args = ref.decl.attribute("__table_args__") or self._inherited_attribute(ref, "__table_args__")
        if args is None or args.value is None:
            return None
        options = args.value if args.value.kind == "dict" else next(
            (a for a in args.value.args if a.kind == "dict"), None) if args.value.kind == "list" else None
        schema = options.keyword("schema") if options is not None else None
        return schema.value if schema is not None and schema.kind == "string" else None

    def _table_of_expr(self, module: ModuleDecl, value: Expr) -> str | None:
        """The table an expression names: a Table() call, a variable bound to one, or a mapped class."""
        if value.is_call("Table"):
            return _core_table_name(value)
        if value.kind == "string" and value.value:
            return value.value
        if value.kind == "name":
            found = self.project.resolve(module, value.name)
            if isinstance(found, VarRef) and found.assignment.value is not None and found.assignment.value.is_call("Table"):
                return _core_table_name(found.assignment.value)
            if isinstance(found, ClassRef):
                return self.table_name(found)
        return None

    # --- a declarative model ---

    def _model(self, ref: ClassRef) -> None:
        name = self.table_name(ref)
        if name is None or self.is_root(ref) or self._is_abstract(ref):
            return
        table = self.out.table(name)
        table.origins.append(Origin("sqlalchemy", ref.module.path, ref.decl.line))
        owner = self._owner(ref)
        if owner is ref:
            table.fact("model", ref.qualname)
            table.fact("orm", self.flavour(ref) or "sqlalchemy")
            table.description = table.description or ref.decl.docstring
        else:
            table.subclasses.append(ref.qualname)
        if ref.decl.attribute("__table__") is not None:
            return  # the Table() call it names gives the columns
        for cls in self._contributors(ref, owner):
            for assignment in cls.decl.body:
                self._attribute(ref, cls, assignment, table)
        self._table_args(ref, table)

    def _owner(self, ref: ClassRef) -> ClassRef:
        """The class whose table `ref` maps to: itself, or the top of its single-table hierarchy."""
        name = self.table_name(ref)
        for parent in reversed(self.project.ancestors(ref)):
            if self.table_name(parent) == name and self.flavour(parent) is not None and not self._is_abstract(parent) \
                    and not self.is_root(parent):
                return parent
        return ref

    def _contributors(self, ref: ClassRef, owner: ClassRef) -> list[ClassRef]:
        """The classes whose columns land in `ref`'s table: itself, then its mixins and abstract bases
        in resolution order — SQLAlchemy appends mixin columns after the class's own; a
        single-table subclass adds only its own."""
        if owner is not ref:
            return [ref]
        inherited = self.project.inherited(ref, lambda c: self.table_name(c) is not None)
        if self.flavour(ref) == "sqlmodel":
            return [*reversed(inherited), ref]  # pydantic's order: the bases' fields first
        return [ref, *inherited]

    def _attribute(self, model: ClassRef, cls: ClassRef, assignment: Assignment, table: _Table) -> None:
        if assignment.target.startswith("__"):
            return
        value = assignment.value
        if value is not None and value.is_call(*_COLUMN_WRAPPERS) and value.args and value.args[0].is_call(*_COLUMN_CALLS):
            value = value.args[0]
        if value is not None and value.is_call("relationship"):
            self._relationship(model, cls, assignment, value, table)
            return
        if self.flavour(model) == "sqlmodel" and not (value is not None and value.is_call(*_COLUMN_CALLS)):
            self._sqlmodel_attribute(model, cls, assignment, table)
            return
        if value is not None and value.is_call(*_COLUMN_CALLS):
            self._add(table, self._column(model, cls, assignment, value), cls, assignment, value)
        elif value is None and not assignment.computed and self._is_mapped_annotation(cls, assignment.annotation):
            self._add(table, self._column(model, cls, assignment, None), cls, assignment, None)

    def _add(self, table: _Table, column: _Column, cls: ClassRef, assignment: Assignment, call: Expr | None) -> None:
        if any(c.attribute == column.attribute for c in table.columns if c.attribute):
            return  # the nearest class declares this attribute: a mixin's of the same name is overridden
        _add_column(table, column, Origin("sqlalchemy", cls.module.path, assignment.line), call)

    def _sqlmodel_attribute(self, model: ClassRef, cls: ClassRef, assignment: Assignment, table: _Table) -> None:
        """SQLModel: every annotated attribute of a `table=True` model is a column, `Field(...)` says how."""
        value = assignment.value
        if value is not None and value.is_call("Relationship"):
            self._relationship(model, cls, assignment, value, table)
            return
        annotation = assignment.annotation
        if annotation is None or assignment.computed or (annotation.kind == "subscript" and annotation.last == "ClassVar"):
            return
        call = value if value is not None and value.is_call("Field") else None
        sa_column = call.keyword("sa_column") if call is not None else None
        if sa_column is not None and sa_column.is_call("Column"):
            self._add(table, self._column(model, cls, evolve(assignment, annotation=None), sa_column), cls, assignment,
                      sa_column)
            return
        inner, optional = _unwrap_optional(annotation)
        if not self._is_mapped_annotation(cls, Expr("subscript", inner.line, ("Mapped",), (inner,))):
            return
        primary = bool(call is not None and call.flag("primary_key"))
        nullable = call.flag("nullable") if call is not None else None
        foreign_key = call.keyword("foreign_key") if call is not None else None
        references = foreign_key.value if foreign_key is not None and foreign_key.kind == "string" else None
        default = _default(assignment.target, call) if call is not None else \
            _default_text(assignment.target, value) if value is not None else None
        field_ = Field(assignment.target, self._sqlmodel_type(model, cls, inner, call),
                       False if primary else (optional if nullable is None else nullable),
                       None if default == "None" else default, primary,
                       bool(call is not None and call.flag("unique")), references, assignment.line,
                       _description(call, "description"))
        self._add(table, _Column(field_, assignment.target, references), cls, assignment, call)

    def _sqlmodel_type(self, model: ClassRef, cls: ClassRef, inner: Expr, call: Expr | None) -> str | None:
        sa_type = call.keyword("sa_type") if call is not None else None
        if sa_type is not None:
            return _sa_type(sa_type)
        length = _number(call.keyword("max_length")) if call is not None else None
        if inner.last == "str":
            return f"varchar({length})" if length else "varchar"
        digits = _number(call.keyword("max_digits")) if call is not None else None
        places = _number(call.keyword("decimal_places")) if call is not None else None
        if inner.last == "Decimal" and digits and places:
            return f"numeric({digits},{places})"
        return self._annotation_type(model, cls, inner)

    def _is_mapped_annotation(self, cls: ClassRef, annotation: Expr | None) -> bool:
        """`name: Mapped[str]` alone declares a column (2.0), unless it holds related objects."""
        inner = self._mapped_inner(cls, annotation)
        if inner is None:
            return False
        inner, _ = _unwrap_optional(inner)
        if inner.kind == "subscript" and inner.last in _COLLECTIONS:
            return False
        if inner.kind == "string" and inner.value and self.project.class_named(cls.module, inner.value) is not None:
            return False
        if inner.kind == "name":
            found = self.project.resolve(cls.module, inner.name)
            if isinstance(found, ClassRef) and self.flavour(found) is not None:
                return False
        return True

    def _mapped_inner(self, cls: ClassRef, annotation: Expr | None) -> Expr | None:
        if annotation is None:
            return None
        if annotation.kind == "string" and annotation.value:
            parsed = _expr_from_string(annotation.value, annotation.line, cls.module.path)
            if parsed is None:
                return None
            annotation = parsed
        if annotation.kind == "subscript" and annotation.last == "Mapped" and annotation.args:
            return annotation.args[0]
        return None

    def _column(self, model: ClassRef, cls: ClassRef, assignment: Assignment, call: Expr | None) -> _Column:
        inner = self._mapped_inner(cls, assignment.annotation)
        optional = None
        mapped_type: Expr | None = None
        if inner is not None:
            inner, optional = _unwrap_optional(inner)
            mapped_type = self._type_annotation_map(model).get(inner.text)
            inner, alias_call = self._annotated_alias(cls, inner)
            if alias_call is not None:
                call = _merge_calls(alias_call, call)
        positional = call.args if call is not None else ()
        name = next((a.value for a in positional if a.kind == "string" and a.value), None)
        name_keyword = call.keyword("name") if call is not None else None
        if name_keyword is not None and name_keyword.kind == "string" and name_keyword.value:
            name = name_keyword.value
        type_expr = next((a for a in positional if a.kind in ("name", "call", "attribute")
                          and a.last not in _NOT_A_TYPE), None) or (call.keyword("type_") if call is not None else None)
        has_key = any(a.is_call("ForeignKey") for a in positional)
        if type_expr is not None:
            type_ = _sa_type(type_expr)
        elif mapped_type is not None:
            type_ = _sa_type(mapped_type)
        else:
            type_ = self._annotation_type(model, cls, inner)
        primary = bool(call is not None and call.flag("primary_key"))
        nullable = call.flag("nullable") if call is not None else None
        if nullable is None:
            nullable = False if primary else optional if inner is not None else True
        references = self._foreign_key_target(cls, positional)
        field_ = Field(
            name or assignment.target,
            type_,
            nullable,
            _default(assignment.target, call),
            primary,
            bool(call is not None and call.flag("unique")),
            references,
            assignment.line,
            _description(call, "comment", "doc"),
        )
        # mapped_column(ForeignKey(...)) with no type of its own takes the referenced column's, even
        # under Mapped[int] (SQLAlchemy 2.0 and 2.1 alike)
        return _Column(field_, assignment.target, references, inferred=has_key and type_expr is None)

    def _annotated_alias(self, cls: ClassRef, inner: Expr) -> tuple[Expr, Expr | None]:
        """`intpk = Annotated[int, mapped_column(primary_key=True)]`, used as `Mapped[intpk]`."""
        annotated = inner if inner.kind == "subscript" and inner.last == "Annotated" else None
        if annotated is None and inner.kind == "name":
            found = self.project.resolve(cls.module, inner.name)
            if isinstance(found, VarRef) and found.assignment.value is not None \
                    and found.assignment.value.kind == "subscript" and found.assignment.value.last == "Annotated":
                annotated = found.assignment.value
        if annotated is None or not annotated.args:
            return inner, None
        call = next((a for a in annotated.args[1:] if a.is_call("mapped_column")), None)
        return annotated.args[0], call

    def _annotation_type(self, model: ClassRef, cls: ClassRef, inner: Expr | None) -> str | None:
        if inner is None:
            return None
        mapped = self._type_annotation_map(model).get(inner.text)
        if mapped is not None:
            return _sa_type(mapped)
        if inner.kind == "subscript" and inner.last == "Literal":
            return "enum(" + ", ".join(a.value or a.text for a in inner.args) + ")"
        if inner.kind == "name":
            found = self.project.resolve(cls.module, inner.name)
            if isinstance(found, ClassRef) and any(
                    isinstance(b, tuple) and b and b[-1] in ("Enum", "StrEnum", "IntEnum")
                    for _, b in self.project.outside_bases(found)):
                return f"enum({inner.last})"
            if inner.last in _PY_TYPES:
                return _PY_TYPES[inner.last]
        return _as_written(inner.text)

    def _type_annotation_map(self, model: ClassRef) -> dict[str, Expr]:
        """The declarative base's `type_annotation_map`, by the annotation's text (`datetime`, `str_30`)."""
        known = self._annotation_maps.get(id(model))
        if known is None:
            known = {}
            for ancestor in self.project.lineage(model):
                found = ancestor.decl.attribute("type_annotation_map") if self.is_root(ancestor) else None
                if found is not None and found.value is not None and found.value.kind == "dict":
                    known = dict(found.value.keywords)
                    break
            self._annotation_maps[id(model)] = known
        return known

    def _foreign_key_target(self, cls: ClassRef, positional: tuple[Expr, ...]) -> str | None:
        key = next((a for a in positional if a.is_call("ForeignKey")), None)
        if key is None or not key.args:
            return None
        target = key.args[0]
        if target.kind == "string" and target.value:
            return target.value
        if target.kind == "name" and len(target.name) >= 2:
            # `ForeignKey(Customer.id)`, `ForeignKey(customers.c.id)`
            owner = target.name[:-2] if target.name[-2] == "c" else target.name[:-1]
            table = self._table_of_expr(cls.module, Expr("name", target.line, owner, spelled=".".join(owner)))
            if table is not None:
                return f"{table}.{target.name[-1]}"
        return target.text

    def _relationship(self, model: ClassRef, cls: ClassRef, assignment: Assignment, call: Expr, table: _Table) -> None:
        target_ref = self._relationship_target(cls, assignment, call)
        if target_ref is None:
            return
        target = self.table_name(target_ref)
        if target is None:
            return
        label = f"{model.name}.{assignment.target} → {target_ref.name}"
        secondary = call.keyword("secondary")
        if secondary is not None:
            via = self._table_of_expr(cls.module, secondary) if secondary.kind in ("name", "call") else secondary.value
            label += f" (many-to-many via {via or secondary.text})"
        table.relations.append(Relationship(item_id("table", table.name), item_id("table", target), "orm_relation",
                                            Origin("sqlalchemy", cls.module.path, assignment.line), label))

    def _relationship_target(self, cls: ClassRef, assignment: Assignment, call: Expr) -> ClassRef | None:
        argument = call.args[0] if call.args else call.keyword("argument")
        if argument is None:  # `items: Mapped[List["OrderItem"]] = relationship(back_populates="order")`
            inner = self._mapped_inner(cls, assignment.annotation) or assignment.annotation  # SQLModel: no Mapped[]
            argument = _innermost(inner) if inner is not None else None
        if argument is not None and argument.kind == "lambda" and argument.args:
            argument = argument.args[0]
        if argument is None:
            return None
        if argument.kind == "string" and argument.value:
            return self.project.class_named(cls.module, argument.value)
        if argument.kind == "name":
            found = self.project.resolve(cls.module, argument.name)
            return found if isinstance(found, ClassRef) else None
        return None

    def _table_args(self, ref: ClassRef, table: _Table) -> None:
        args = ref.decl.attribute("__table_args__") or self._inherited_attribute(ref, "__table_args__")
        if args is None or args.value is None:
            return
        entries = args.value.args if args.value.kind == "list" else (args.value,)
        for entry in entries:
            if entry.kind == "dict":
                comment = entry.keyword("comment")
                if comment is not None and comment.value:
                    table.description = _redact(comment.value)
            else:
                _constraint(entry, table, Origin("sqlalchemy", ref.module.path, entry.line))

    # --- core Table() ---

    def _core_table(self, module: ModuleDecl, call: TableCall) -> None:
        expr = call.call
        if not _is_sqlalchemy_table(expr):
            return
        name = _core_table_name(expr)
        if name is None:
            self.out.problems.append(Problem(module.path, expr.line, call.column,
                                             f"Table() name is computed ({_snippet(expr.args[0] if expr.args else None)}):"
                                             " its table is not read"))
            return
        table = self.out.table(name)
        table.origins.append(Origin("sqlalchemy", module.path, expr.line))
        if call.variable:
            table.fact("table_variable", call.variable)
        table.fact("orm", "sqlalchemy-core")
        if expr.keyword("autoload_with") is not None or expr.flag("autoload"):
            table.fact("reflected", "true")
        comment = expr.keyword("comment")
        if comment is not None and comment.value:
            table.description = _redact(comment.value)
        for arg in expr.args[1:]:
            origin = Origin("sqlalchemy", module.path, arg.line)
            if arg.is_call("Column"):
                column = self._core_column(arg)
                if column is not None:
                    _add_column(table, column, origin, arg)
            else:
                _constraint(arg, table, origin)

    def _core_column(self, call: Expr) -> _Column | None:
        first = call.args[0] if call.args else call.keyword("name")
        if first is None or first.kind != "string" or not first.value:
            return None
        type_expr = next((a for a in call.args[1:] if a.kind in ("name", "call", "attribute")
                          and a.last not in _NOT_A_TYPE), None)
        primary = bool(call.flag("primary_key"))
        nullable = call.flag("nullable")
        references = None
        key = next((a for a in call.args if a.is_call("ForeignKey")), None)
        if key is not None and key.args:
            target = key.args[0]
            references = target.value if target.kind == "string" else target.text
        field_ = Field(first.value, _sa_type(type_expr) if type_expr is not None else None,
                       (not primary) if nullable is None else nullable, _default(first.value, call),
                       primary, bool(call.flag("unique")), references, call.line, _description(call, "comment", "doc"))
        return _Column(field_, first.value, references)

    def _problem(self, ref: ClassRef, at: Assignment, message: str) -> None:
        self.out.problems.append(Problem(ref.module.path, at.line, at.column, message))


def _add_column(table: _Table, column: _Column, origin: Origin, call: Expr | None) -> None:
    """A column, its foreign key and the index `index=True` asks for (named as SQLAlchemy's default
    naming convention names it: `ix_<table>_<column>`)."""
    table.add_column(column, replace=False)
    if column.references:
        table.relations.append(_foreign_key(table.name, column, origin))
    if call is not None and call.flag("index"):
        table.add_index(Index(f"ix_{table.name.split('.')[-1]}_{column.field.name}", (column.field.name,),
                              unique=bool(call.flag("unique"))))


def _is_sqlalchemy_table(call: Expr) -> bool:
    """`Table(...)` is a common name (rich, prettytable, docx): SQLAlchemy's takes columns or reflects."""
    if not call.args:
        return False
    if call.name[:-1] and call.name[0] in ("sa", "sqlalchemy", "db", "schema"):
        return True
    return any(a.is_call("Column") for a in call.args) or call.keyword("autoload_with") is not None


def _core_table_name(call: Expr) -> str | None:
    first = call.args[0] if call.args else call.keyword("name")
    if first is None or first.kind != "string" or not first.value:
        return None
    schema = call.keyword("schema")
    return _qualified(schema.value if schema is not None and schema.kind == "string" else None, first.value)


def _constraint(entry: Expr, table: _Table, origin: Origin) -> None:
    """`UniqueConstraint`, `Index`, `PrimaryKeyConstraint`, `ForeignKeyConstraint`, `CheckConstraint` of a table."""
    if entry.kind != "call":
        return
    names = [a.value if a.kind == "string" and a.value is not None else a.text for a in entry.args]
    label = entry.keyword("name")
    label_value = label.value if label is not None and label.kind == "string" else None
    if entry.last == "UniqueConstraint":
        table.add_index(Index(label_value, tuple(names), unique=True))
        if len(names) == 1:
            _mark(table, names[0], unique=True)
    elif entry.last == "Index" and names:
        table.add_index(Index(names[0], tuple(names[1:]), unique=bool(entry.flag("unique"))))
    elif entry.last == "PrimaryKeyConstraint":
        for column in names:
            _mark(table, column, primary_key=True)
    elif entry.last == "ForeignKeyConstraint" and len(entry.args) >= 2:
        local, remote = entry.args[0].strings, entry.args[1].strings
        for column, target in zip(local, remote):
            _mark(table, column, references=target)
        if remote:
            target_table = remote[0].rsplit(".", 1)[0]
            table.relations.append(Relationship(item_id("table", table.name), item_id("table", target_table),
                                                "foreign_key", origin, f"{', '.join(local)} → {', '.join(remote)}"))
    elif entry.last == "CheckConstraint" and entry.args:
        check = entry.args[0].value if entry.args[0].kind == "string" else entry.args[0].text
        _add_check(table, check or "")


def _mark(table: _Table, column: str, unique: bool = False, primary_key: bool = False,
          references: str | None = None) -> None:
    """A table-level constraint's word on one of the table's columns."""
    for position, known in enumerate(table.columns):
        if known.field.name == column:
            field_ = evolve(known.field, unique=known.field.unique or unique,
                            primary_key=known.field.primary_key or primary_key,
                            nullable=False if primary_key else known.field.nullable,
                            references=references or known.field.references)
            table.columns[position] = evolve(known, field=field_, references=field_.references)


def _add_check(table: _Table, check: str) -> None:
    known = next((v for k, v in table.facts if k == "checks"), None)
    table.facts = [(k, v) for k, v in table.facts if k != "checks"]
    table.facts.append(("checks", _redact(f"{known}; {check}" if known else check)))


def _foreign_key(table: str, column: _Column, origin: Origin) -> Relationship:
    target = column.references or ""
    target_table = target.rsplit(".", 1)[0] if "." in target else target
    return Relationship(item_id("table", table), item_id("table", target_table), "foreign_key", origin,
                        f"{column.field.name} → {target}")


def _sa_type(expr: Expr) -> str | None:
    """`String(120)` → `varchar(120)`, `Numeric(10, 2)` → `numeric(10,2)`, `ARRAY(Integer)` → `integer[]`;
    a type it does not know, as written."""
    if expr.kind == "call" and expr.name[:1] == ("",) and expr.args:  # `String(36).with_variant(...)`
        return _sa_type(expr.args[0])
    base = _SA_TYPES.get(expr.last)
    if base is None:
        return _as_written(expr.text)
    if expr.kind != "call":
        return base
    numbers = [a.value for a in expr.args if a.kind == "number" and a.value]
    if base in _SA_LENGTH_TYPES:
        length = numbers[0] if numbers else _number(expr.keyword("length"))
        return f"{base}({length})" if length else base
    if base in _SA_PRECISION_TYPES:
        precision = numbers[0] if numbers else _number(expr.keyword("precision"))
        scale = numbers[1] if len(numbers) > 1 else _number(expr.keyword("scale"))
        if precision and scale:
            return f"{base}({precision},{scale})"
        return f"{base}({precision})" if precision else base
    if base in ("timestamp", "datetime", "time") and expr.flag("timezone"):
        return f"{base} with time zone"
    if base == "array" and expr.args:
        item = _sa_type(expr.args[0])
        return f"{item}[]" if item else base
    if base == "enum" and expr.args:
        members = [a.value if a.kind == "string" and a.value is not None else a.last or a.text for a in expr.args]
        return f"enum({', '.join(members)})"
    return base


def _number(expr: Expr | None) -> str | None:
    return expr.value if expr is not None and expr.kind == "number" else None


def _unwrap_optional(inner: Expr) -> tuple[Expr, bool]:
    """`Optional[X]`, `X | None`, `Union[X, None]` → (X, True); anything else → (it, False)."""
    if inner.kind == "subscript" and inner.last == "Optional" and inner.args:
        return inner.args[0], True
    members: tuple[Expr, ...] = ()
    if inner.kind == "union" or inner.kind == "subscript" and inner.last == "Union":
        members = inner.args
    if members:
        rest = [m for m in members if not (m.kind == "constant" and m.value == "None")]
        if len(rest) < len(members) and len(rest) == 1:
            return rest[0], True
    return inner, False


def _innermost(expr: Expr) -> Expr:
    """`List["OrderItem"]`, `Optional[Customer]` → the element type."""
    expr, _ = _unwrap_optional(expr)
    while expr.kind == "subscript" and expr.args:
        expr = expr.args[-1] if expr.last in ("Dict", "dict") else expr.args[0]
        expr, _ = _unwrap_optional(expr)
    return expr


def _merge_calls(alias: Expr, own: Expr | None) -> Expr:
    """An Annotated alias's mapped_column(...) with the attribute's own: the attribute's arguments win."""
    if own is None:
        return alias
    keywords = dict(alias.keywords)
    keywords.update(dict(own.keywords))
    return Expr("call", own.line, own.name, own.args or alias.args, tuple(keywords.items()), spelled=own.text)


def _snake_case(name: str) -> str:
    """Flask-SQLAlchemy's default table name: `OrderItem` → `order_item`, `HTTPLog` → `http_log`."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name).lower().lstrip("_")


# =======================================================================================
# Step 2b: Django
# =======================================================================================

#: Django field classes → (SQL-ish type, the keyword giving its length and its default length)
_DJANGO_TYPES: dict[str, tuple[str, str | None, str | None]] = {
    "AutoField": ("integer", None, None), "BigAutoField": ("bigint", None, None),
    "SmallAutoField": ("smallint", None, None), "CharField": ("varchar", "max_length", None),
    "SlugField": ("varchar", "max_length", "50"), "EmailField": ("varchar", "max_length", "254"),
    "URLField": ("varchar", "max_length", "200"), "FileField": ("varchar", "max_length", "100"),
    "ImageField": ("varchar", "max_length", "100"), "FilePathField": ("varchar", "max_length", "100"),
    "TextField": ("text", None, None), "IntegerField": ("integer", None, None),
    "BigIntegerField": ("bigint", None, None), "SmallIntegerField": ("smallint", None, None),
    "PositiveIntegerField": ("integer", None, None), "PositiveBigIntegerField": ("bigint", None, None),
    "PositiveSmallIntegerField": ("smallint", None, None), "FloatField": ("double precision", None, None),
    "DecimalField": ("numeric", None, None), "BooleanField": ("boolean", None, None),
    "NullBooleanField": ("boolean", None, None), "DateField": ("date", None, None),
    "DateTimeField": ("timestamp", None, None), "TimeField": ("time", None, None),
    "DurationField": ("interval", None, None), "UUIDField": ("uuid", None, None), "JSONField": ("json", None, None),
    "BinaryField": ("blob", None, None), "GenericIPAddressField": ("inet", None, None),
    "IPAddressField": ("inet", None, None), "HStoreField": ("hstore", None, None),
    "CICharField": ("citext", None, None), "CIEmailField": ("citext", None, None),
    "CITextField": ("citext", None, None),
}
_AUTO_FIELDS = {"AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "smallint"}
_RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})
#: fields that are no column (GenericForeignKey reads two other fields; GenericRelation is a reverse relation)
_NOT_COLUMNS = frozenset({"GenericForeignKey", "GenericRelation"})
#: models of django.contrib that projects point foreign keys at: (app_label, model) → table
_CONTRIB_TABLES = {
    ("auth", "User"): "auth_user", ("auth", "Group"): "auth_group", ("auth", "Permission"): "auth_permission",
    ("contenttypes", "ContentType"): "django_content_type", ("sites", "Site"): "django_site",
    ("admin", "LogEntry"): "django_admin_log", ("sessions", "Session"): "django_session",
}
_DEFAULT_AUTO_FIELD = "BigAutoField"  # what `startproject` and `startapp` configure


@frozen
class _Target:
    """Where a Django relation points: the table, its key column and that column's type."""

    table: str
    column: str
    type: str | None
    model: ClassRef | None
    label: str


@frozen
class _DjangoColumn:
    """The column a Django field makes: name, type, the field class it is (or extends), its target."""

    name: str
    type: str | None
    base: str
    references: str | None
    target: _Target | None


@frozen
class _AppConfig:
    label: str | None
    default_auto_field: str | None


class Django:
    """Django models of the project: concrete models, abstract bases, multi-table inheritance, M2M join tables."""

    def __init__(self, project: Project, out: _Tables) -> None:
        self.project = project
        self.out = out
        self.apps = self._app_configs()
        self.settings = self._settings()
        self._is_model: dict[int, bool] = {}
        self._labels: dict[int, str] = {}
        self._fields: dict[int, list[tuple[ClassRef, Assignment, Expr]]] = {}
        self._tables: dict[int, str] = {}
        self._pks: dict[int, tuple[str, str | None]] = {}
        self.by_label: dict[tuple[str, str], ClassRef] = {}
        for ref in project.refs:
            if self.is_model(ref):
                self.by_label.setdefault((self.app_label(ref), ref.name), ref)

    # --- project configuration ---

    def _app_configs(self) -> dict[str, _AppConfig]:
        """`apps.py` AppConfig classes by app folder: `label` (or the last part of `name`) and `default_auto_field`."""
        configs: dict[str, _AppConfig] = {}
        for module in self.project.modules:
            if not module.path.endswith("/apps.py") and module.path != "apps.py":
                continue
            for decl in module.classes:
                if not any(b.last == "AppConfig" for b in decl.bases):
                    continue
                label = _string_attribute(decl, "label")
                name = _string_attribute(decl, "name")
                auto = _string_attribute(decl, "default_auto_field")
                configs[module.folder] = _AppConfig(label or (name.split(".")[-1] if name else None),
                                                    auto.split(".")[-1] if auto else None)
        return configs

    def _settings(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for module in self.project.modules:
            for assignment in module.assignments:
                if assignment.target in ("AUTH_USER_MODEL", "DEFAULT_AUTO_FIELD") and assignment.value is not None \
                        and assignment.value.kind == "string" and assignment.value.value:
                    found.setdefault(assignment.target, assignment.value.value)
        return found

    # --- what a class is ---

    def is_model(self, ref: ClassRef) -> bool:
        key = id(ref)
        if key not in self._is_model:
            self._is_model[key] = any(_is_django_model_base(base) for _, base in self.project.outside_bases(ref)) \
                or bool(self.unread_bases(ref)) and any(self._declares_django_field(c) for c in self.project.lineage(ref))
        return self._is_model[key]

    def unread_bases(self, ref: ClassRef) -> list[str]:
        """Bases from packages not read (`model_utils.models.TimeStampedModel`): their fields are not known."""
        return [".".join(base) for _, base in self.project.outside_bases(ref)
                if isinstance(base, tuple) and len(base) > 1 and not _is_django_model_base(base)
                and base[-1] not in ("Model", "object")]

    def _declares_django_field(self, cls: ClassRef) -> bool:
        """A body with `models.CharField(...)`-like calls resolving into django.db.models: a model whose
        base comes from a package not read is a model all the same."""
        if not any(q[:1] == ("django",) for q in cls.module.imports.values()):
            return False
        for assignment in cls.decl.body:
            value = assignment.value
            if value is not None and value.kind == "call" and value.name:
                found = self.project.resolve(cls.module, value.name)
                if isinstance(found, tuple) and found[:3] == ("django", "db", "models") and (
                        found[-1].endswith("Field") or found[-1] in _RELATION_FIELDS):
                    return True
        return False

    def meta(self, ref: ClassRef) -> dict[str, Expr]:
        """`class Meta` options, with those an abstract parent's Meta passes on (all but `abstract`)."""
        options: dict[str, Expr] = {}
        own = ref.decl.inner_class("Meta")
        inherits = own is None or any(b.last == "Meta" for b in own.bases)
        if inherits:
            for parent in reversed(self.project.ancestors(ref)):
                parent_meta = parent.decl.inner_class("Meta")
                if parent_meta is not None and self._abstract(parent):
                    options.update({a.target: a.value for a in parent_meta.body
                                    if a.value is not None and a.target not in ("abstract", "db_table")})
        if own is not None:
            options.update({a.target: a.value for a in own.body if a.value is not None})
        return options

    def _abstract(self, ref: ClassRef) -> bool:
        own = ref.decl.inner_class("Meta")
        if own is None:
            return False
        abstract = own.attribute("abstract")
        return abstract is not None and abstract.value is not None and abstract.value.value == "True"

    def app_label(self, ref: ClassRef) -> str:
        known = self._labels.get(id(ref))
        if known is None:
            known = self._labels[id(ref)] = self._find_app_label(ref)
        return known

    def _find_app_label(self, ref: ClassRef) -> str:
        explicit = _string_attribute(ref.decl.inner_class("Meta"), "app_label")
        if explicit:
            return explicit
        folder = _app_folder(ref.module.path)
        config = self.apps.get(folder)
        if config is not None and config.label:
            return config.label
        return PurePosixPath(folder).name or ref.module.module.split(".")[0]

    def table_name(self, ref: ClassRef) -> str:
        key = id(ref)
        if key not in self._tables:
            db_table = self.meta(ref).get("db_table")
            if db_table is not None and db_table.kind == "string" and db_table.value:
                self._tables[key] = db_table.value
            else:
                self._tables[key] = f"{self.app_label(ref)}_{ref.name.lower()}"
        return self._tables[key]

    def _concrete(self, ref: ClassRef) -> bool:
        if not self.is_model(ref) or self._abstract(ref):
            return False
        proxy = self.meta(ref).get("proxy")
        return not (proxy is not None and proxy.value == "True")

    def _concrete_parents(self, ref: ClassRef) -> list[ClassRef]:
        """Multi-table inheritance: the nearest concrete model ancestors (each gets a `<parent>_ptr`)."""
        parents: list[ClassRef] = []
        for base in self.project.bases(ref):
            if not isinstance(base, ClassRef) or not self.is_model(base):
                continue
            if self._concrete(base):
                parents.append(base)
            elif self._proxy(base):
                parents.extend(self._concrete_parents(base))
            else:
                parents.extend(p for p in self._concrete_parents(base) if p not in parents)
        return parents

    def _proxy(self, ref: ClassRef) -> bool:
        proxy = self.meta(ref).get("proxy")
        return proxy is not None and proxy.value == "True"

    def _fields_of(self, ref: ClassRef) -> list[tuple[ClassRef, Assignment, Expr]]:
        """(declaring class, assignment, field call) of each field the model's table has, abstract parents' first."""
        known = self._fields.get(id(ref))
        if known is None:
            known = self._fields[id(ref)] = self._find_fields(ref)
        return known

    def _find_fields(self, ref: ClassRef) -> list[tuple[ClassRef, Assignment, Expr]]:
        # Django copies the fields of abstract models only (a plain mixin's fields are ignored); a
        # concrete parent keeps its own, joined through `<parent>_ptr`
        contributors = [c for c in reversed(self.project.inherited(ref, self._concrete))
                        if self.is_model(c) and self._abstract(c)]
        fields: dict[str, tuple[ClassRef, Assignment, Expr]] = {}
        for cls in [*contributors, ref]:
            for assignment in cls.decl.body:
                call = assignment.value
                if call is not None and self._is_field(cls, call):
                    fields.pop(assignment.target, None)  # a redeclared field takes its new place
                    fields[assignment.target] = (cls, assignment, call)
                elif call is not None and assignment.target in fields and call.kind == "constant":
                    fields.pop(assignment.target)  # `field = None` removes an inherited field
        return list(fields.values())

    def _is_field(self, cls: ClassRef, call: Expr) -> bool:
        if call.kind != "call" or call.last in _NOT_COLUMNS or not call.last:
            return False
        return call.last.endswith("Field") or call.last in _RELATION_FIELDS or self._field_base(cls, call) is not None

    def _field_base(self, cls: ClassRef, call: Expr) -> str | None:
        """The Django field a custom field class extends (`class MoneyField(models.DecimalField)`)."""
        if call.last in _DJANGO_TYPES or call.last in _RELATION_FIELDS:
            return call.last
        found = self.project.resolve(cls.module, call.name)
        if isinstance(found, ClassRef):
            for _, base in self.project.outside_bases(found):
                if isinstance(base, tuple) and base and (base[-1] in _DJANGO_TYPES or base[-1] in _RELATION_FIELDS):
                    return base[-1]
        return None

    # --- primary keys and targets ---

    def primary_key(self, ref: ClassRef) -> tuple[str, str | None]:
        """(column, type) of a model's primary key; the type a foreign key to it has."""
        key = id(ref)
        if key in self._pks:
            return self._pks[key]
        self._pks[key] = ("id", None)  # a cycle of one-to-one keys ends here
        for cls, assignment, call in self._fields_of(ref):
            if call.flag("primary_key"):
                column = self._column(ref, cls, assignment, call)
                self._pks[key] = (column.name, _AUTO_FIELDS.get(column.base, column.type))
                return self._pks[key]
        parents = self._concrete_parents(ref)
        if parents:
            parent_type = self.primary_key(parents[0])[1]
            self._pks[key] = (f"{parents[0].name.lower()}_ptr_id", parent_type)
        else:
            self._pks[key] = ("id", _AUTO_FIELDS[self._auto_field(ref)])
        return self._pks[key]

    def _auto_field(self, ref: ClassRef) -> str:
        config = self.apps.get(_app_folder(ref.module.path))
        if config is not None and config.default_auto_field in _AUTO_FIELDS:
            return config.default_auto_field
        setting = self.settings.get("DEFAULT_AUTO_FIELD", "").split(".")[-1]
        return setting if setting in _AUTO_FIELDS else _DEFAULT_AUTO_FIELD

    def target(self, ref: ClassRef, cls: ClassRef, spelled: Expr | None) -> _Target | None:
        """The model a relation field names: a class, `"Model"`, `"app.Model"`, `"self"`, `settings.AUTH_USER_MODEL`."""
        if spelled is None:
            return None
        if spelled.kind == "name" and spelled.name[-1:] == ("AUTH_USER_MODEL",) or spelled.is_call("get_user_model"):
            return self._by_label(self.settings.get("AUTH_USER_MODEL", "auth.User"), ref)
        if spelled.kind == "string" and spelled.value:
            if spelled.value == "self":
                return self._model_target(ref)
            if "." in spelled.value:
                return self._by_label(spelled.value, ref)
            same_app = self.by_label.get((self.app_label(ref), spelled.value))
            if same_app is not None:
                return self._model_target(same_app)
            found = self.project.class_named(cls.module, spelled.value)
            return self._model_target(found) if found is not None and self.is_model(found) else \
                self._by_label(f"{self.app_label(ref)}.{spelled.value}", ref)
        if spelled.kind == "name":
            symbol = self.project.resolve(cls.module, spelled.name)
            if isinstance(symbol, ClassRef) and self.is_model(symbol):
                return self._model_target(symbol)
            if isinstance(symbol, tuple) and len(symbol) >= 3 and symbol[-2] == "models":
                # `from taggit.models import Tag`: Django's default naming, from the app the module sits in
                return self._by_label(f"{symbol[-3]}.{symbol[-1]}", ref)
        return None

    def _by_label(self, label: str, near: ClassRef) -> _Target | None:
        app, _, model = label.rpartition(".")
        if not app:
            app = self.app_label(near)
        found = self.by_label.get((app, model))
        if found is not None:
            return self._model_target(found)
        table = _CONTRIB_TABLES.get((app, model)) or f"{app}_{model.lower()}"
        contrib = (app, model) in _CONTRIB_TABLES
        return _Target(table, "id", "integer" if contrib else _AUTO_FIELDS[self._auto_field(near)], None, model)

    def _model_target(self, ref: ClassRef) -> _Target:
        column, type_ = self.primary_key(ref)
        return _Target(self.table_name(ref), column, type_, ref, ref.name)

    def _column(self, ref: ClassRef, cls: ClassRef, assignment: Assignment, call: Expr) -> _DjangoColumn:
        """The column a field makes: `customer` → `customer_id` with the type of the key it points to."""
        base = self._field_base(cls, call) or call.last
        db_column = call.keyword("db_column")
        name = db_column.value if db_column is not None and db_column.kind == "string" and db_column.value \
            else f"{assignment.target}_id" if base in ("ForeignKey", "OneToOneField") else assignment.target
        if base not in ("ForeignKey", "OneToOneField"):
            return _DjangoColumn(name, _django_type(call, base), base, None, None)
        target = self.target(ref, cls, call.args[0] if call.args else call.keyword("to"))
        if target is None:
            return _DjangoColumn(name, None, base, None, None)
        to_field = call.keyword("to_field")
        if to_field is not None and to_field.kind == "string" and to_field.value and target.model is not None:
            column, type_ = self._named_column(target.model, to_field.value)
            return _DjangoColumn(name, type_, base, f"{target.table}.{column}", target)
        return _DjangoColumn(name, target.type, base, f"{target.table}.{target.column}", target)

    def _named_column(self, ref: ClassRef, field_name: str) -> tuple[str, str | None]:
        """A model's column by field name (a `to_field=` target), with its type."""
        if field_name == "id" and not any(c.flag("primary_key") for _, _, c in self._fields_of(ref)):
            return self.primary_key(ref)
        for cls, assignment, call in self._fields_of(ref):
            if assignment.target == field_name:
                column = self._column(ref, cls, assignment, call)
                return column.name, _AUTO_FIELDS.get(column.base, column.type)
        return field_name, None

    # --- models → tables ---

    def read(self) -> None:
        for ref in self.project.refs:
            if self._concrete(ref):
                self._model(ref)

    def _model(self, ref: ClassRef) -> None:
        name = self.table_name(ref)
        table = self.out.table(name)
        table.origins.append(Origin("django", ref.module.path, ref.decl.line))
        table.fact("model", ref.qualname)
        table.fact("orm", "django")
        table.fact("app_label", self.app_label(ref))
        unread = self.unread_bases(ref)
        if unread:
            table.fact("unread_bases", ", ".join(unread))  # their fields are not in the list
        meta = self.meta(ref)
        managed = meta.get("managed")
        if managed is not None and managed.value == "False":
            table.fact("managed", "false")
        comment = meta.get("db_table_comment")
        table.description = table.description or (_redact(comment.value) if comment is not None and comment.value
                                                  else ref.decl.docstring)
        columns_by_field: dict[str, str] = {}
        fields = self._fields_of(ref)
        if not any(call.flag("primary_key") for _, _, call in fields):
            self._implicit_key(ref, table, columns_by_field)
        for cls, assignment, call in fields:
            if (self._field_base(cls, call) or call.last) == "ManyToManyField":
                self._many_to_many(ref, cls, assignment, call, table)
                continue
            column = self._field(ref, cls, assignment, call, table)
            columns_by_field[assignment.target] = column.name
        self._meta_indexes(ref, meta, table, columns_by_field)

    def _implicit_key(self, ref: ClassRef, table: _Table, columns: dict[str, str]) -> None:
        parents = self._concrete_parents(ref)
        column, type_ = self.primary_key(ref)
        if parents:
            parent = self._model_target(parents[0])
            references = f"{parent.table}.{parent.column}"
            field_ = Field(column, type_, False, None, True, True, references, ref.decl.line)
            table.add_column(_Column(field_, column, references))
            table.relations.append(_foreign_key(table.name, table.columns[-1],
                                                Origin("django", ref.module.path, ref.decl.line)))
        else:
            table.add_column(_Column(Field(column, type_, False, None, True, False, None, ref.decl.line), column, None))
        columns[column.removesuffix("_id") if parents else column] = column

    def _field(self, ref: ClassRef, cls: ClassRef, assignment: Assignment, call: Expr, table: _Table) -> Field:
        resolved = self._column(ref, cls, assignment, call)
        base, column, references, relation = resolved.base, resolved.name, resolved.references, resolved.target
        type_ = resolved.type
        primary = bool(call.flag("primary_key"))
        null = call.flag("null")
        field_ = Field(
            column,
            type_,
            False if primary else bool(null),
            _django_default(assignment.target, call),
            primary,
            bool(call.flag("unique")) or base == "OneToOneField" or primary,
            references,
            assignment.line,
            _description(call, "db_comment", "help_text"),
        )
        table.add_column(_Column(field_, assignment.target, references))
        origin = Origin("django", cls.module.path, assignment.line)
        if relation is not None:
            table.relations.append(_foreign_key(table.name, table.columns[-1], origin))
            if base == "ForeignKey" and call.flag("db_index") is not False:
                table.add_index(Index(None, (column,)))
        elif call.flag("db_index"):
            table.add_index(Index(None, (column,)))
        if relation is None and base in ("ForeignKey", "OneToOneField"):
            self.out.problems.append(Problem(cls.module.path, assignment.line, assignment.column,
                                             f"{ref.name}.{assignment.target}: the model it points to "
                                             f"({_snippet(call.args[0] if call.args else call.keyword('to'))}) is not known:"
                                             " its reference is not read"))
        return field_

    def _many_to_many(self, ref: ClassRef, cls: ClassRef, assignment: Assignment, call: Expr, table: _Table) -> None:
        target = self.target(ref, cls, call.args[0] if call.args else call.keyword("to"))
        origin = Origin("django", cls.module.path, assignment.line)
        if target is None:
            self.out.problems.append(Problem(cls.module.path, assignment.line, assignment.column,
                                             f"{ref.name}.{assignment.target}: the model it points to is not known:"
                                             " its join table is not read"))
            return
        through = call.keyword("through")
        if through is not None:
            through_target = self.target(ref, cls, through)
            via = through_target.table if through_target is not None else through.value or through.text
            table.relations.append(Relationship(item_id("table", table.name), item_id("table", target.table),
                                                "orm_relation", origin,
                                                f"{ref.name}.{assignment.target} → {target.label} (many-to-many via {via})"))
            return
        db_table = call.keyword("db_table")
        join_name = db_table.value if db_table is not None and db_table.kind == "string" and db_table.value \
            else f"{table.name}_{assignment.target}"
        source = self._model_target(ref)
        from_name, to_name = ref.name.lower(), (target.label or target.table).lower()
        if from_name == to_name:
            from_name, to_name = f"from_{from_name}", f"to_{to_name}"
        join = self.out.table(join_name)
        join.origins.append(origin)
        join.fact("model", f"{ref.qualname}.{assignment.target}")
        join.fact("orm", "django")
        join.fact("through", "implicit (ManyToManyField)")
        join.add_column(_Column(Field("id", _AUTO_FIELDS[self._auto_field(ref)], False, None, True, False, None,
                                      assignment.line), "id", None))
        for column_name, end in ((f"{from_name}_id", source), (f"{to_name}_id", target)):
            references = f"{end.table}.{end.column}"
            column = _Column(Field(column_name, end.type, False, None, False, False, references, assignment.line),
                             column_name, references)
            join.add_column(column)
            join.relations.append(_foreign_key(join_name, column, origin))
            join.add_index(Index(None, (column_name,)))
        join.add_index(Index(None, (f"{from_name}_id", f"{to_name}_id"), unique=True))
        table.relations.append(Relationship(item_id("table", table.name), item_id("table", target.table), "orm_relation",
                                            origin, f"{ref.name}.{assignment.target} → {target.label} "
                                                    f"(many-to-many via {join_name})"))

    def _meta_indexes(self, ref: ClassRef, meta: dict[str, Expr], table: _Table, columns: dict[str, str]) -> None:
        def column(spelled: str) -> str:
            bare = spelled.lstrip("-")
            return columns.get(bare, bare)

        for option, unique in (("unique_together", True), ("index_together", False)):
            value = meta.get(option)
            if value is None or value.kind != "list":
                continue
            groups = value.args if value.args and all(a.kind == "list" for a in value.args) else (value,)
            for group in groups:
                table.add_index(Index(None, tuple(column(c) for c in group.strings), unique=unique))
        for entry in _elements(meta.get("indexes")):
            if entry.kind != "call" or entry.last not in ("Index", "GinIndex", "GistIndex", "BrinIndex", "HashIndex",
                                                          "BTreeIndex", "SpGistIndex", "BloomIndex"):
                continue
            fields = entry.keyword("fields")
            names = [column(c) for c in fields.strings] if fields is not None else \
                [a.value if a.kind == "string" and a.value else a.text for a in entry.args]
            table.add_index(Index(self._index_name(ref, entry.keyword("name")), tuple(names)))
        for entry in _elements(meta.get("constraints")):
            if entry.is_call("UniqueConstraint"):
                fields = entry.keyword("fields")
                names = [column(c) for c in fields.strings] if fields is not None else [a.text for a in entry.args]
                table.add_index(Index(self._index_name(ref, entry.keyword("name")), tuple(names), unique=True))
            elif entry.is_call("CheckConstraint"):
                check = entry.keyword("condition") or entry.keyword("check")
                if check is not None:
                    name = self._index_name(ref, entry.keyword("name"))
                    _add_check(table, f"{name}: {check.text}" if name else check.text)

    def _index_name(self, ref: ClassRef, spelled: Expr | None) -> str | None:
        """An index name, with an abstract base's `%(app_label)s` and `%(class)s` filled in."""
        if spelled is None or spelled.kind != "string" or not spelled.value:
            return None
        return spelled.value.replace("%(app_label)s", self.app_label(ref)).replace("%(class)s", ref.name.lower())


def _is_django_model_base(base: Symbol) -> bool:
    if not isinstance(base, tuple) or not base:
        return False
    if base in (("django", "db", "models", "Model"), ("django", "db", "models", "base", "Model")):
        return True
    # `models.Model` with no import seen (a star import, a vendored alias)
    return base == ("models", "Model")


def _django_type(call: Expr, base: str) -> str | None:
    """`CharField(max_length=120)` → `varchar(120)`, `DecimalField(max_digits=10, decimal_places=2)` →
    `numeric(10,2)`, `ArrayField(models.IntegerField())` → `integer[]`; an unknown field, as written."""
    if base == "ArrayField":
        inner = call.args[0] if call.args else call.keyword("base_field")
        inner_type = _django_type(inner, inner.last) if inner is not None else None
        return f"{inner_type}[]" if inner_type else "array"
    known = _DJANGO_TYPES.get(base)
    if known is None:
        return None if base in _RELATION_FIELDS else _as_written(call.text if len(call.text) <= 60 else ".".join(call.name))
    type_, length_keyword, default_length = known
    if type_ == "numeric":
        digits, places = _number(call.keyword("max_digits")), _number(call.keyword("decimal_places"))
        return f"numeric({digits},{places})" if digits and places else "numeric"
    if length_keyword is not None:
        length = _number(call.keyword(length_keyword)) or default_length
        return f"{type_}({length})" if length else type_
    return type_


def _django_default(name: str, call: Expr) -> str | None:
    for keyword in ("db_default", "default"):
        value = call.keyword(keyword)
        if value is not None:
            return _default_text(name, value)
    for keyword in ("auto_now_add", "auto_now"):
        if call.flag(keyword):
            return keyword
    return None


def _elements(expr: Expr | None) -> tuple[Expr, ...]:
    return expr.args if expr is not None and expr.kind == "list" else ()


def _string_attribute(decl: ClassDecl | None, name: str) -> str | None:
    found = decl.attribute(name) if decl is not None else None
    return found.value.value if found is not None and found.value is not None and found.value.kind == "string" else None


@lru_cache(maxsize=4096)
def _app_folder(path: str) -> str:
    """The Django app a models file belongs to: the folder of `models.py`, or above a `models/` package."""
    folder = PurePosixPath(path).parent
    if folder.name == "models":
        folder = folder.parent
    return str(folder)


# =======================================================================================
# Shared helpers
# =======================================================================================


@lru_cache(maxsize=8192)
def _redact(text: str) -> str:
    """`redact`, once per distinct text: a project repeats `0`, `True` and `auto_now_add` thousands of times."""
    return redact(text)


def _keyword(keywords: tuple[tuple[str, Expr], ...], name: str) -> Expr | None:
    return next((v for k, v in keywords if k == name), None)


def _qualified(schema: str | None, name: str | None) -> str | None:
    if name is None:
        return None
    return f"{schema}.{name}" if schema else name


def _default(name: str, call: Expr | None) -> str | None:
    """The database's default when the model says it (`server_default`), else the ORM's (`default`)."""
    if call is None:
        return None
    for keyword in ("server_default", "default", "insert_default"):
        value = call.keyword(keyword)
        if value is not None:
            if value.is_call("text") and value.args and value.args[0].kind == "string":
                value = value.args[0]
            return _default_text(name, value)
    return None


def _default_text(name: str, value: Expr) -> str:
    if value.kind == "string":
        return MASK if is_secret_name(name) and value.value else _redact(value.value or "")
    return _redact(value.text)


def _description(call: Expr | None, *keywords: str) -> str | None:
    if call is None:
        return None
    for keyword in keywords:
        value = call.keyword(keyword)
        if value is not None and value.kind == "string" and value.value:
            return _redact(value.value)
    return None


def _as_written(text: str) -> str:
    text = " ".join(text.split())
    return _redact(text if len(text) <= _TYPE_TEXT_LIMIT else text[: _TYPE_TEXT_LIMIT - 1] + "…")


def _snippet(expr: Expr | None) -> str:
    if expr is None:
        return "nothing"
    text = " ".join(expr.text.split())
    return _redact(text if len(text) <= 60 else text[:59] + "…")


# =======================================================================================
# The reader
# =======================================================================================


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
    out = _Tables()
    SqlAlchemy(project, out).read()
    Django(project, out).read()
    _fill_reference_types(out)
    items = tuple(_item(t) for t in out.tables.values())
    relationships = tuple(r for t in out.tables.values() for r in t.relations)
    return Part(items, relationships, (*problems, *out.problems))


def _fill_reference_types(out: _Tables) -> None:
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
                    table.columns[position] = _Column(evolve(column.field, type=known.field.type), column.attribute,
                                                      column.references)
                    changed = True
        if not changed:
            return


def _item(table: _Table) -> Item:
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
