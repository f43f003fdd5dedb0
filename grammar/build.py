"""From parse tree to model: one method per grammar rule, terminals converted by name.

The values written in a rule (a role, a language, a regex...) are checked here, where
their tokens give the exact position of a mistake. A wrong value is reported and left
out of the model, so that the model only ever holds values the engine can use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import attrs
from attrs import frozen
from lark import Token, Transformer, v_args
from lark.tree import Meta

from flowscan.grammar.model import (
    ACCESSES,
    ENTITY_TYPES,
    FIXES,
    KINDS,
    LANGUAGES,
    ROLES,
    SEVERITIES,
    AllOf,
    AnyOf,
    Code,
    CodePattern,
    Constraint,
    Define,
    EntitySpec,
    Example,
    IsString,
    KindPattern,
    MatchesRegex,
    Not,
    OneOf,
    Pack,
    PatternExpr,
    QueryPattern,
    Refined,
    RefPattern,
    Regex,
    Relation,
    Rule,
    RuleError,
    Span,
)
from flowscan.grammar.syntax import NOT_OUTSIDE_ALL

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def span_of(meta: Meta) -> Span:
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def token_span(token: Token) -> Span:
    return Span(token.line, token.column, token.end_line, token.end_column)


# --- what the methods hand up before a rule or pattern is assembled --------------------


@frozen
class _Clause:
    """A clause that fills one field of the rule (`role source`, `match P`...): once a rule.

    Entities, examples and refinements may repeat, and have classes of their own.
    """

    word: str
    field: str
    value: Any
    span: Span


@frozen
class _Entity:
    spec: EntitySpec | None


@frozen
class _Example:
    example: Example


@frozen
class _Constraints:
    """One `where`: `$X is string matching /re/` gives two constraints."""

    items: tuple[Constraint, ...]


@frozen
class _TextMatch:
    regex: Regex | None


@frozen
class _KeywordArgument:
    name: str


Refinement = Relation | _Constraints | _TextMatch
# A `where` condition, waiting for its metavariable and the span of the whole `where`.
Condition = Callable[[str, Span], tuple[Constraint, ...]]


@v_args(inline=True, meta=True)
class ToModel(Transformer[Token, Pack]):
    """Builds the Pack of one file, collecting errors in `errors`."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.errors: list[RuleError] = []

    def _error(self, span: Span, message: str) -> None:
        self.errors.append(RuleError(self.path, span.line, span.column, message))

    def _one_of(self, token: Token, what: str, allowed: tuple[str, ...]) -> str | None:
        """`token` if it is one of `allowed`, else None and an error listing them."""
        if token in allowed:
            return str(token)
        self._error(token_span(token), f'unknown {what} "{token}"; expected one of {", ".join(allowed)}')
        return None

    # --- terminals ----------------------------------------------------------------------

    def CODE(self, token: Token) -> Code:
        return Code(_code_text(token), None, token_span(token))

    def STRING(self, token: Token) -> Token:
        def unescape(match: re.Match[str]) -> str:
            if match.group(1) in _ESCAPES:
                return _ESCAPES[match.group(1)]
            self._error(
                Span(token.line, token.column + 1 + match.start(), token.line, token.column + 1 + match.end()),
                f'unknown escape "{match.group()}" in a string; write \\\\ for a backslash',
            )
            return match.group()

        return token.update(value=re.sub(r"\\(.)", unescape, token[1:-1]))

    def REGEX(self, token: Token) -> Regex | None:
        # `\/` is only there to keep the slash from closing the regex
        source = re.sub(r"\\(.)", lambda m: "/" if m.group(1) == "/" else m.group(), token[1:-1])
        try:
            re.compile(source)
        except re.error as error:
            self._error(token_span(token), f"invalid regex {token}: {error}")
            return None
        return Regex(source, token_span(token))

    def METAVAR(self, token: Token) -> Token:
        return token.update(value=token[1:])

    def NEGATED_RELATION(self, token: Token) -> Token:
        return token.update(value=token.split()[-1])

    # --- pack, defines and rules --------------------------------------------------------

    def start(self, meta: Meta, header: tuple[str, str | None] | None, *items: Define | Rule) -> Pack:
        name, title = header or (None, None)
        return Pack(
            path=self.path,
            name=name,
            title=title,
            defines=tuple(item for item in items if isinstance(item, Define)),
            rules=tuple(item for item in items if isinstance(item, Rule)),
        )

    def pack_header(self, meta: Meta, name: Token, title: Token | None) -> tuple[str, str | None]:
        return str(name), None if title is None else str(title)

    def define(self, meta: Meta, name: Token, pattern: PatternExpr) -> Define:
        return Define(str(name), pattern, span_of(meta))

    def rule(self, meta: Meta, rule_id: Token, *clauses: _Clause | _Entity | _Example | Refinement) -> Rule:
        span = span_of(meta)
        fields: dict[str, _Clause] = {}
        for clause in clauses:
            if isinstance(clause, _Clause):
                if clause.field in fields:
                    first = fields[clause.field].span
                    self._error(clause.span, f"{clause.word} given twice in this rule (first at line {first.line})")
                else:
                    fields[clause.field] = clause
        for required in ("match", "role", "kind"):
            if required not in fields:
                self._error(span, _missing_clause(str(rule_id), required))
        values = {name: clause.value for name, clause in fields.items() if clause.value is not None}
        refinements = [c for c in clauses if isinstance(c, (Relation, _Constraints, _TextMatch))]
        relations, constraints, regexes = _split_refinements(refinements)
        if "match" in values:
            values["match"] = _refine_text(values["match"], regexes, values["match"].span)
        return Rule(
            id=str(rule_id),
            span=span,
            path=self.path,
            relations=relations,
            constraints=constraints,
            entities=tuple(c.spec for c in clauses if isinstance(c, _Entity) and c.spec is not None),
            examples=tuple(c.example for c in clauses if isinstance(c, _Example)),
            message_span=fields["message"].span if "message" in fields else None,
            sql_span=fields["sql"].span if "sql" in fields else None,
            **values,
        )

    # --- rule clauses -------------------------------------------------------------------

    def language(self, meta: Meta, *names: Token) -> _Clause:
        languages: list[str] = []
        for name in names:
            language = self._language(name)
            if language in languages:
                self._error(token_span(name), f"language {language} is listed twice")
            elif language is not None:
                languages.append(language)
        return _Clause("language", "languages", tuple(languages), span_of(meta))

    def role(self, meta: Meta, name: Token) -> _Clause:
        return _Clause("role", "role", self._one_of(name, "role", ROLES), span_of(meta))

    def kind(self, meta: Meta, name: Token) -> _Clause:
        return _Clause("kind", "kind", self._one_of(name, "kind", KINDS), span_of(meta))

    def tech(self, meta: Meta, name: Token) -> _Clause:
        return _Clause("tech", "tech", str(name), span_of(meta))

    def severity(self, meta: Meta, name: Token) -> _Clause:
        return _Clause("severity", "severity", self._one_of(name, "severity", SEVERITIES), span_of(meta))

    def match(self, meta: Meta, pattern: PatternExpr) -> _Clause:
        return _Clause("match", "match", pattern, span_of(meta))

    def entity(
        self, meta: Meta, type_: Token, value: Token | _KeywordArgument, access: Token | None
    ) -> _Entity:
        entity_type = self._one_of(type_, "entity type", ENTITY_TYPES)
        checked_access = None if access is None else self._one_of(access, "access", ACCESSES)
        if entity_type is None:
            return _Entity(None)
        keyword = value.name if isinstance(value, _KeywordArgument) else None
        metavar = None if isinstance(value, _KeywordArgument) else str(value)
        return _Entity(EntitySpec(entity_type, metavar, keyword, checked_access, span_of(meta)))

    def keyword_argument(self, meta: Meta, name: Token) -> _KeywordArgument:
        return _KeywordArgument(str(name))

    def message(self, meta: Meta, text: Token) -> _Clause:
        return _Clause("message", "message", str(text), span_of(meta))

    def sql(self, meta: Meta, metavar: Token | None) -> _Clause:
        # "" reads the matched node itself as SQL (a .sql file's statement)
        return _Clause("sql", "sql", "" if metavar is None else str(metavar), span_of(meta))

    def fix(self, meta: Meta, *names: Token) -> _Clause:
        fixes: list[str] = []
        for name in names:
            template = self._one_of(name, "fix template", FIXES)
            if template in fixes:
                self._error(token_span(name), f"fix template {template} is listed twice")
            elif template is not None:
                fixes.append(template)
        return _Clause("fix", "fixes", tuple(fixes), span_of(meta))

    def doc(self, meta: Meta, text: Token) -> _Clause:
        return _Clause("doc", "doc", str(text), span_of(meta))

    def example_match(self, meta: Meta, code: Code) -> _Example:
        return _Example(Example(code, True, span_of(meta)))

    def example_no_match(self, meta: Meta, code: Code) -> _Example:
        return _Example(Example(code, False, span_of(meta)))

    # --- patterns -----------------------------------------------------------------------

    def snippet(self, meta: Meta, tag: Token | None, code: Code) -> Code:
        return attrs.evolve(code, language=self._tag(tag))

    def code(self, meta: Meta, code: Code) -> CodePattern:
        return CodePattern(code, span_of(meta))

    def node_kind(self, meta: Meta, tag: Token | None, kind: Token) -> KindPattern:
        return KindPattern(str(kind), self._tag(tag), span_of(meta))

    def query(self, meta: Meta, tag: Token | None, code: Code) -> QueryPattern:
        return QueryPattern(attrs.evolve(code, language=self._tag(tag)), span_of(meta))

    def ref(self, meta: Meta, name: Token) -> RefPattern:
        return RefPattern(str(name), span_of(meta))

    def any_of(self, meta: Meta, *items: PatternExpr) -> AnyOf:
        return AnyOf(items, span_of(meta))

    def all_of(self, meta: Meta, *items: PatternExpr) -> AllOf:
        return AllOf(items, span_of(meta))

    def negation(self, meta: Meta, item: PatternExpr) -> Not:
        return Not(item, span_of(meta))

    def refined(self, meta: Meta, base: PatternExpr, *refinements: Refinement) -> PatternExpr:
        relations, constraints, regexes = _split_refinements(refinements)
        span = span_of(meta)
        if relations or constraints:
            first_regex, regexes = (regexes[0], regexes[1:]) if regexes else (None, [])
            base = Refined(base, relations, constraints, first_regex, span)
        return _refine_text(base, regexes, span)

    def _tag(self, tag: Token | None) -> str | None:
        """The language a snippet names in front of it."""
        if tag is None:
            return None
        if tag == "not":
            # `not` is a keyword only inside all { }; elsewhere it reads as a language
            self._error(token_span(tag), NOT_OUTSIDE_ALL)
            return None
        return self._language(tag)

    def _language(self, name: Token) -> str | None:
        return self._one_of(name, "language", LANGUAGES)

    # --- refinements --------------------------------------------------------------------

    def relation(self, meta: Meta, word: str, target: PatternExpr) -> Relation:
        return Relation(word, False, target, span_of(meta))

    def relation_word(self, meta: Meta, word: Token) -> str:
        return str(word)

    def negated_relation(self, meta: Meta, word: Token, target: PatternExpr) -> Relation:
        return Relation(str(word), True, target, span_of(meta))

    def text_match(self, meta: Meta, regex: Regex | None) -> _TextMatch:
        return _TextMatch(regex)

    def where(self, meta: Meta, metavar: Token, condition: Condition) -> _Constraints:
        return _Constraints(condition(str(metavar), span_of(meta)))

    def regex_condition(self, meta: Meta, regex: Regex | None) -> Condition:
        return _regex_condition(regex, negated=False)

    def negated_regex_condition(self, meta: Meta, regex: Regex | None) -> Condition:
        return _regex_condition(regex, negated=True)

    def string_condition(self, meta: Meta, regex_test: Condition | None) -> Condition:
        return _string_condition(regex_test, negated=False)

    def negated_string_condition(self, meta: Meta, regex_test: Condition | None) -> Condition:
        return _string_condition(regex_test, negated=True)

    def in_condition(self, meta: Meta, values: tuple[str, ...]) -> Condition:
        return lambda metavar, span: (OneOf(metavar, values, False, span),)

    def negated_in_condition(self, meta: Meta, values: tuple[str, ...]) -> Condition:
        return lambda metavar, span: (OneOf(metavar, values, True, span),)

    def string_list(self, meta: Meta, *values: Token | None) -> tuple[str, ...]:
        # the optional trailing comma leaves a None placeholder
        return tuple(str(value) for value in values if value is not None)


def _regex_condition(regex: Regex | None, negated: bool) -> Condition:
    if regex is None:  # invalid, and reported
        return lambda metavar, span: ()
    return lambda metavar, span: (MatchesRegex(metavar, regex, negated, span),)


def _string_condition(regex_test: Condition | None, negated: bool) -> Condition:
    def condition(metavar: str, span: Span) -> tuple[Constraint, ...]:
        also = regex_test(metavar, span) if regex_test else ()
        return (IsString(metavar, negated, span), *also)

    return condition


def _split_refinements(
    refinements: Iterable[object],
) -> tuple[tuple[Relation, ...], tuple[Constraint, ...], list[Regex]]:
    relations = tuple(r for r in refinements if isinstance(r, Relation))
    constraints = tuple(c for r in refinements if isinstance(r, _Constraints) for c in r.items)
    regexes = [r.regex for r in refinements if isinstance(r, _TextMatch) and r.regex is not None]
    return relations, constraints, regexes


def _refine_text(pattern: PatternExpr, regexes: list[Regex], span: Span | None) -> PatternExpr:
    """`pattern` refined by each text regex in turn (a Refined holds one)."""
    for regex in regexes:
        pattern = Refined(pattern, text_regex=regex, span=span)
    return pattern


def _missing_clause(rule_id: str, clause: str) -> str:
    choices = {"role": ROLES, "kind": KINDS}.get(clause)
    hint = f" (one of {', '.join(choices)})" if choices else " with the pattern it finds"
    return f'rule {rule_id} has no {clause}: add "{clause} ..."{hint}'


def _code_text(token: Token) -> str:
    """The code between the backticks, as Markdown reads it.

    Between ```: the newline after the opening run and the last line break (with the
    indentation of the closing run) are not part of the code. Between ` or ``: one space
    inside each end is dropped when both are there, so `` `x` `` can hold `x`.
    """
    fence = len(token) - len(token.lstrip("`"))
    text = token[fence:-fence]
    if fence >= 3:
        text = text.removeprefix("\n")
        return re.sub(r"\n[ \t]*\Z", "", text)
    if len(text) >= 2 and text.startswith(" ") and text.endswith(" ") and text.strip():
        return text[1:-1]
    return text
