"""Fix templates: edits computed from a finding's span, each with an applicability (as in Ruff).

A rule names the templates that fit its findings (`fix retry validate scaffold`);
`suppress` fits every finding. A template looks at the finding's node in the tree and
either builds a `Fix` or finds that it does not apply there (None): a fix that cannot be
built never costs the finding. Edits are byte ranges of the source, so that a command
line `--fix` can apply them as well as an editor can.

`scaffold` is a template too, but it writes a new file rather than editing this one:
see `flowscan.scaffold`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from enum import Enum

import tree_sitter as ts
from attrs import frozen

from flowscan.findings import Finding, Guard, Position
from flowscan.grammar.model import FIXES
from flowscan.languages import adapter as get_adapter
from flowscan.languages.base import Adapter, node_text

#: how many times a retried statement runs at most
RETRY_ATTEMPTS = 3


class Applicability(str, Enum):
    """What applying a fix risks, as Ruff says it.

    `safe` keeps what the program does (a suppression comment); `unsafe` changes it on
    purpose (a retry runs I/O again, a check raises), so an editor applies it only when
    asked to.
    """

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@frozen
class Edit:
    """Replace source bytes [start, end) with `text`."""

    start: int
    end: int
    text: str


@frozen
class Fix:
    template: str
    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability


@frozen
class Site:
    """Where a fix is built: the finding, its file and the smallest node holding its span."""

    finding: Finding
    source: bytes
    node: ts.Node
    adapter: Adapter


Template = Callable[[Site], "Fix | None"]


def fixes_for(
    finding: Finding, source: bytes, tree: ts.Tree, templates: Iterable[str] = (), guards: Iterable[Guard] = ()
) -> list[Fix]:
    """The fixes that apply to `finding`: the rule's templates in its order, then `suppress`.

    `guards` are the safeguards already around the finding (flowscan.safeguards): a retry
    is not offered where one is found, nor a check where the data is validated.
    """
    present = {guard.kind for guard in guards}
    skipped = {"retry"} & present | ({"validate"} if "validation" in present else set())
    start = byte_offset(source, finding.start)
    end = max(start, byte_offset(source, finding.end))
    node = tree.root_node.descendant_for_byte_range(start, end)
    if node is None:
        return []
    site = Site(finding, source, node, get_adapter(finding.language))
    names = [name for name in templates if name in EDIT_TEMPLATES and name not in skipped | {"suppress"}]
    fixes = []
    for name in [*dict.fromkeys(names), "suppress"]:
        built = EDIT_TEMPLATES[name](site)
        if built is not None:
            fixes.append(built)
    return fixes


def apply_edits(source: bytes, edits: Sequence[Edit]) -> bytes:
    """`source` with `edits` applied; edits must not overlap (insertions at one point keep their order)."""
    ordered = sorted(enumerate(edits), key=lambda item: (item[1].start, item[1].end, item[0]))
    out: list[bytes] = []
    at = 0
    for _, edit in ordered:
        if edit.start < at:
            raise ValueError(f"overlapping edits at byte {edit.start}")
        out.append(source[at : edit.start])
        out.append(edit.text.encode())
        at = edit.end
    out.append(source[at:])
    return b"".join(out)


def byte_offset(source: bytes, position: Position) -> int:
    """The byte of a finding's 1-based line and character column."""
    start = 0
    for _ in range(position.line - 1):
        found = source.find(b"\n", start)
        if found < 0:
            return len(source)
        start = found + 1
    end = source.find(b"\n", start)
    line = source[start : end if end >= 0 else len(source)]
    prefix = line.decode("utf-8", "replace")[: max(position.column - 1, 0)]
    return start + len(prefix.encode("utf-8"))


# --- helpers on lines and nodes -------------------------------------------------------


def _line_start(source: bytes, byte: int) -> int:
    return source.rfind(b"\n", 0, byte) + 1


def _line_end(source: bytes, byte: int) -> int:
    end = source.find(b"\n", byte)
    return len(source) if end < 0 else end


def _indent(source: bytes, byte: int) -> str:
    start = _line_start(source, byte)
    line = source[start : _line_end(source, byte)]
    return line[: len(line) - len(line.lstrip(b" \t"))].decode()


def _starts_its_line(source: bytes, node: ts.Node) -> bool:
    return not source[_line_start(source, node.start_byte) : node.start_byte].strip()


def _ancestors(node: ts.Node) -> Iterable[ts.Node]:
    current: ts.Node | None = node
    while current is not None:
        yield current
        current = current.parent


def _inside_string(site: Site, byte: int) -> bool:
    """Whether `byte` (a line end) falls inside a string or block comment that goes on past it."""
    node = _root(site.node).descendant_for_byte_range(max(byte - 1, 0), byte)
    for ancestor in _ancestors(node) if node is not None else ():
        kind = ancestor.type
        if ancestor.end_byte > byte and (
            kind in site.adapter.string_kinds or "string" in kind or kind in site.adapter.comment_kinds
        ):
            return True
    return False


def _root(node: ts.Node) -> ts.Node:
    while node.parent is not None:
        node = node.parent
    return node


# --- suppress -------------------------------------------------------------------------

_DIRECTIVE_LIST = re.compile(r"flowscan:[ \t]*ignore\[(?P<rules>[^\]\n]*)\]")


def suppress(site: Site) -> Fix:
    """An inline `flowscan: ignore[rule-id]` comment: at the end of the finding's line, or
    on a line of its own above it when the line ends inside a string or a continuation."""
    source, finding = site.source, site.finding
    prefix = site.adapter.comment_prefix
    start = byte_offset(source, finding.start)
    line_start, line_end = _line_start(source, start), _line_end(source, start)
    line = source[line_start:line_end].decode("utf-8", "replace")
    title = f"Suppress {finding.rule_id} on this line"
    existing = _DIRECTIVE_LIST.search(line)
    if existing is not None:
        # one directive per line: the rule joins its list
        rules = existing.group("rules").rstrip()
        joined = f"{rules}, {finding.rule_id}" if rules.strip() else finding.rule_id
        at = line_start + len(line[: existing.start("rules")].encode())
        end = line_start + len(line[: existing.end("rules")].encode())
        return Fix("suppress", title, (Edit(at, end, joined),), Applicability.SAFE)
    directive = f"{prefix} flowscan: ignore[{finding.rule_id}]"
    text_end = line_start + len(line.rstrip().encode())
    if line.rstrip().endswith("\\") or _inside_string(site, text_end):
        edit = Edit(line_start, line_start, f"{_indent(source, start)}{directive}\n")
    else:
        edit = Edit(text_end, text_end, f"  {directive}")
    return Fix("suppress", title, (edit,), Applicability.SAFE)


# --- retry ----------------------------------------------------------------------------


def retry(site: Site) -> Fix | None:
    builder = _RETRY_BUILDERS.get(site.finding.language)
    return builder(site) if builder is not None else None


_PYTHON_BLOCKS = frozenset({"block", "module"})
# statements a retry may wrap whole: one I/O statement, or a `with` that opens a resource
_PYTHON_WRAPPABLE = frozenset(
    {"expression_statement", "return_statement", "with_statement", "delete_statement", "assert_statement"}
)


def _python_statement(node: ts.Node) -> ts.Node | None:
    """The statement of a block that holds `node`."""
    for ancestor in _ancestors(node):
        parent = ancestor.parent
        if parent is not None and parent.type in _PYTHON_BLOCKS:
            return ancestor
        if ancestor.type in ("function_definition", "class_definition", "lambda"):
            return None
    return None


def _python_retry(site: Site) -> Fix | None:
    """`for _attempt in range(3): try: <statement>; break / except: back off`."""
    statement = _python_statement(site.node)
    source = site.source
    if statement is None or statement.type not in _PYTHON_WRAPPABLE or not _starts_its_line(source, statement):
        return None
    if _inside_retry_loop(statement):
        return None
    indent = _indent(source, statement.start_byte)
    body = _reindented(source, statement, " " * 8, site.adapter)
    last = RETRY_ATTEMPTS - 1
    text = (
        f"{indent}for _attempt in range({RETRY_ATTEMPTS}):  # retry with backoff\n"
        f"{indent}    try:\n"
        f"{body}\n"
        f"{indent}        break\n"
        f"{indent}    except Exception:\n"
        f"{indent}        if _attempt == {last}:\n"
        f"{indent}            raise\n"
        f"{indent}        time.sleep(2 ** _attempt)"
    )
    edits = [Edit(_line_start(source, statement.start_byte), statement.end_byte, text)]
    edits.extend(_python_import(site, "time"))
    return Fix("retry", f"Retry this I/O up to {RETRY_ATTEMPTS} times with backoff", tuple(edits), Applicability.UNSAFE)


def _inside_retry_loop(statement: ts.Node) -> bool:
    for ancestor in _ancestors(statement):
        if ancestor.type == "for_statement" and b"_attempt" in (ancestor.child_by_field_name("left") or ancestor).text:
            return True
    return False


def _reindented(source: bytes, node: ts.Node, extra: str, adapter: Adapter) -> str:
    """The lines of `node` from its line start, each indented by `extra`, except lines that
    begin inside a multi-line string: their text is the string's and stays as it is."""
    start = _line_start(source, node.start_byte)
    lines = source[start : node.end_byte].decode("utf-8", "replace").split("\n")
    in_string = _rows_inside_strings(node, adapter)
    first_row = node.start_point[0]
    return "\n".join(
        line if (first_row + i) in in_string or not line.strip() else extra + line for i, line in enumerate(lines)
    )


def _rows_inside_strings(node: ts.Node, adapter: Adapter) -> set[int]:
    rows: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if current.start_point[0] == current.end_point[0]:
            continue
        if current.type in adapter.string_kinds or current.type == "string":
            rows.update(range(current.start_point[0] + 1, current.end_point[0] + 1))
            continue
        stack.extend(current.children)
    return rows


def _python_import(site: Site, module: str) -> list[Edit]:
    """`import module` at the top of the file, unless the file already imports it."""
    root = _root(site.node)
    last: ts.Node | None = None
    for child in root.named_children:
        if child.type in ("import_statement", "import_from_statement", "future_import_statement"):
            if child.type == "import_statement" and any(
                node_text(name) == module for name in child.children_by_field_name("name")
            ):
                return []
            last = child
        elif child.type == "comment" or (last is None and _is_docstring(child)):
            continue
        else:
            break
    if last is not None:
        return [Edit(last.end_byte, last.end_byte, f"\nimport {module}")]
    # after leading comments (a shebang, an encoding line) and the module docstring
    at = 0
    for child in root.named_children:
        if child.type == "comment" or _is_docstring(child):
            at = _line_end(site.source, child.end_byte) + 1
        else:
            break
    at = min(at, len(site.source))
    return [Edit(at, at, f"import {module}\n")]


def _is_docstring(node: ts.Node) -> bool:
    return node.type == "expression_statement" and node.named_child_count == 1 and node.named_children[0].type == "string"


def _go_retry(site: Site) -> Fix | None:
    """After `x, err := call(...)`: call again, with a growing pause, while err != nil."""
    statement = next(
        (a for a in _ancestors(site.node) if a.type in ("short_var_declaration", "assignment_statement")), None
    )
    if statement is None or statement.parent is None or statement.parent.type not in ("block", "statement_list"):
        return None
    left = statement.child_by_field_name("left")
    names = [node_text(n) for n in left.named_children] if left is not None else []
    if not names or names[-1] != "err":
        return None
    source = site.source
    indent = _indent(source, statement.start_byte)
    again = node_text(statement)
    if statement.type == "short_var_declaration":
        again = again.replace(":=", "=", 1)
    text = (
        f"\n{indent}for attempt := 1; err != nil && attempt < {RETRY_ATTEMPTS}; attempt++ {{ // retry with backoff\n"
        f"{indent}\ttime.Sleep(time.Duration(attempt) * time.Second)\n"
        f"{indent}\t{again}\n"
        f"{indent}}}"
    )
    edits = [Edit(statement.end_byte, statement.end_byte, text), *_go_import(site, "time")]
    return Fix("retry", f"Retry this I/O up to {RETRY_ATTEMPTS} times while it fails", tuple(edits), Applicability.UNSAFE)


def _go_import(site: Site, path: str) -> list[Edit]:
    root = _root(site.node)
    declarations = [c for c in root.named_children if c.type == "import_declaration"]
    for declaration in declarations:
        for spec in _go_specs(declaration):
            spec_path = spec.child_by_field_name("path")
            if spec_path is not None and site.adapter.string_value(spec_path) == path:
                return []
    for declaration in declarations:
        spec_list = next((c for c in declaration.named_children if c.type == "import_spec_list"), None)
        if spec_list is not None and spec_list.child_count >= 2:
            close = spec_list.children[-1]
            return [Edit(_line_start(site.source, close.start_byte), _line_start(site.source, close.start_byte), f'\t"{path}"\n')]
    if declarations:
        return [Edit(declarations[-1].end_byte, declarations[-1].end_byte, f'\nimport "{path}"')]
    package = next((c for c in root.named_children if c.type == "package_clause"), None)
    at = package.end_byte if package is not None else 0
    return [Edit(at, at, f'\n\nimport "{path}"\n')]


def _go_specs(declaration: ts.Node) -> list[ts.Node]:
    specs: list[ts.Node] = []
    for child in declaration.named_children:
        specs.extend(child.named_children if child.type == "import_spec_list" else [child])
    return [spec for spec in specs if spec.type == "import_spec"]


_JAVA_BLOCKS = frozenset({"block", "constructor_body", "switch_block_statement_group"})


def _java_retry(site: Site) -> Fix | None:
    """`for (int attempt = 1; ; attempt++) { try { <statement> break; } catch (RuntimeException e) { ... } }`.

    Only a statement that declares nothing (a declaration would go out of scope in the
    loop); only unchecked exceptions are retried, so checked ones propagate as before and
    the method's `throws` clause still holds.
    """
    statement = next((a for a in _ancestors(site.node) if a.parent is not None and a.parent.type in _JAVA_BLOCKS), None)
    source = site.source
    if statement is None or statement.type not in ("expression_statement", "return_statement"):
        return None
    if not _starts_its_line(source, statement):
        return None
    indent = _indent(source, statement.start_byte)
    unit = "    " if not indent or indent[0] == " " else "\t"
    body = node_text(statement)
    done = "" if statement.type == "return_statement" else f"{indent}{unit * 2}break;\n"
    last = RETRY_ATTEMPTS
    text = (
        f"{indent}for (int attempt = 1; ; attempt++) {{ // retry with backoff\n"
        f"{indent}{unit}try {{\n"
        f"{indent}{unit * 2}{body}\n"
        f"{done}"
        f"{indent}{unit}}} catch (RuntimeException e) {{\n"
        f"{indent}{unit * 2}if (attempt >= {last}) {{\n"
        f"{indent}{unit * 3}throw e;\n"
        f"{indent}{unit * 2}}}\n"
        f"{indent}{unit * 2}try {{\n"
        f"{indent}{unit * 3}Thread.sleep(1000L * attempt);\n"
        f"{indent}{unit * 2}}} catch (InterruptedException interrupted) {{\n"
        f"{indent}{unit * 3}Thread.currentThread().interrupt();\n"
        f"{indent}{unit * 3}throw e;\n"
        f"{indent}{unit * 2}}}\n"
        f"{indent}{unit}}}\n"
        f"{indent}}}"
    )
    edit = Edit(_line_start(source, statement.start_byte), statement.end_byte, text)
    return Fix("retry", f"Retry this I/O up to {RETRY_ATTEMPTS} times with backoff", (edit,), Applicability.UNSAFE)


_RETRY_BUILDERS: dict[str, Template] = {"python": _python_retry, "go": _go_retry, "java": _java_retry}


# --- validate -------------------------------------------------------------------------


def validate(site: Site) -> Fix | None:
    """After `df = read(...)`: raise when nothing, or only nulls, came back (Python)."""
    if site.finding.language != "python" or site.finding.role != "source":
        return None
    statement = _python_statement(site.node)
    if statement is None or statement.type != "expression_statement" or statement.named_child_count != 1:
        return None
    assignment = statement.named_children[0]
    target = assignment.child_by_field_name("left")
    value = assignment.child_by_field_name("right")
    if assignment.type != "assignment" or target is None or value is None or target.type != "identifier":
        return None
    if not (value.start_byte <= site.node.start_byte and site.node.end_byte <= value.end_byte):
        return None
    name = node_text(target)
    what = next((e.name for e in site.finding.entities), "") or site.finding.tech or "the source"
    indent = _indent(site.source, statement.start_byte)
    test, problem = _emptiness_test(name, site.finding.tech)
    message = json.dumps(f"data-quality check failed for {what}: {problem}", ensure_ascii=False)
    text = f"\n{indent}if {test}:  # validate what was read\n{indent}    raise ValueError({message})"
    at = statement.end_byte
    return Fix("validate", f"Check the data read into {name}", (Edit(at, at, text),), Applicability.UNSAFE)


def _emptiness_test(name: str, tech: str) -> tuple[str, str]:
    if tech == "pandas":
        return f"{name}.empty or {name}.isna().all().any()", "no rows, or a column with only nulls"
    if tech == "polars":
        return (
            f"{name}.is_empty() or any(n == {name}.height for n in {name}.null_count().row(0))",
            "no rows, or a column with only nulls",
        )
    return f"not {name}", "nothing was read"


#: templates that edit the finding's own file, by the name a rule gives them
EDIT_TEMPLATES: dict[str, Template] = {"suppress": suppress, "retry": retry, "validate": validate}
#: templates that create a new file (flowscan.scaffold)
FILE_TEMPLATES = frozenset({"scaffold"})

assert set(EDIT_TEMPLATES) | FILE_TEMPLATES == set(FIXES), "every template the grammar accepts has a builder"
