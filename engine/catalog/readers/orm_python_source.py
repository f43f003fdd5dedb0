"""What one Python file says, before anything is resolved: the typed model (`Expr`, `Assignment`,
`ClassDecl`, `TableCall`, `ModuleDecl`) and reading a module's tree-sitter tree into it.

Only what models need is kept: imports, classes (bases, decorators, body assignments, inner
classes), the module-level assignments that matter and `Table(...)` calls. A region that
tree-sitter's recovery swallows is split at statement starts and each piece parsed alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache, lru_cache
from pathlib import PurePosixPath

import tree_sitter as ts
from attrs import define, field, frozen
from flowscan.catalog.model import Problem
from flowscan.languages import adapter
from flowscan.redact import redact

Name = tuple[str, ...]

# --- bounds on what one expression may cost --------------------------------------------

_TEXT_LIMIT = 200  # characters of source kept per expression
_DEPTH_LIMIT = 24  # nesting converted; deeper is kept as text
_ITEMS_LIMIT = 256  # elements of one list, call or dict converted


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
    return cached_redact(" ".join(line.strip() for line in paragraph.splitlines()))[:500] or None


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


def expr_from_string(text: str, line: int, path: str) -> Expr | None:
    """A string annotation (`"Mapped[int]"`) as the expression it spells."""
    if len(text) > _TEXT_LIMIT:
        return None
    root = _parse(text.encode("utf-8"))
    statement = root.named_children[0] if root.named_children else None
    if root.has_error or statement is None or statement.type != "expression_statement" or not statement.named_children:
        return None
    return _expr(statement.named_children[0], _Where(path, "", text.encode("utf-8"), line - 1))


@lru_cache(maxsize=8192)
def cached_redact(text: str) -> str:
    """`redact`, once per distinct text: a project repeats `0`, `True` and `auto_now_add` thousands of times."""
    return redact(text)
