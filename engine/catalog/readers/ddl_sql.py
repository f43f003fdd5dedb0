"""SQL DDL read into schema changes, one statement at a time, with sqlglot.

Why sqlglot and not the tree-sitter-sql grammar the scanner uses: tree-sitter-sql misreads
DDL that every schema file has — `CONSTRAINT fk FOREIGN KEY (...) REFERENCES ...` and
`CONSTRAINT uq UNIQUE (...)` inside CREATE TABLE (the foreign key comes out as a bare
`KEY (...)`, the unique constraint as an error node), MySQL table options
(`ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=...`), SQLite's `COLLATE NOCASE` — while
sqlglot knows each dialect's DDL. sqlglot normalises what it parses (`integer` becomes
INT, `now()` CURRENT_TIMESTAMP), so the structure comes from its tree and the text a
user wrote (types, defaults) from the source, located through its tokens.

The file is split into statements here (strings, comments, dollar quotes, MySQL
`DELIMITER` and `/*!...*/` honoured) so that a statement that does not parse costs only
itself: it becomes a Problem at the line and column sqlglot stopped at, and the next
statement is read. Only statements that shape tables are parsed at all (CREATE TABLE /
VIEW / INDEX, ALTER TABLE, DROP, RENAME TABLE, COMMENT ON); INSERTs of a dump, queries,
functions and grants are passed over without parsing.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache

from attrs import define, field, frozen
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token

from flowscan.catalog.model import Index, Origin, Problem
from flowscan.catalog.readers.ddl_model import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    AddPrimaryKey,
    AlterColumn,
    Change,
    CheckSpec,
    ColumnSpec,
    CreateTable,
    CreateView,
    Describe,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    ForeignKeySpec,
    RedefineColumn,
    RenameColumn,
    RenameTable,
)

#: the dialects tried, after the one the file looks like, until one reads a statement
DIALECTS = ("postgres", "mysql", "sqlite", "tsql", "bigquery", "snowflake")


@frozen
class SqlRead:
    changes: tuple[Change, ...]
    problems: tuple[Problem, ...]
    #: the dialect the file looked like
    dialect: str


def read_sql(text: str, path: str, source: str = "ddl", first_line: int = 1, first_column: int = 1) -> SqlRead:
    """The schema changes in `text`, in order. `first_line`/`first_column` place SQL that
    sits inside another file (a string in a Python migration) where it is in that file."""
    dialect = sniff_dialect(text)
    mysql = dialect == "mysql"
    if mysql and "/*!" in text:
        text = unwrap_mysql_comments(text)
    lines = LineIndex(text, first_line, first_column)
    changes: list[Change] = []
    problems: list[Problem] = []
    order = (dialect, *(d for d in DIALECTS if d != dialect))
    parsers = _Parsers()
    with _quiet_sqlglot():
        for start, end in split_statements(text, mysql):
            kind = statement_kind(text, start, end)
            if kind is None:
                continue
            # a statement is where its first word is, not where the comments above it start
            begin = _LEADING.match(text, start, end)
            statement = _Source(text, begin.end() if begin else start, end, lines, path, source)
            read = _read_statement(statement, kind, order, parsers)
            if isinstance(read, Problem):
                problems.append(read)
            else:
                changes.extend(read)
    return SqlRead(tuple(changes), tuple(problems), dialect)


# --- which dialect, which statements -------------------------------------------------------

_MYSQL_SIGNS = re.compile(r"`|\bENGINE\s*=|\bAUTO_INCREMENT\b|/\*!\d|\bUNSIGNED\b|^\s*DELIMITER\s",
                          re.IGNORECASE | re.MULTILINE)
_SQLITE_SIGNS = re.compile(r"\bAUTOINCREMENT\b|\bWITHOUT\s+ROWID\b|\bPRAGMA\s", re.IGNORECASE)
_TSQL_SIGNS = re.compile(r"\[dbo\]|^\s*GO\s*$|\bNVARCHAR\b|\bIDENTITY\s*\(|\b(?:NON)?CLUSTERED\b",
                         re.IGNORECASE | re.MULTILINE)


def sniff_dialect(text: str) -> str:
    """The dialect tried first: cheap signs only, since every statement falls back to the others.

    Substrings of the upper-cased text first: the regexes alone take tens of milliseconds
    on a large schema, the substring tests a few."""
    upper = text.upper()
    if any(sign in upper for sign in ("`", "ENGINE", "AUTO_INCREMENT", "/*!", "UNSIGNED", "DELIMITER")) and (
            _MYSQL_SIGNS.search(text)):
        return "mysql"
    if any(sign in upper for sign in ("AUTOINCREMENT", "ROWID", "PRAGMA")) and _SQLITE_SIGNS.search(text):
        return "sqlite"
    if any(sign in upper for sign in ("[DBO]", "GO", "NVARCHAR", "IDENTITY", "CLUSTERED")) and _TSQL_SIGNS.search(text):
        return "tsql"
    return "postgres"


_LEADING = re.compile(r"(?:\s+|--[^\n]*|#[^\n]*|/\*.*?\*/)*", re.DOTALL)
_HEADS = re.compile(
    r"(?P<create>CREATE\b)"
    r"|(?P<alter>ALTER\s+(?:ONLINE\s+|IGNORE\s+)?TABLE\b)"
    r"|(?P<drop>DROP\s+(?:MATERIALIZED\s+)?(?:TABLE|VIEW|INDEX)\b)"
    r"|(?P<rename>RENAME\s+TABLE\b)"
    r"|(?P<comment>COMMENT\s+ON\s+(?:TABLE|COLUMN|VIEW|MATERIALIZED\s+VIEW)\b)",
    re.IGNORECASE,
)
# The first of these words after CREATE says what is created: a function RETURNS TABLE later.
_CREATED = re.compile(
    r"\b(TABLE|VIEW|INDEX|FUNCTION|PROCEDURE|TRIGGER|TYPE|SEQUENCE|EXTENSION|SCHEMA|DATABASE|ROLE|USER|POLICY|"
    r"DOMAIN|RULE|EVENT|AGGREGATE|OPERATOR|CAST|COLLATION|PUBLICATION|SUBSCRIPTION|SERVER|STAGE|STREAM|TASK|PIPE|"
    r"WAREHOUSE|MACRO|TABLESPACE|STATISTICS|LANGUAGE|SEARCH|FORMAT|CONNECTION|SHARE|TAG|MODEL)\b",
    re.IGNORECASE,
)
_TEMPORARY = re.compile(r"\b(?:TEMP|TEMPORARY|VOLATILE)\b", re.IGNORECASE)


def statement_kind(text: str, start: int, end: int) -> str | None:
    """`create`, `alter`, `drop`, `rename` or `comment` for statements that shape tables; None for the rest."""
    begin = _LEADING.match(text, start, end)
    position = begin.end() if begin else start
    head = _HEADS.match(text, position, end)
    if head is None or head.lastgroup is None:
        return None
    if head.lastgroup != "create":
        return head.lastgroup
    created = _CREATED.search(text, head.end(), min(end, head.end() + 400))
    if created is None or created.group(1).upper() not in ("TABLE", "VIEW", "INDEX"):
        return None
    if _TEMPORARY.search(text, head.end(), created.start()):
        return None  # a session's scratch table is no part of the schema
    return "create"


# --- splitting ------------------------------------------------------------------------------


@cache
def _breaks(delimiter: str, mysql: bool) -> re.Pattern[str]:
    comment = r"--|#" if mysql else r"--"
    return re.compile(
        (r"(?P<delimiter>^[ \t]*DELIMITER[ \t]+(?P<new>\S+)[ \t]*\r?$)|" if mysql else "")
        + r"(?P<go>^[ \t]*GO[ \t]*\r?$)"
        + rf"|(?P<end>{re.escape(delimiter)})"
        + r"|(?P<quote>['\"`])"
        + rf"|(?P<line>{comment})"
        + r"|(?P<block>/\*)"
        + r"|(?P<dollar>\$(?:[A-Za-z_]\w*)?\$)",
        re.MULTILINE | re.IGNORECASE,
    )


_COPY_FROM_STDIN = re.compile(r"\s*COPY\b[^;]*\bFROM\s+STDIN\b", re.IGNORECASE)
_END_OF_COPY = re.compile(r"^\\\.\r?$", re.MULTILINE)


def split_statements(text: str, mysql: bool = False) -> list[tuple[int, int]]:
    """(start, end) offsets of the statements in `text`, blanks around them trimmed.

    A statement ends at the delimiter (`;`, or what MySQL's `DELIMITER` set), at a T-SQL
    `GO` line, or at the end of the text; delimiters inside strings, quoted names,
    comments and dollar-quoted bodies do not count.
    """
    spans: list[tuple[int, int]] = []
    start = position = 0
    size = len(text)
    pattern = _breaks(";", mysql)
    while position < size:
        found = pattern.search(text, position)
        if found is None:
            break
        kind = found.lastgroup
        if kind in ("end", "go", "delimiter"):
            spans.append((start, found.start()))
            start = position = found.end()
            if kind == "delimiter":
                pattern = _breaks(found.group("new"), mysql)
            elif _COPY_FROM_STDIN.match(text, spans[-1][0], spans[-1][1]):
                # pg_dump's rows follow until a `\.` line: data, not statements
                close = _END_OF_COPY.search(text, position)
                start = position = size if close is None else close.end()
        elif kind == "quote":
            position = _after_quoted(text, found.end(), found.group(0), backslash=mysql)
        elif kind == "line":
            newline = text.find("\n", found.end())
            position = size if newline < 0 else newline + 1
        elif kind == "block":
            closing = text.find("*/", found.end())
            position = size if closing < 0 else closing + 2
        else:
            closing = text.find(found.group(0), found.end())
            position = size if closing < 0 else closing + len(found.group(0))
    spans.append((start, size))
    return [span for span in (_trimmed(text, a, b) for a, b in spans) if span[1] > span[0]]


def _after_quoted(text: str, position: int, quote: str, backslash: bool) -> int:
    """The offset after the closing quote (doubled quotes and, in MySQL, `\\'` stay inside)."""
    size = len(text)
    while True:
        close = text.find(quote, position)
        if close < 0:
            return size
        if backslash and _escaped(text, close):
            position = close + 1
            continue
        if text.startswith(quote, close + 1):
            position = close + 2
            continue
        return close + 1


def _escaped(text: str, position: int) -> bool:
    backslashes = 0
    while position - backslashes - 1 >= 0 and text[position - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_EXECUTABLE_COMMENT = re.compile(r"/\*!(?:\d{5,6})?(.*?)\*/", re.DOTALL)


def unwrap_mysql_comments(text: str) -> str:
    """MySQL runs what is in `/*!50001 ... */`: mysqldump wraps views in it. The markers
    become blanks of the same length, so every position stays where it was."""
    return _EXECUTABLE_COMMENT.sub(
        lambda m: " " * (m.start(1) - m.start()) + m.group(1) + "  ", text)


# --- positions ------------------------------------------------------------------------------


class LineIndex:
    """Offsets to 1-based lines and columns, shifted when the text sits inside another file."""

    def __init__(self, text: str, first_line: int = 1, first_column: int = 1) -> None:
        self._starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self._first_line = first_line
        self._first_column = first_column

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset) - 1 + self._first_line

    def column(self, offset: int) -> int:
        row = bisect.bisect_right(self._starts, offset) - 1
        column = offset - self._starts[row] + 1
        return column + self._first_column - 1 if row == 0 else column


@frozen
class _Source:
    """One statement of a file: `sql` is `text[start:end]`."""

    text: str
    start: int
    end: int
    lines: LineIndex
    path: str
    source: str
    sql: str = field(init=False)

    @sql.default
    def _sql(self) -> str:
        return self.text[self.start:self.end]

    def origin(self, offset: int = 0) -> Origin:
        return Origin(self.source, self.path, self.lines.line(self.start + offset))

    def problem(self, message: str, offset: int = 0) -> Problem:
        at = self.start + offset
        return Problem(self.path, self.lines.line(at), self.lines.column(at), message)


# --- parsing one statement ------------------------------------------------------------------


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """sqlglot logs a warning for each statement it reads as an opaque command; those
    statements are reported here as problems (or are of no interest), not logged."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


_SQLITE_TABLE_OPTIONS = re.compile(r"\)\s*((?:WITHOUT\s+ROWID|STRICT)(?:\s*,\s*(?:WITHOUT\s+ROWID|STRICT))*)\s*$",
                                   re.IGNORECASE)
# pg_dump ends a materialized view with WITH [NO] DATA, which sqlglot does not read
_WITH_DATA = re.compile(r"\bWITH\s+(?:NO\s+)?DATA\s*$", re.IGNORECASE)


class _Parsers:
    """One tokenizer-and-parser pair per dialect for a whole file: making a sqlglot parser
    costs about as much as parsing a short statement with it."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[Dialect, Parser]] = {}

    def __call__(self, dialect: str) -> tuple[Dialect, Parser]:
        made = self._made.get(dialect)
        if made is None:
            reader = Dialect.get_or_raise(dialect)
            made = self._made[dialect] = (reader, reader.parser(error_level=ErrorLevel.RAISE))
        return made


def _read_statement(statement: _Source, kind: str, dialects: Sequence[str],
                    parsers: _Parsers) -> list[Change] | Problem:
    sql = statement.sql
    extra: tuple[tuple[str, str], ...] = ()
    options = _SQLITE_TABLE_OPTIONS.search(sql) if kind == "create" else None
    if options is not None:
        # sqlglot does not know SQLite's table options; they say nothing about columns
        extra = (("sqlite options", " ".join(options.group(1).upper().split())),)
        sql = sql[: options.start(1)] + " " * (options.end(1) - options.start(1)) + sql[options.end(1):]
    with_data = _WITH_DATA.search(sql) if kind == "create" else None
    if with_data is not None:
        sql = sql[: with_data.start()] + " " * (with_data.end() - with_data.start())
    first: Problem | None = None
    for dialect in dialects:
        parsed = _parse(sql, parsers(dialect), statement)
        if isinstance(parsed, Problem):
            first = first or parsed
            continue
        tokens, expression = parsed
        if isinstance(expression, exp.Command):
            if kind == "rename":
                return _rename_tables(sql, parsers(dialect)[0], statement)
            if kind == "alter" and not _changes_columns(sql):
                return []  # OWNER TO, ENABLE TRIGGER, SET (fillfactor ...): nothing the catalog shows
            first = first or statement.problem(
                f"{_what(sql)} statement not understood in the {dialect} dialect: not read")
            continue
        try:
            return _Converter(statement, tokens, dialect, extra).convert(expression)
        except Exception as error:  # a tree shape not foreseen costs this statement, not the file
            return statement.problem(f"{_what(sql)} statement not read: {type(error).__name__}: {error}")
    assert first is not None
    return Problem(first.path, first.line, first.column,
                   first.message + f" (tried {', '.join(dialects)})")


def _parse(sql: str, made: tuple[Dialect, Parser],
           statement: _Source) -> tuple[list[Token], exp.Expression] | Problem:
    reader, parser = made
    tokens: list[Token] = []
    try:
        tokens = reader.tokenize(sql)
        expressions = [e for e in parser.parse(tokens, sql) if e is not None]
    except TokenError as error:
        return statement.problem(f"{_what(sql)} statement not read: {_first_line(str(error))}")
    except ParseError as error:
        detail = error.errors[0] if error.errors else {}
        line, column = int(detail.get("line") or 1), int(detail.get("col") or 1)
        message = str(detail.get("description") or error).splitlines()[0]
        return statement.problem(f"{_what(sql)} statement not read: {message}",
                                 _token_start(tokens, _offset_of(sql, line, column)))
    except Exception as error:  # sqlglot raises plain errors on some malformed input too
        return statement.problem(f"{_what(sql)} statement not read: {_first_line(str(error)) or type(error).__name__}")
    if not expressions:
        return statement.problem(f"{_what(sql)} statement is empty")
    return tokens, expressions[0]


def _token_start(tokens: list[Token], offset: int) -> int:
    """sqlglot points at the last character of the token it stopped at; a reader wants its first."""
    for token in tokens:
        if token.start <= offset <= token.end:
            return token.start
    return offset


def _offset_of(sql: str, line: int, column: int) -> int:
    """The offset of sqlglot's (line, column) — the column of the last character it read."""
    offset = 0
    for _ in range(line - 1):
        newline = sql.find("\n", offset)
        if newline < 0:
            break
        offset = newline + 1
    return min(offset + max(column - 1, 0), max(len(sql) - 1, 0))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _what(sql: str) -> str:
    words = _LEADING.sub("", sql, count=1).split()
    return " ".join(words[:2]).upper() if words else "SQL"


_CHANGES_COLUMNS = re.compile(r"\b(ADD|DROP|ALTER|MODIFY|CHANGE|RENAME)\b", re.IGNORECASE)
_ALTER_HEAD = re.compile(r"^\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)?TABLE\b", re.IGNORECASE)


def _changes_columns(sql: str) -> bool:
    """Whether an ALTER TABLE sqlglot could not read changes something the catalog shows."""
    body = _ALTER_HEAD.sub("", _LEADING.sub("", sql, count=1))
    return _CHANGES_COLUMNS.search(body) is not None


_RENAME_HEAD = re.compile(r"\s*RENAME\s+TABLE\b", re.IGNORECASE)


def _rename_tables(sql: str, reader: Dialect, statement: _Source) -> list[Change]:
    """MySQL `RENAME TABLE a TO b, c TO d`: sqlglot keeps it as an opaque command, its
    tokenizer the rest as one string, so the names are tokenized here."""
    head = _RENAME_HEAD.match(_LEADING.sub("", sql, count=1))
    try:
        tokens = reader.tokenize(_LEADING.sub("", sql, count=1)[head.end():]) if head else []
    except TokenError:
        return []
    changes: list[Change] = []
    names: list[list[str]] = [[]]
    for token in tokens:
        word = token.text.upper()
        if word == "TO" and len(names) == 1:
            names.append([])
        elif token.text == ",":
            if len(names) == 2 and names[0] and names[1]:
                changes.append(RenameTable(statement.origin(), "".join(names[0]), "".join(names[1])))
            names = [[]]
        else:
            names[-1].append(token.text)
    if len(names) == 2 and names[0] and names[1]:
        changes.append(RenameTable(statement.origin(), "".join(names[0]), "".join(names[1])))
    return changes


# --- from sqlglot's tree to changes ---------------------------------------------------------

# Words that end a column's type: what follows is a constraint or an option.
_TYPE_ENDS = frozenset({
    "NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "REFERENCES", "CHECK", "CONSTRAINT", "COLLATE", "AUTO_INCREMENT",
    "AUTOINCREMENT", "GENERATED", "COMMENT", "ON", "IDENTITY", "AS", "ENCODE", "DISTKEY", "SORTKEY", "FIRST", "AFTER",
    "USING", "STORED", "VIRTUAL", "INVISIBLE", "VISIBLE", "COLUMN_FORMAT", "STORAGE", "CHARSET", "OPTIONS", "MASKING",
    "KEY", "SERIAL_DEFAULT_VALUE", "ENCRYPTED",
})
# Words that end a DEFAULT expression (its first word never does: DEFAULT NULL).
_DEFAULT_ENDS = frozenset({
    "NOT", "NULL", "PRIMARY", "UNIQUE", "REFERENCES", "CHECK", "CONSTRAINT", "COLLATE", "COMMENT", "ON",
    "AUTO_INCREMENT", "AUTOINCREMENT", "GENERATED", "FIRST", "AFTER", "ENCODE", "INVISIBLE", "VISIBLE",
})


@define
class _Constraints:
    """What table-level constraints say, gathered for a CREATE TABLE or an ALTER TABLE."""

    primary_key: tuple[str, ...] = ()
    indexes: list[Index] = field(factory=list)
    foreign_keys: list[ForeignKeySpec] = field(factory=list)
    checks: list[CheckSpec] = field(factory=list)


class _Converter:
    def __init__(self, statement: _Source, tokens: list[Token], dialect: str,
                 facts: tuple[tuple[str, str], ...] = ()) -> None:
        self.statement = statement
        self.tokens = tokens
        self.dialect = dialect
        self.facts = facts
        self._by_start = {token.start: i for i, token in enumerate(tokens)}

    def convert(self, expression: exp.Expression) -> list[Change]:
        if isinstance(expression, exp.Create):
            kind = (expression.kind or "").upper()
            if kind == "TABLE":
                return self._create_table(expression)
            if kind in ("VIEW", "MATERIALIZED VIEW"):
                return [self._create_view(expression)]
            if kind.endswith("INDEX"):  # and T-SQL's CLUSTERED / NONCLUSTERED INDEX
                return self._create_index(expression)
            return []
        if isinstance(expression, exp.Alter):
            return self._alter(expression)
        if isinstance(expression, exp.Drop):
            return self._drop(expression, None)
        if isinstance(expression, exp.Comment):
            return self._comment(expression)
        return []

    # --- CREATE ---------------------------------------------------------------------------

    def _create_table(self, create: exp.Create) -> list[Change]:
        target = create.this
        properties = create.args.get("properties")
        props = list(properties.expressions) if isinstance(properties, exp.Properties) else []
        if any(isinstance(p, exp.TemporaryProperty) for p in props):
            return []
        table = target.this if isinstance(target, exp.Schema) else target
        if not isinstance(table, exp.Table):
            return []
        columns: list[ColumnSpec] = []
        found = _Constraints()
        facts: list[tuple[str, str]] = list(self.facts)
        elements = target.expressions if isinstance(target, exp.Schema) else []
        for element in elements:
            if isinstance(element, exp.ColumnDef):
                column, foreign_keys, checks = self._column(element)
                columns.append(column)
                found.foreign_keys.extend(foreign_keys)
                found.checks.extend(checks)
            elif isinstance(element, exp.LikeProperty) and isinstance(element.this, exp.Table):
                facts.append(("like", table_name(element.this)))
            else:
                self._table_constraint(element, found)
        description = None
        for prop in props:
            if isinstance(prop, exp.SchemaCommentProperty):
                description = _string(prop.this)
            elif isinstance(prop, exp.EngineProperty):
                facts.append(("engine", prop.this.name if isinstance(prop.this, exp.Expression) else str(prop.this)))
            elif isinstance(prop, (exp.PartitionedByProperty, exp.PartitionByRangeProperty)):
                facts.append(("partitioned by", self._sql(prop.this)))
        query = create.expression
        if isinstance(query, exp.Query):  # CREATE TABLE ... AS SELECT: columns as the query names them
            facts.append(("reads", ", ".join(_tables_read(query))))
            columns = columns or list(self._view_columns(create, query))
        return [CreateTable(
            self.statement.origin(), table_name(table), tuple(columns), found.primary_key, tuple(found.indexes),
            tuple(found.foreign_keys), tuple(found.checks), tuple(facts), description,
            replace=bool(create.args.get("replace")), if_not_exists=bool(create.args.get("exists")),
        )]

    def _create_view(self, create: exp.Create) -> Change:
        table = create.this.this if isinstance(create.this, exp.Schema) else create.this
        query = create.expression
        reads = tuple(_tables_read(query)) if isinstance(query, exp.Expression) else ()
        materialized = (create.kind or "").upper() == "MATERIALIZED VIEW" or any(
            isinstance(p, exp.MaterializedProperty) for p in create.find_all(exp.MaterializedProperty))
        return CreateView(self.statement.origin(), table_name(table) if isinstance(table, exp.Table) else "?",
                          reads, materialized, self._view_columns(create, query))

    def _view_columns(self, create: exp.Create, query: exp.Query | exp.Expression | None) -> tuple[ColumnSpec, ...]:
        """`CREATE VIEW v (a, b)` or the names the query's select list gives; none past a `*`."""
        if isinstance(create.this, exp.Schema) and create.this.expressions:
            named = list(create.this.expressions)
        elif isinstance(query, exp.Query):
            named = list(query.selects)
        else:
            return ()
        if any(isinstance(n, exp.Star) or (isinstance(n, exp.Column) and n.is_star) for n in named):
            return ()
        columns = []
        for node in named:
            name = node.alias_or_name if isinstance(node, exp.Expression) else ""
            if name:
                columns.append(ColumnSpec(name, self._origin_of(node).line))
        return tuple(columns)

    def _create_index(self, create: exp.Create) -> list[Change]:
        index = create.this
        if not isinstance(index, exp.Index) or not isinstance(index.args.get("table"), exp.Table):
            return []
        params = index.args.get("params")
        columns = tuple(self._name(c) for c in (params.args.get("columns") or [])) if params else ()
        name = index.this.name if isinstance(index.this, exp.Expression) else None
        return [AddIndex(self.statement.origin(), table_name(index.args["table"]),
                         Index(name or None, columns, bool(create.args.get("unique"))))]

    # --- columns ----------------------------------------------------------------------------

    def _column(self, definition: exp.ColumnDef) -> tuple[ColumnSpec, list[ForeignKeySpec], list[CheckSpec]]:
        name = definition.this
        position = self._index_of(name)
        at = self._origin_of(name)
        nullable: bool | None = None
        primary_key = unique = False
        default = description = None
        foreign_keys: list[ForeignKeySpec] = []
        checks: list[CheckSpec] = []
        for constraint in definition.args.get("constraints") or []:
            kind = constraint.args.get("kind") if isinstance(constraint, exp.ColumnConstraint) else constraint
            named = constraint.this.name if isinstance(constraint.this, exp.Identifier) else None
            if isinstance(kind, exp.NotNullColumnConstraint):
                nullable = bool(kind.args.get("allow_null"))
            elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
                primary_key = True
            elif isinstance(kind, exp.UniqueColumnConstraint):
                unique = True
            elif isinstance(kind, exp.DefaultColumnConstraint):
                default = self._default_after(position) or self._sql(kind.this)
            elif isinstance(kind, exp.Reference):
                target, target_columns = _reference(kind)
                foreign_keys.append(ForeignKeySpec((definition.name,), target, target_columns, at, named))
            elif isinstance(kind, exp.CheckColumnConstraint):
                checks.append(CheckSpec(self._check_text(position, kind), at, named, definition.name))
            elif isinstance(kind, exp.CommentColumnConstraint):
                description = _string(kind.this)
        if nullable is None and not primary_key:
            nullable = True  # SQL: a column without NOT NULL takes NULL
        column = ColumnSpec(definition.name, at.line, self._type_after(position), nullable, default, primary_key,
                            unique, description)
        return column, foreign_keys, checks

    def _table_constraint(self, element: exp.Expression, found: _Constraints, name: str | None = None) -> None:
        if isinstance(element, exp.Constraint):
            constraint_name = element.this.name if element.this else None
            clustered = _clustered_columns(element.expressions)
            if clustered is not None:
                # T-SQL: PRIMARY KEY / UNIQUE CLUSTERED (cols) keeps its columns in the CLUSTERED part
                columns = tuple(self._name(c) for c in clustered)
                if any(isinstance(p, exp.PrimaryKeyColumnConstraint) for p in element.expressions):
                    found.primary_key = columns
                elif any(isinstance(p, exp.UniqueColumnConstraint) for p in element.expressions):
                    found.indexes.append(Index(constraint_name, columns, unique=True))
                return
            for part in element.expressions:
                self._table_constraint(part, found, constraint_name)
        elif isinstance(element, exp.PrimaryKey):
            found.primary_key = tuple(self._name(c) for c in element.expressions)
        elif isinstance(element, exp.UniqueColumnConstraint):
            schema = element.this
            columns = tuple(self._name(c) for c in schema.expressions) if isinstance(schema, exp.Schema) else ()
            clustered = _clustered_columns([schema]) if isinstance(schema, exp.Expression) else None
            if clustered is not None:  # T-SQL UNIQUE [NON]CLUSTERED (cols)
                columns = tuple(self._name(c) for c in clustered)
            inner = schema.this.name if isinstance(schema, exp.Schema) and schema.this else None
            if columns:
                found.indexes.append(Index(name or inner, columns, unique=True))
        elif isinstance(element, exp.IndexColumnConstraint):
            kind = str(element.args.get("kind") or "").upper()
            columns = tuple(self._name(c) for c in element.expressions)
            found.indexes.append(Index(element.this.name if element.this else None, columns, unique=kind == "UNIQUE"))
        elif isinstance(element, exp.ForeignKey):
            reference = element.args.get("reference")
            if isinstance(reference, exp.Reference):
                target, target_columns = _reference(reference)
                columns = tuple(self._name(c) for c in element.expressions)
                found.foreign_keys.append(ForeignKeySpec(columns, target, target_columns, self._origin_of(element),
                                                         name))
        elif isinstance(element, exp.CheckColumnConstraint):
            found.checks.append(CheckSpec(self._check_text(self._index_of(element), element), self._origin_of(element),
                                          name))

    # --- ALTER, DROP, COMMENT ---------------------------------------------------------------

    def _alter(self, alter: exp.Alter) -> list[Change]:
        if str(alter.args.get("kind") or "TABLE").upper() != "TABLE" or not isinstance(alter.this, exp.Table):
            return []
        table = table_name(alter.this)
        at = self.statement.origin()
        changes: list[Change] = []
        for action in alter.args.get("actions") or []:
            changes.extend(self._action(table, at, action))
        return changes

    def _action(self, table: str, at: Origin, action: exp.Expression) -> list[Change]:
        if isinstance(action, exp.ColumnDef):
            column, foreign_keys, checks = self._column(action)
            return [AddColumn(at, table, column, tuple(foreign_keys), tuple(checks))]
        if isinstance(action, exp.ModifyColumn) and isinstance(action.this, exp.ColumnDef):
            column, foreign_keys, _ = self._column(action.this)
            renamed = action.args.get("rename_from")
            old = renamed.name if isinstance(renamed, exp.Expression) else column.name
            return [RedefineColumn(at, table, old, column, tuple(foreign_keys))]
        if isinstance(action, exp.AlterColumn):
            return [self._alter_column(table, at, action)]
        if isinstance(action, exp.RenameColumn):
            return [RenameColumn(at, table, action.this.name, action.args["to"].name)]
        if isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
            return [RenameTable(at, table, table_name(action.this))]
        if isinstance(action, exp.Drop):
            return self._drop(action, table)
        if isinstance(action, exp.DropPrimaryKey):
            return [AddPrimaryKey(at, table, ())]
        if isinstance(action, exp.AddConstraint):
            found = _Constraints()
            for element in action.expressions:
                self._table_constraint(element, found)
            return [
                *([AddPrimaryKey(at, table, found.primary_key)] if found.primary_key else []),
                *(AddIndex(at, table, index) for index in found.indexes),
                *(AddForeignKey(at, table, fk) for fk in found.foreign_keys),
                *(AddCheck(at, table, check) for check in found.checks),
            ]
        return []

    def _alter_column(self, table: str, at: Origin, action: exp.AlterColumn) -> Change:
        position = self._index_of(action.this)
        args = action.args
        type_text = self._type_after(self._next_word(position, "TYPE")) if args.get("dtype") is not None else None
        dropping = bool(args.get("drop"))
        allow_null = args.get("allow_null")
        nullable = None if allow_null is None else bool(allow_null)
        default = None
        if args.get("default") is not None:
            default = self._default_after(position) or self._sql(args["default"])
        comment = args.get("comment")
        return AlterColumn(at, table, action.this.name, type_text, nullable, default,
                           drop_default=dropping and allow_null is None,
                           description=_string(comment) if comment is not None else None)

    def _drop(self, drop: exp.Drop, table: str | None) -> list[Change]:
        kind = str(drop.args.get("kind") or "").upper()
        at = self.statement.origin()
        targets = drop.args.get("tables") or ([drop.this] if drop.this is not None else [])
        changes: list[Change] = []
        for target in targets:
            if table is not None and kind == "COLUMN":
                changes.append(DropColumn(at, table, target.name))
            elif table is not None and kind in ("CONSTRAINT", "FOREIGN KEY", "INDEX", "KEY", "CHECK"):
                changes.append(DropConstraint(at, table, target.name))
            elif table is None and kind in ("TABLE", "VIEW") and isinstance(target, exp.Table):
                changes.append(DropTable(at, table_name(target)))
            elif table is None and kind == "INDEX":
                on = drop.args.get("cluster")
                on_table = on.this if isinstance(on, exp.OnProperty) and isinstance(on.this, exp.Table) else None
                changes.append(DropIndex(at, target.name, table_name(on_table) if on_table is not None else None))
        return changes

    def _comment(self, comment: exp.Comment) -> list[Change]:
        text = _string(comment.expression)
        target = comment.this
        if text is None:
            return []
        kind = str(comment.args.get("kind") or "").upper()
        if kind == "COLUMN" and isinstance(target, exp.Column) and target.table:
            parts = [p.name for p in target.parts]
            return [Describe(self.statement.origin(), ".".join(parts[:-1]), text, parts[-1])]
        if isinstance(target, exp.Table):
            return [Describe(self.statement.origin(), table_name(target), text)]
        return []

    # --- source text through tokens ---------------------------------------------------------

    def _index_of(self, node: exp.Expression | None) -> int | None:
        meta = _meta(node)
        return self._by_start.get(meta["start"]) if meta else None

    def _origin_of(self, node: exp.Expression) -> Origin:
        meta = _meta(node)
        return self.statement.origin(meta["start"] if meta else 0)

    def _next_word(self, position: int | None, word: str) -> int | None:
        """The position of the first `word` token after `position`, within the same clause."""
        if position is None:
            return None
        depth = 0
        for i in range(position + 1, len(self.tokens)):
            text = self.tokens[i].text.upper()
            depth += _depth_change(text)
            if depth < 0 or (depth == 0 and text == ","):
                return None
            if depth == 0 and _first_word(text) == word:
                return i
        return None

    def _type_after(self, position: int | None) -> str | None:
        """The type written after the token at `position` (a column's name), as written."""
        if position is None:
            return None
        last = None
        depth = 0
        for i in range(position + 1, len(self.tokens)):
            token = self.tokens[i]
            word = token.text.upper()
            if depth == 0 and (word in (",", ")") or self._ends_type(i)):
                break
            depth += _depth_change(word)
            last = i
        return self._text(position + 1, last) if last is not None else None

    def _ends_type(self, i: int) -> bool:
        first = _first_word(self.tokens[i].text.upper())
        following = self.tokens[i + 1].text.upper() if i + 1 < len(self.tokens) else ""
        if first in ("WITH", "WITHOUT"):
            return following not in ("TIME", "LOCAL")  # timestamp with time zone
        if first == "CHARACTER" and self.tokens[i].text.upper() == "CHARACTER":
            return following == "SET"
        return first in _TYPE_ENDS

    def _check_text(self, position: int | None, check: exp.CheckColumnConstraint) -> str:
        """A CHECK's condition as written: the parentheses after the CHECK at or around `position`
        (a column's name, a constraint's name, or the first name inside the condition)."""
        keyword = self._next_word(position, "CHECK")
        if keyword is None and position is not None:
            keyword = next((i for i in range(position, -1, -1) if self.tokens[i].text.upper() == "CHECK"), None)
        if keyword is None or keyword + 1 >= len(self.tokens) or self.tokens[keyword + 1].text != "(":
            return self._sql(check.this)
        depth = 0
        for i in range(keyword + 1, len(self.tokens)):
            depth += _depth_change(self.tokens[i].text)
            if depth == 0:
                return self._text(keyword + 2, i - 1) if i - 1 >= keyword + 2 else ""
        return self._sql(check.this)

    def _default_after(self, position: int | None) -> str | None:
        """The DEFAULT expression of the clause starting at `position`, as written."""
        keyword = self._next_word(position, "DEFAULT")
        if keyword is None:
            return None
        last = None
        depth = 0
        for i in range(keyword + 1, len(self.tokens)):
            word = self.tokens[i].text.upper()
            if depth == 0 and (word in (",", ")") or (last is not None and _first_word(word) in _DEFAULT_ENDS)):
                break
            depth += _depth_change(word)
            last = i
        return self._text(keyword + 1, last) if last is not None else None

    def _text(self, first: int, last: int) -> str:
        sql = self.statement.sql
        return " ".join(sql[self.tokens[first].start: self.tokens[last].end + 1].split())

    def _name(self, node: exp.Expression) -> str:
        """A column in a key or an index: its name, or the expression an index is on."""
        if isinstance(node, exp.Ordered):
            node = node.this
        if isinstance(node, (exp.Identifier, exp.Column)):
            return node.name
        return self._sql(node)

    def _sql(self, node: exp.Expression | None) -> str:
        return node.sql(dialect=self.dialect) if isinstance(node, exp.Expression) else ""


def _clustered_columns(parts: list[exp.Expression]) -> list[exp.Expression] | None:
    for part in parts:
        if isinstance(part, (exp.ClusteredColumnConstraint, exp.NonClusteredColumnConstraint)):
            columns = part.this
            return list(columns) if isinstance(columns, list) else None
    return None


def _first_word(text: str) -> str:
    """`PRIMARY KEY` is one token to sqlglot: its first word says what it is."""
    space = text.find(" ")
    return text if space < 0 else text[:space]


def _depth_change(word: str) -> int:
    return 1 if word in ("(", "[") else -1 if word in (")", "]") else 0


def _meta(node: exp.Expression | None) -> dict | None:
    """The position sqlglot keeps on identifiers: the node's own, or its first identifier's."""
    if node is None:
        return None
    if isinstance(node, exp.Identifier) and "start" in node.meta:
        return node.meta
    for identifier in node.find_all(exp.Identifier):
        if "start" in identifier.meta:
            return identifier.meta
    return None


def table_name(table: exp.Table) -> str:
    """`catalog.schema.name` as declared, quotes removed."""
    return ".".join(part.name for part in table.parts)


def _reference(reference: exp.Reference) -> tuple[str, tuple[str, ...]]:
    target = reference.this
    if isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):
        return table_name(target.this), tuple(e.name for e in target.expressions)
    if isinstance(target, exp.Table):
        return table_name(target), ()
    return target.name if target is not None else "?", ()


def _string(node: exp.Expression | None) -> str | None:
    if isinstance(node, exp.Literal):
        return str(node.this)
    return node.sql() if isinstance(node, exp.Expression) else None


def _tables_read(query: exp.Query | exp.Expression) -> list[str]:
    """The tables a view's query reads, CTE names left out, in order of appearance."""
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    names = (table_name(t) for t in query.find_all(exp.Table) if t.name and t.name.lower() not in ctes)
    return list(dict.fromkeys(names))
