"""Source files that may hold ORM models (Java, Go): read within bounds, parsed once, flaws as Problems.

A repository has far more `.java` and `.go` files than model files, so a file is parsed
only when its bytes contain a marker (`@Entity`, `gorm`); the rest stay unparsed unless a
model names a class they declare. tree-sitter recovers from syntax errors: what parses
is read, and each error is reported where it is, so a half-edited model is never silently
half-read.
"""

from __future__ import annotations

from collections.abc import Iterator

import tree_sitter as ts
from attrs import define, evolve, field, frozen

from flowscan.catalog.files import MAX_TEXT_BYTES, CatalogFile, Unreadable
from flowscan.catalog.model import Field, Index, Item, Origin, Problem
from flowscan.languages import adapter
from flowscan.redact import MASK, is_secret_name, redact

#: syntax errors reported per file: past a few, more say nothing new
MAX_SYNTAX_PROBLEMS = 5
_BINARY_SNIFF = 8192
_LANGUAGE_NAMES = {"java": "Java", "go": "Go"}


@frozen
class Source:
    """A parsed file; `problems` are its encoding and syntax flaws (the tree is still usable)."""

    file: CatalogFile
    data: bytes
    tree: ts.Tree
    problems: tuple[Problem, ...] = ()

    @property
    def path(self) -> str:
        return self.file.display_path


def read_bytes(file: CatalogFile) -> bytes | Problem:
    """The file's bytes (at most one past the text limit), or why they cannot be had."""
    try:
        return file.head(MAX_TEXT_BYTES + 1)
    except Unreadable as error:
        return error.problem


def has_marker(data: bytes, markers: tuple[bytes, ...]) -> bool:
    return any(marker in data for marker in markers)


def parse(file: CatalogFile, data: bytes, language: str, report: bool = True) -> Source | Problem:
    """Parse `data` (already read from `file`); a file too large or binary is a Problem.

    With `report`, encoding and syntax flaws become the Source's problems; a helper file
    parsed only to learn what a model names (an enum, a constant) is not reported on.
    """
    if len(data) > MAX_TEXT_BYTES:
        return file.problem(f"larger than {MAX_TEXT_BYTES} bytes: its models were not read")
    if b"\0" in data[:_BINARY_SNIFF]:
        return file.problem("binary file where source code was expected")
    tree = adapter(language).parse(data)
    if not report:
        return Source(file, data, tree)
    problems = [*_encoding_problems(file, data), *syntax_problems(file, data, tree.root_node, language)]
    return Source(file, data, tree, tuple(problems))


def _encoding_problems(file: CatalogFile, data: bytes) -> list[Problem]:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = position(data, error.start)
        return [file.problem(f"not valid UTF-8 (byte 0x{data[error.start]:02x}): names and strings "
                             "with such bytes are read with replacement characters", line, column)]
    return []


def syntax_problems(file: CatalogFile, data: bytes, root: ts.Node, language: str) -> list[Problem]:
    language = _LANGUAGE_NAMES.get(language, language)
    problems: list[Problem] = []
    for node in _error_nodes(root):
        if len(problems) == MAX_SYNTAX_PROBLEMS:
            problems.append(file.problem(f"more {language} syntax errors follow; only the first "
                                         f"{MAX_SYNTAX_PROBLEMS} are listed", *position(data, node.start_byte)))
            break
        line, column = position(data, node.start_byte)
        if node.is_missing:
            message = f"{language} syntax error: missing `{node.type}`; the models around it were read"
        else:
            message = f"{language} syntax error: cannot parse `{_snippet(node)}`; the models around it were read"
        problems.append(file.problem(message, line, column))
    return problems


def _error_nodes(root: ts.Node) -> Iterator[ts.Node]:
    """ERROR and MISSING nodes, outermost first; only subtrees that hold an error are walked."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            yield node
            continue  # an error's insides are the same error
        if node.has_error:
            stack.extend(reversed(node.children))


def _snippet(node: ts.Node, limit: int = 40) -> str:
    text = (node.text or b"").decode("utf-8", "replace").strip().splitlines()
    first = text[0].strip() if text else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def line(node: ts.Node) -> int:
    return node.start_point.row + 1


def text(node: ts.Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def notes(*parts: str | None) -> str | None:
    """Descriptions joined with `; ` (a sentence's closing period dropped so they read as one)."""
    given = [p.strip() for p in parts if p and p.strip()]
    return "; ".join([*(p.rstrip(".") for p in given[:-1]), *given[-1:]]) or None


@define
class Table:
    """A table while a reader assembles it; columns keep the first declaration of a name."""

    name: str
    origins: list[Origin]
    columns: dict[str, Field] = field(factory=dict)
    indexes: list[Index] = field(factory=list)
    facts: dict[str, str] = field(factory=dict)
    description: str | None = None

    def add(self, column: Field) -> None:
        known = self.columns.get(column.name.lower())
        if known is None:
            self.columns[column.name.lower()] = column
        elif column.references and not known.references:
            # a basic field and an association sharing a column (`customer_id` read-only twice)
            self.columns[column.name.lower()] = evolve(known, references=column.references)

    def origin(self, origin: Origin) -> None:
        if origin not in self.origins:
            self.origins.append(origin)

    def item(self) -> Item:
        """The finished item, every text that came from the source redacted."""
        return Item("table", self.name, tuple(self.origins), tuple(_redacted(c) for c in self.columns.values()),
                    tuple(self.indexes), tuple((k, redact(v)) for k, v in self.facts.items()),
                    redact(self.description) if self.description else None)


def _redacted(column: Field) -> Field:
    """Defaults, types and descriptions are copied from source text: a literal secret in one is masked.

    A `password` column's default is a secret whatever it looks like (`default:changeme`).
    """
    default = column.default
    if default is not None:
        default = MASK if is_secret_name(column.name) and default.strip("'\"") else redact(default)
    return evolve(column, type=redact(column.type) if column.type else None, default=default,
                  description=redact(column.description) if column.description else None)
