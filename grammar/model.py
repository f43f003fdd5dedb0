"""What a `.fsr` file says, as typed objects with source spans.

This is the *parsed* shape of rules. The engine compiles it into matchers
(`flowscan.compiler`); nothing here knows about tree-sitter.
"""

from __future__ import annotations

import re
from typing import Union

from attrs import field, frozen

LANGUAGES = ("python", "go", "java", "rust", "sql")
ROLES = ("source", "sink", "transform", "connection", "endpoint", "pipeline")
KINDS = ("database", "file", "api", "stream", "object_store", "cache", "log", "config")
SEVERITIES = ("hint", "info", "warning", "error")
ENTITY_TYPES = ("table", "topic", "queue", "file", "url", "bucket", "dsn", "env")
ACCESSES = ("read", "write", "both")
RELATIONS = ("inside", "has", "follows", "precedes")
#: the fix and scaffold templates a rule may name (`fix retry scaffold`); `suppress` is always offered
FIXES = ("suppress", "retry", "validate", "scaffold")
#: `{X}` in a message template stands for the value of `$X`
MESSAGE_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@frozen
class Span:
    """1-based line and column of the first character, and of the one after the last."""

    line: int
    column: int
    end_line: int
    end_column: int


@frozen
class Code:
    """A code snippet written between backticks; `language` is None when the rule's applies."""

    text: str
    language: str | None
    span: Span


@frozen
class Regex:
    source: str
    span: Span


# --- pattern expressions -------------------------------------------------------------


@frozen
class CodePattern:
    """Code in the target language with `$X`, `$$$XS`, `$_`, `$$$` metavariables."""

    code: Code
    span: Span


@frozen
class KindPattern:
    """Any node of a tree-sitter node kind (`kind call`)."""

    kind: str
    language: str | None
    span: Span


@frozen
class QueryPattern:
    """A raw tree-sitter query; capture `@match` is the reported node, others bind metavariables."""

    query: Code
    span: Span


@frozen
class RefPattern:
    """A reference to a named pattern (`define NAME = ...`)."""

    name: str
    span: Span


@frozen
class AnyOf:
    items: tuple[PatternExpr, ...]
    span: Span


@frozen
class AllOf:
    """Every item must match the same node; `Not` items exclude nodes."""

    items: tuple[PatternExpr, ...]
    span: Span


@frozen
class Not:
    item: PatternExpr
    span: Span


@frozen
class Relation:
    """`inside P`, `not has P`, ...: `relation` is one of RELATIONS."""

    relation: str
    negated: bool
    target: PatternExpr
    span: Span


@frozen
class MatchesRegex:
    """`where $X matching /re/` (or `not matching`): tested on the string value of literals, else the text."""

    metavar: str
    regex: Regex
    negated: bool
    span: Span


@frozen
class IsString:
    """`where $X is string` / `is not string`: the capture is a string literal."""

    metavar: str
    negated: bool
    span: Span


@frozen
class OneOf:
    """`where $X in ["a", "b"]` (or `not in`): compared with the string value of literals, else the text."""

    metavar: str
    values: tuple[str, ...]
    negated: bool
    span: Span


Constraint = Union[MatchesRegex, IsString, OneOf]


@frozen
class Refined:
    """A pattern with postfix clauses: relations, text regex and metavariable constraints."""

    base: PatternExpr
    relations: tuple[Relation, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    text_regex: Regex | None = None
    span: Span | None = None


PatternExpr = Union[CodePattern, KindPattern, QueryPattern, RefPattern, AnyOf, AllOf, Not, Refined]


# --- rules and packs ----------------------------------------------------------------


@frozen
class EntitySpec:
    """`entity TYPE = $X [access]` or `entity TYPE = keyword NAME [access]`."""

    type: str
    metavar: str | None
    keyword: str | None
    access: str | None
    span: Span


@frozen
class Example:
    code: Code
    expect_match: bool
    span: Span


@frozen
class Define:
    name: str
    pattern: PatternExpr
    span: Span


@frozen
class Rule:
    id: str
    span: Span
    path: str
    languages: tuple[str, ...] = ()
    role: str | None = None
    kind: str | None = None
    tech: str | None = None
    severity: str = "info"
    match: PatternExpr | None = None
    relations: tuple[Relation, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    entities: tuple[EntitySpec, ...] = ()
    message: str | None = None
    message_span: Span | None = None
    #: `sql $X`: read $X as SQL and report the tables it reads and writes ("" = the matched node)
    sql: str | None = None
    sql_span: Span | None = None
    #: `fix retry scaffold`: the templates editors offer on this rule's findings, in order
    fixes: tuple[str, ...] = ()
    doc: str | None = None
    examples: tuple[Example, ...] = ()


@frozen
class Pack:
    path: str
    name: str | None = None
    title: str | None = None
    defines: tuple[Define, ...] = ()
    rules: tuple[Rule, ...] = ()


@frozen
class RuleError:
    """An error in a rule file, with the position it concerns (1-based)."""

    path: str
    line: int
    column: int
    message: str = field()

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"
