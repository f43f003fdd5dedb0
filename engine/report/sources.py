"""The code behind a finding, read again for a report: its line, the SQL it runs, the
columns it names.

A finding says *that* `cur.execute(ORDERS_SQL)` reads `orders`; a report also says *which
columns* and *on what condition*. The file is parsed once more with its language adapter,
the SQL text is found the way the engine finds it (literals, concatenations, constants
bound earlier in the file), and `sqlcolumns` reads it. Every text that leaves this module
is redacted.
"""

from __future__ import annotations

import re
from pathlib import Path

import tree_sitter as ts
from attrs import frozen

from flowscan.findings import Finding
from flowscan.languages import adapter
from flowscan.literals import LiteralReader
from flowscan.redact import redact
from flowscan.report.sqlcolumns import SqlColumns, read_columns
from flowscan.sqlflow import looks_like_sql, parse_embedded

# `"... \` line continuations (Rust) and escaped newlines inside host-language strings
_CONTINUATION = re.compile(r"\\\r?\n\s*")
_ESCAPES = re.compile(r"\\[ntr]")
# DataFrame and Spark column arguments: on="sku", subset=["order_id", "sku"], usecols=[...]
_KEYWORD_COLUMNS = re.compile(r"\b(on|left_on|right_on|subset|usecols|by|columns)\s*=\s*(\[[^\]]*\]|\"[^\"]*\"|'[^']*')")
_GROUPBY = re.compile(r"\b(groupby|groupBy|group_by|partitionBy)\(\s*(\[[^\]]*\]|\"[^\"]*\"|'[^']*'|[\"'][^)]*)")
_COMPARISON = re.compile(r"""\[\s*["'](\w+)["']\s*\]\s*(==|!=|>=|<=|>|<)\s*([\w.'"-]+(?:\[[^\]]*\])*)""")
_QUOTED = re.compile(r"""["']([A-Za-z_]\w*)["']""")
#: a DSN or broker address written in code: scheme://user:password@host:port/db
DSN = re.compile(r"""\b(?:jdbc:)?([a-z][a-z0-9+.-]*)://[^\s'"`,)]+""", re.IGNORECASE)
_MAX_CALL_LINES = 12
_WEB_SCHEMES = frozenset({"http", "https", "ws", "wss", "s3", "s3a", "gs", "file", "ftp", "sftp"})


@frozen
class CodeColumn:
    """A column a DataFrame or Spark call names: `merge(on="sku")` is a join on sku."""

    clause: str  # join | not_null | unique | group_by | where | select
    column: str
    text: str


class Sources:
    """Source files of a scan, each read and parsed at most once."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path.cwd()
        self._text: dict[str, bytes | None] = {}
        self._trees: dict[str, ts.Tree] = {}
        self._sql_files: dict[str, SqlColumns] = {}

    def data(self, path: str) -> bytes | None:
        if path not in self._text:
            try:
                self._text[path] = (self.root / path).read_bytes()
            except OSError:
                self._text[path] = None
        return self._text[path]

    def text(self, path: str) -> str:
        data = self.data(path)
        return data.decode("utf-8", "replace") if data is not None else ""

    def line(self, path: str, line: int) -> str:
        """The code on a line, stripped and redacted ("" when the file is gone)."""
        lines = self.text(path).splitlines()
        return redact(lines[line - 1].strip()) if 0 < line <= len(lines) else ""

    def span(self, finding: Finding) -> str:
        """The code of a finding's call, whitespace collapsed: from where it starts to where its
        parentheses close (a finding reported at a method name still shows its arguments)."""
        lines = self.text(finding.path).splitlines()
        if not 0 < finding.start.line <= len(lines):
            return ""
        text = "\n".join(lines[finding.start.line - 1: finding.start.line + _MAX_CALL_LINES])
        start = finding.start.column - 1
        depth, opened, end = 0, False, len(text)
        for index in range(start, len(text)):
            char = text[index]
            if char in "([":
                depth, opened = depth + 1, True
            elif char in ")]":
                depth -= 1
                if opened and depth <= 0:
                    end = index + 1
                    break
            elif char == "\n" and not opened:
                end = index
                break
        return " ".join(text[start:end].split())

    def _tree(self, finding: Finding) -> ts.Tree | None:
        if finding.path not in self._trees:
            data = self.data(finding.path)
            if data is None:
                return None
            self._trees[finding.path] = adapter(finding.language).parse(data)
        return self._trees[finding.path]

    # --- SQL --------------------------------------------------------------------------------

    def sql_text(self, finding: Finding) -> str | None:
        """The SQL a host-code finding runs, as the file spells it (literals joined, constants followed)."""
        if finding.language == "sql":
            return None
        tree = self._tree(finding)
        data = self.data(finding.path)
        if tree is None or data is None:
            return None
        start, end = _byte(data, finding.start.line, finding.start.column), _byte(data, finding.end.line, finding.end.column)
        node = tree.root_node.descendant_for_byte_range(start, max(start, end - 1))
        if node is None:
            return None
        literals = LiteralReader(adapter(finding.language), tree.root_node)
        for candidate in _preorder(node):
            if candidate.type == "comment":
                continue
            text = literals.text(candidate)
            if text and looks_like_sql(text):
                return _ESCAPES.sub(" ", _CONTINUATION.sub(" ", text))
        return None

    def sql_columns(self, finding: Finding) -> SqlColumns | None:
        """Columns of the SQL behind a finding: the statement of a host-code call, or a `.sql` file."""
        if finding.language == "sql":
            return self.sql_file(finding.path)
        text = self.sql_text(finding)
        tree = parse_embedded(text) if text else None
        if tree is None:
            return None
        return read_columns(tree.root_node, lambda _node: finding.start.line)

    def sql_file(self, path: str) -> SqlColumns:
        if path not in self._sql_files:
            data = self.data(path)
            if data is None:
                self._sql_files[path] = SqlColumns()
            else:
                tree = adapter("sql").parse(data)
                model = Path(path).stem
                self._sql_files[path] = read_columns(tree.root_node, lambda node: node.start_point[0] + 1, model)
        return self._sql_files[path]

    # --- DataFrame columns ----------------------------------------------------------------------

    def code_columns(self, finding: Finding) -> list[CodeColumn]:
        """Columns a DataFrame/Spark transform or read names, with what it does with them."""
        code = self.span(finding)
        if not code:
            return []
        found: list[CodeColumn] = []
        method = _method(code)
        for keyword, value in _KEYWORD_COLUMNS.findall(code):
            clause = _keyword_clause(keyword, method)
            for column in _QUOTED.findall(value):
                found.append(CodeColumn(clause, column, redact(code[:160])))
        for _, value in _GROUPBY.findall(code):
            for column in _QUOTED.findall(value):
                found.append(CodeColumn("group_by", column, redact(code[:160])))
        for column, operator, operand in _COMPARISON.findall(code):
            found.append(CodeColumn("where", column, redact(f"{column} {operator} {operand}")))
        return list(dict.fromkeys(found))

    # --- connection details -------------------------------------------------------------------

    def dsns(self, path: str, line: int) -> list[str]:
        """DSNs and broker URLs written on a line, redacted (web URLs and object paths are not DSNs)."""
        lines = self.text(path).splitlines()
        if not 0 < line <= len(lines):
            return []
        return [redact(m.group(0)) for m in DSN.finditer(lines[line - 1]) if m.group(1).lower() not in _WEB_SCHEMES]


def _method(code: str) -> str:
    calls = re.findall(r"(\w+)\s*\(", code)
    return calls[0] if calls else ""


def _keyword_clause(keyword: str, method: str) -> str:
    if keyword in ("on", "left_on", "right_on"):
        return "join"
    if keyword == "subset":
        return "unique" if "duplicate" in method.lower() else "not_null"
    if keyword == "by":
        return "group_by"
    return "select"


def _byte(data: bytes, line: int, column: int) -> int:
    offset = 0
    for _ in range(line - 1):
        found = data.find(b"\n", offset)
        if found < 0:
            return len(data)
        offset = found + 1
    end = data.find(b"\n", offset)
    text = data[offset: end if end >= 0 else len(data)].decode("utf-8", "replace")
    return offset + len(text[: column - 1].encode("utf-8"))


def _preorder(node: ts.Node):  # type: ignore[no-untyped-def]
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))
