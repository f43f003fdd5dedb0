"""Rules as parsed → matchers, plus one combined tree-sitter query per language.

Every code pattern of every rule of a language becomes one pattern of a single
`Query` (as Bearer does): the query walks each tree once, in C, and its matches are
dispatched to rules by pattern index. A code pattern's query pins its root kind and the
path down to one *anchor* — the most specific word it contains, such as `read_csv` —
so the C side already discards nearly every node; `unify` then checks the rest.
Files that hold no word some pattern needs are not even parsed, and in the others the query
searches only around those words (see `LanguagePlan.word_spans`).
"""

from __future__ import annotations

import bisect
import re
import re._constants as _sre_constants
import re._parser as _sre_parser
from typing import Iterable

import tree_sitter as ts
from attrs import define, field, frozen

from flowscan.grammar import model as m
from flowscan.languages import adapter as get_adapter
from flowscan.languages.base import Adapter
from flowscan.matchers import (
    AllMatcher,
    AnyMatcher,
    CodeMatcher,
    ConstraintCheck,
    KindMatcher,
    Matcher,
    NeverMatcher,
    QueryMatcher,
    RefinedMatcher,
    RelationCheck,
    query_indices,
)
from flowscan.patterns import metavar_of, parse_pattern

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@frozen
class CompiledRule:
    rule: m.Rule
    #: language → matcher for the rule's patterns in that language
    matchers: dict[str, Matcher]


@define
class LanguagePlan:
    """Everything needed to run all rules of one language over a file."""

    language: str
    query: ts.Query | None
    dispatch: list[Dispatch]
    #: the names patterns are anchored on (`read_csv`): a local alias of one needs the relaxed query
    anchors: frozenset[bytes]
    always: bool
    #: each rule with its matcher and the query patterns its candidates come from
    rules: list[tuple[CompiledRule, Matcher, frozenset[int]]]
    #: the query without predicates on names, for files that import a name under another
    #: one (`from pandas import read_csv as rc`): compiled on demand
    relaxed_text: str = ""
    #: a file must hold one of these words, whole, for any pattern to match (unless `always`):
    #: the anchors, and the words a `where` regex on a name allows (`/^(get|post)$/`)
    words: frozenset[str] = frozenset()
    #: words needed only as what a call calls: followed by `(` in code (see `_whole_words`)
    call_words: frozenset[str] = frozenset()
    _relaxed: ts.Query | None = None
    _prefilter: re.Pattern[bytes] | None = None

    def word_spans(self, source: bytes) -> list[tuple[int, int]] | None:
        """Where the words a match needs are, as byte ranges merged when close; None when a
        pattern needs no word (the whole file must be searched). Every match of the combined
        query holds one of these words, so the query need only look where they are."""
        if self.always:
            return None
        spans: list[tuple[int, int]] = []
        for found in self._words().finditer(source):
            start, end = found.span()
            if spans and start - spans[-1][1] <= _SPAN_GAP:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans

    def _words(self) -> re.Pattern[bytes]:
        if self._prefilter is None:
            self._prefilter = _whole_words(self.words, self.call_words)
        return self._prefilter

    def relaxed_query(self) -> ts.Query:
        if self._relaxed is None:
            self._relaxed = ts.Query(get_adapter(self.language).language, self.relaxed_text)
        return self._relaxed


@define
class RuleSet:
    rules: list[CompiledRule]
    plans: dict[str, LanguagePlan]
    #: built-in absence checks that are on (see flowscan.safeguards), id → severity
    checks: dict[str, str] = field(factory=dict)
    #: what the scanned repository sets its env vars and config keys to (flowscan.settings)
    settings: dict[str, str] = field(factory=dict)

    def languages(self) -> set[str]:
        return set(self.plans)


@frozen
class Dispatch:
    """Which logical patterns a match of one query pattern may be: by anchor word, or all."""

    ids: tuple[int, ...] = ()
    by_word: dict[str, tuple[int, ...]] | None = None

    def targets(self, anchor: ts.Node | None) -> tuple[int, ...]:
        if self.by_word is None:
            return self.ids
        if anchor is None:
            return ()
        return self.by_word.get(last_word(anchor), ())


def _whole_words(words: Iterable[str], call_words: Iterable[str] = ()) -> re.Pattern[bytes]:
    """One regex for "any of these words, not glued to a longer identifier" (`os` is not in
    `close`), and for `call_words`, only where code calls them: `open(`, `query!(`,
    `query_as::<T>(`, `new Consumer<K, V>(` — or renames them on import (`read_csv as rc`).

    `\\b(?:a|b)\\b` scans 49 MB of source in 0.3 s, where a lookaround per word takes 4 s."""
    words, call_words = list(words), list(call_words)
    whole = [w for w in words + call_words if _WORD_CHAR.match(w[:1]) and _WORD_CHAR.match(w[-1:])]
    alternatives = [re.escape(w.encode()) for w in words + call_words if w not in whole]
    plain = [w for w in whole if w in words]
    called = [w for w in whole if w not in words]
    if plain:
        alternatives.append(rb"\b(?:" + _alternation(plain) + rb")\b")
    if called:
        alternatives.append(rb"\b(?:" + _alternation(called) + rb")\b(?=\s*(?:[(!<\[]|::|as\b))")
    return re.compile(b"|".join(alternatives) or rb"(?!)")


def _alternation(words: list[str]) -> bytes:
    return b"|".join(re.escape(w.encode()) for w in sorted(words, key=len, reverse=True))


_WORD_CHAR = re.compile(r"[A-Za-z0-9_]")
#: words this close share one query run (a run costs a walk from the root to the range)
_SPAN_GAP = 2048


def required_words(regex: str, limit: int = 64) -> frozenset[str] | None:
    """The words of a regex that is only literals and alternatives between `^` and `$`
    (`^read_(csv|json)$` → read_csv, read_json): a name it matches is one of them, whole.
    None for any other regex: `execute` alone also matches `executemany`, which is not the
    word `execute`."""
    try:
        parsed = _sre_parser.parse(regex)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE) or not _anchored(list(parsed)):
        return None
    words = _expand(list(parsed), limit)
    if not words or "" in words:
        return None
    return frozenset(words)


def _anchored(items: list) -> bool:
    at = _sre_constants.AT
    return (len(items) >= 2 and items[0] == (at, _sre_constants.AT_BEGINNING)
            and items[-1] == (at, _sre_constants.AT_END))


def _expand(items: list, limit: int) -> set[str] | None:
    results = {""}
    for op, value in items:
        if op is _sre_constants.AT:
            continue
        if op is _sre_constants.LITERAL:
            options = {chr(value)}
        elif op is _sre_constants.SUBPATTERN and not value[1] and not value[2]:
            options = _expand(list(value[3]), limit)
        elif op is _sre_constants.BRANCH:
            options = set()
            for branch in value[1]:
                expanded = _expand(list(branch), limit)
                if expanded is None:
                    return None
                options |= expanded
        elif op is _sre_constants.IN and all(kind is _sre_constants.LITERAL for kind, _ in value):
            options = {chr(char) for _, char in value}
        else:
            return None
        if options is None or len(results) * len(options) > limit:
            return None
        results = {prefix + option for prefix in results for option in options}
    return results


def last_word(node: ts.Node) -> str:
    """The name a callee ends with, type arguments aside (`query_as::<_, T>` → `query_as`)."""
    text = _TYPE_ARGUMENTS.sub("", (node.text or b"").decode("utf-8", "replace"))
    return re.split(r"[^A-Za-z0-9_]", text)[-1]


_TYPE_ARGUMENTS = re.compile(r"(::)?\s*<.*>\s*$", re.DOTALL)


class _QueryBuilder:
    """Collects patterns; code patterns of the same shape become one query pattern."""

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter
        self.count = 0
        self.shapes: dict[Shape, dict[str, list[int]]] = {}
        self.unanchored: dict[str, list[int]] = {}
        self.raw: list[tuple[m.Code, int]] = []
        self.tested_only: list[m.Code] = []
        self.anchors: set[bytes] = set()
        self.words: set[str] = set()
        #: words every pattern needing them needs as a callee (see Shape.callee)
        self.call_words: set[str] = set()
        self.always = False

    def _ids(self, n: int) -> tuple[int, ...]:
        ids = tuple(range(self.count, self.count + n))
        self.count += n
        return ids

    def add_shape(self, shape: Shape) -> int:
        (index,) = self._ids(1)
        if shape.word is None:
            if shape.words:
                self._need(shape.words, shape.callee)
            else:
                self.always = True
            self.unanchored.setdefault(shape.text, []).append(index)
        else:
            self.anchors.add(shape.word.encode())
            self._need({shape.word}, shape.callee)
            key = Shape(shape.text, shape.anchor, None, None)
            self.shapes.setdefault(key, {}).setdefault(shape.word, []).append(index)
        return index

    def _need(self, words: Iterable[str], callee: bool) -> None:
        for word in words:
            if callee and word not in self.words:
                self.call_words.add(word)
            else:
                self.words.add(word)
                self.call_words.discard(word)

    def add_raw(self, query: m.Code, search: bool) -> int:
        """A raw query: searched with the others, or only validated when it is only tested."""
        if not search:
            self.tested_only.append(query)
            return -1
        self.always = True
        (index,) = self._ids(1)
        self.raw.append((query, index))
        return index

    def parts(self, relaxed: bool = False, skip: frozenset[int] = frozenset()) -> list[tuple[str, Dispatch]]:
        """Query parts in order with their dispatch; `relaxed` drops name predicates."""
        parts: list[tuple[str, Dispatch]] = []
        for text, ids in self.unanchored.items():
            parts.append((text, Dispatch(ids=tuple(ids))))
        for shape, words in self.shapes.items():
            keep = not relaxed or shape.anchor == "word"
            text = f"({shape.text} {_predicate(shape, words)})" if keep else shape.text
            parts.append((text, Dispatch(by_word={w: tuple(ids) for w, ids in words.items()})))
        for query, index in self.raw:
            if index not in skip:
                parts.append((query.text, Dispatch(ids=(index,))))
        return parts


def compile_parts(language: ts.Language, parts: list[tuple[str, Dispatch]]) -> tuple[ts.Query, list[Dispatch]]:
    """One query from many parts, and for each of its patterns the dispatch of its part.

    A raw query may hold several patterns: the byte where each pattern starts tells
    which part it came from, so nothing has to count patterns before compiling.
    """
    starts: list[int] = []
    offset = 0
    for text, _ in parts:
        starts.append(offset)
        offset += len(text.encode()) + 1
    query = ts.Query(language, "\n".join(text for text, _ in parts))
    dispatch = [
        parts[bisect.bisect_right(starts, query.start_byte_for_pattern(i)) - 1][1]
        for i in range(query.pattern_count)
    ]
    return query, dispatch


class Compiler:
    """Compiles packs into a RuleSet, collecting every error with its position."""

    def __init__(self, packs: Iterable[m.Pack]) -> None:
        self.packs = list(packs)
        self.errors: list[m.RuleError] = []
        self.defines: dict[str, tuple[m.Define, str]] = {}
        for pack in self.packs:
            for definition in pack.defines:
                self.defines[definition.name] = (definition, pack.path)
        self._builders: dict[str, _QueryBuilder] = {}
        self._path = ""
        self._bad_raw: frozenset[int] = frozenset()
        self._query_paths: dict[int, str] = {}

    def compile(self) -> RuleSet:
        compiled: list[CompiledRule] = []
        seen: dict[str, m.Rule] = {}
        for pack in self.packs:
            self._path = pack.path
            for rule in pack.rules:
                if rule.id in seen:
                    continue  # reported by flowscan.grammar.check_references
                seen[rule.id] = rule
                result = self._compile_rule(rule)
                if result is not None:
                    compiled.append(result)
        plans: dict[str, LanguagePlan] = {}
        for language, builder in self._builders.items():
            query, dispatch = self._compile_query(builder)
            rules = [
                (rule, rule.matchers[language], query_indices(rule.matchers[language]))
                for rule in compiled
                if language in rule.matchers
            ]
            relaxed = "\n".join(text for text, _ in builder.parts(relaxed=True, skip=self._bad_raw))
            plans[language] = LanguagePlan(
                language, query, dispatch, frozenset(builder.anchors), builder.always, rules, relaxed,
                frozenset(builder.words), frozenset(builder.call_words),
            )
        return RuleSet(compiled, plans)

    def _compile_query(self, builder: _QueryBuilder) -> tuple[ts.Query | None, list[Dispatch]]:
        """The combined query; raw queries that do not compile are reported and left out.

        Compiling a query costs tens of milliseconds with a large grammar (SQL), so raw
        queries are compiled one by one only when the combined query fails.
        """
        language = builder.adapter.language
        if builder.tested_only:
            self._validate_raw(builder, [(code, -1) for code in builder.tested_only])
        parts = builder.parts()
        if not parts:
            return None, []
        try:
            return compile_parts(language, parts)
        except ts.QueryError:
            self._validate_raw(builder, builder.raw)
        parts = builder.parts(skip=self._bad_raw)
        if not parts:
            return None, []
        return compile_parts(language, parts)  # a failure here is a bug in pattern_shape

    def _validate_raw(self, builder: _QueryBuilder, queries: list[tuple[m.Code, int]]) -> None:
        try:
            ts.Query(builder.adapter.language, "\n".join(code.text for code, _ in queries))
            return
        except ts.QueryError:
            pass
        for code, index in queries:
            try:
                ts.Query(builder.adapter.language, code.text)
            except ts.QueryError as error:
                self._bad_raw = self._bad_raw | {index}
                path = self._query_paths.get(id(code), "")
                message = f"this query does not compile for {builder.adapter.name}: {error}"
                self.errors.append(m.RuleError(path, code.span.line, code.span.column, message))

    # --- rules ---------------------------------------------------------------------------

    def _compile_rule(self, rule: m.Rule) -> CompiledRule | None:
        if rule.match is None:
            return None
        languages = rule.languages or tuple(sorted(_code_languages(rule.match, self.defines)))
        matchers: dict[str, Matcher] = {}
        errors_before = len(self.errors)
        for language in languages:
            adapter = get_adapter(language)
            base = self._pattern(rule.match, language, adapter, set(), hints=_regex_hints(rule.constraints))
            if isinstance(base, NeverMatcher):
                continue
            relations = tuple(self._relation(r, language, adapter, set()) for r in rule.relations)
            constraints = tuple(self._constraint(c) for c in rule.constraints)
            matchers[language] = (
                RefinedMatcher(base, relations, constraints) if relations or constraints else base
            )
        if len(self.errors) > errors_before:
            return None
        return CompiledRule(rule, matchers)

    def _pattern(
        self,
        expr: m.PatternExpr,
        language: str,
        adapter: Adapter,
        refs: set[str],
        search: bool = True,
        hints: dict[str, str] | None = None,
    ) -> Matcher:
        """`search`: the matcher must find candidates (else it is only ever tested on a known node).
        `hints`: regexes that metavariables must match (from `where`), usable by the query."""
        if isinstance(expr, m.CodePattern):
            if (expr.code.language or language) != language:
                return NeverMatcher()
            return self._code(expr, adapter, search, hints or {})
        if isinstance(expr, m.KindPattern):
            if (expr.language or language) != language:
                return NeverMatcher()
            if not adapter.language.id_for_node_kind(expr.kind, True):
                self._error(expr.span, f'unknown node kind "{expr.kind}" in {language}')
                return NeverMatcher()
            if not search:
                return KindMatcher(expr.kind, -1)
            index = self._builder(adapter).add_shape(Shape(f"({expr.kind}) @fs.root", "", None, expr.kind))
            return KindMatcher(expr.kind, index)
        if isinstance(expr, m.QueryPattern):
            if (expr.query.language or language) != language:
                return NeverMatcher()
            self._query_paths[id(expr.query)] = self._path
            index = self._builder(adapter).add_raw(expr.query, search)
            return QueryMatcher(language, expr.query.text, index)
        if isinstance(expr, m.RefPattern):
            found = self.defines.get(expr.name)
            if found is None or expr.name in refs:
                return NeverMatcher()  # reported by flowscan.grammar.check_references
            definition, path = found
            saved, self._path = self._path, path
            try:
                return self._pattern(definition.pattern, language, adapter, refs | {expr.name}, search, hints)
            finally:
                self._path = saved
        if isinstance(expr, m.AnyOf):
            items = [self._pattern(item, language, adapter, refs, search, hints) for item in expr.items]
            live = tuple(item for item in items if not isinstance(item, NeverMatcher))
            if not live:
                return NeverMatcher()
            return live[0] if len(live) == 1 else AnyMatcher(live)
        if isinstance(expr, m.AllOf):
            positives, negatives = [], []
            for item in expr.items:
                if isinstance(item, m.Not):
                    negatives.append(self._pattern(item.item, language, adapter, refs, search=False))
                else:
                    # only the first positive item needs to find candidates; the rest test them
                    first = search and not positives
                    positives.append(self._pattern(item, language, adapter, refs, search=first, hints=hints if first else None))
            if not positives:
                self._error(expr.span, "all { } needs at least one pattern that is not negated")
                return NeverMatcher()
            if any(isinstance(item, NeverMatcher) for item in positives):
                return NeverMatcher()
            return AllMatcher(tuple(positives), tuple(negatives))
        if isinstance(expr, m.Not):
            self._error(expr.span, "`not` is only allowed inside all { }")
            return NeverMatcher()
        if isinstance(expr, m.Refined):
            own = {**(hints or {}), **_regex_hints(expr.constraints)}
            base = self._pattern(expr.base, language, adapter, refs, search, own)
            if isinstance(base, NeverMatcher):
                return base
            relations = tuple(self._relation(r, language, adapter, refs) for r in expr.relations)
            constraints = tuple(self._constraint(c) for c in expr.constraints)
            regex = _regex(expr.text_regex) if expr.text_regex else None
            return RefinedMatcher(base, relations, constraints, regex)
        raise TypeError(f"unknown pattern expression {expr!r}")

    def _code(self, expr: m.CodePattern, adapter: Adapter, search: bool, hints: dict[str, str]) -> Matcher:
        parsed = parse_pattern(expr.code.text, adapter)
        if isinstance(parsed, str):
            self._error(expr.code.span, parsed)
            return NeverMatcher()
        shape = pattern_shape(parsed.node, adapter, hints)
        if not search:
            return CodeMatcher(parsed, -1, shape.root_kind)
        return CodeMatcher(parsed, self._builder(adapter).add_shape(shape), shape.root_kind)

    def _relation(self, relation: m.Relation, language: str, adapter: Adapter, refs: set[str]) -> RelationCheck:
        target = self._pattern(relation.target, language, adapter, refs, search=False)
        return RelationCheck(relation.relation, relation.negated, target, adapter.function_kinds, adapter.name)

    def _constraint(self, constraint: m.Constraint) -> ConstraintCheck:
        if isinstance(constraint, m.MatchesRegex):
            return ConstraintCheck(constraint.metavar, constraint.negated, regex=_regex(constraint.regex))
        if isinstance(constraint, m.IsString):
            return ConstraintCheck(constraint.metavar, constraint.negated, must_be_string=True)
        return ConstraintCheck(constraint.metavar, constraint.negated, one_of=frozenset(constraint.values))

    def _builder(self, adapter: Adapter) -> _QueryBuilder:
        builder = self._builders.get(adapter.name)
        if builder is None:
            builder = self._builders[adapter.name] = _QueryBuilder(adapter)
        return builder

    def _error(self, span: m.Span, message: str) -> None:
        self.errors.append(m.RuleError(self._path, span.line, span.column, message))


def _regex(regex: m.Regex) -> re.Pattern[str]:
    return re.compile(regex.source)


def _code_languages(expr: m.PatternExpr, defines: dict[str, tuple[m.Define, str]], seen: frozenset[str] = frozenset()) -> set[str]:
    """Languages named by the code of a rule that has no `language` clause."""
    if isinstance(expr, m.CodePattern):
        return {expr.code.language} if expr.code.language else set()
    if isinstance(expr, m.KindPattern):
        return {expr.language} if expr.language else set()
    if isinstance(expr, m.QueryPattern):
        return {expr.query.language} if expr.query.language else set()
    if isinstance(expr, (m.AnyOf, m.AllOf)):
        return set().union(*(_code_languages(item, defines, seen) for item in expr.items))
    if isinstance(expr, m.Not):
        return _code_languages(expr.item, defines, seen)
    if isinstance(expr, m.Refined):
        return _code_languages(expr.base, defines, seen)
    if isinstance(expr, m.RefPattern) and expr.name in defines and expr.name not in seen:
        return _code_languages(defines[expr.name][0].pattern, defines, seen | {expr.name})
    return set()


# --- pattern → query -----------------------------------------------------------------------


@frozen
class Shape:
    """A pattern's query without its anchor predicate; patterns of the same shape share one."""

    text: str
    #: "name" (a possibly qualified name ending in the word), "word" (an exact token) or ""
    anchor: str
    word: str | None
    root_kind: str | None
    #: for a shape with no word of its own, the words its `where` regex allows (see `required_words`)
    words: frozenset[str] | None = None
    #: its word ends what a call calls: in code the word is followed by `(` (or `!(`, `::<T>(`)
    callee: bool = False


def _regex_hints(constraints: Iterable[m.Constraint]) -> dict[str, str]:
    return {c.metavar: c.regex.source for c in constraints if isinstance(c, m.MatchesRegex) and not c.negated}


def pattern_shape(node: ts.Node, adapter: Adapter, hints: dict[str, str] | None = None) -> Shape:
    if metavar_of(node) is not None:
        return Shape("(_) @fs.root", "", None, None)
    name = _plain_name(node, adapter)
    if name is not None:
        return Shape("(_) @fs.root @fs.anchor", "name", name[-1], None)
    if node.type in adapter.string_kinds:
        return Shape(f"({node.type}) @fs.root", "", None, None)
    path = _anchor_path(node, adapter)
    if not path:
        hinted = _hinted_path(node, adapter, hints or {})
        if hinted is not None:
            return hinted
        return Shape(f"({node.type}) @fs.root", "", None, node.type)
    callee = _ends_callee(node, [(field, step) for field, step, _ in path], adapter, path[0][2] == "name")
    inner, how_anchor, word = "", "", ""
    for field, step, how in reversed(path):
        prefix = f"{field}: " if field else ""
        if how == "name":
            how_anchor, word = "name", _plain_name(step, adapter)[-1]  # type: ignore[index]
            inner = f"{prefix}(_) @fs.anchor"
        elif how == "word":
            how_anchor, word = "word", (step.text or b"").decode()
            inner = f"{prefix}({step.type}) @fs.anchor"
        else:
            inner = f"{prefix}({step.type} {inner})"
    return Shape(f"({node.type} {inner}) @fs.root", how_anchor, word, node.type, callee=callee)


#: fields that hold the last part of a name (`a.b.c` → `c`), through which a callee ends
_NAME_PART_FIELDS = frozenset({"attribute", "field", "name", "function", "macro"})


def _ends_callee(root: ts.Node, steps: list[tuple[str | None, ts.Node]], adapter: Adapter, whole_name: bool) -> bool:
    """Whether the anchor at the end of `steps` is the last word of what a call calls."""
    if not steps or adapter.callees.get(root.type) != steps[0][0]:
        return False
    return whole_name or all(field in _NAME_PART_FIELDS for field, _ in steps[1:])


def _predicate(shape: Shape, words: Iterable[str]) -> str:
    ordered = sorted(words)
    if shape.anchor == "word":
        return "(#any-of? @fs.anchor " + " ".join(f'"{w}"' for w in ordered) + ")"
    # a name may end in type arguments: `query_as::<_, Fact>`, `KafkaConsumer<String, String>`
    return f'(#match? @fs.anchor "(^|[^A-Za-z0-9_])({"|".join(ordered)})(::)?(<.*>)?$")'


def _plain_name(node: ts.Node, adapter: Adapter) -> tuple[str, ...] | None:
    name = adapter.qualified_name(node)
    if name is None or any("__FS" in part for part in name) or not _WORD.fullmatch(name[-1]):
        return None
    return name


_NAME_FIELDS = frozenset({"attribute", "field", "name", "function", "method", "macro"})


def _hinted_path(node: ts.Node, adapter: Adapter, hints: dict[str, str]) -> Shape | None:
    """A pattern with no word of its own (`$DB.$M($Q)`) whose metavariable a `where` regex
    constrains: the query tests the regex, so that C, not Python, discards the other calls."""
    if not hints:
        return None
    found = _metavar_path(node, adapter, hints)
    if found is None:
        return None
    steps, regex = found
    inner = ""
    for field, step in reversed(steps):
        prefix = f"{field}: " if field else ""
        inner = f"{prefix}(_) @fs.anchor" if not inner else f"{prefix}({step.type} {inner})"
    pattern = regex.replace("\\", "\\\\").replace('"', '\\"')
    text = f'(({node.type} {inner}) @fs.root (#match? @fs.anchor "{pattern}"))'
    return Shape(text, "", None, node.type, required_words(regex), _ends_callee(node, steps, adapter, False))


def _metavar_path(
    node: ts.Node, adapter: Adapter, hints: dict[str, str]
) -> tuple[list[tuple[str | None, ts.Node]], str] | None:
    for index, child in enumerate(node.children):
        if not child.is_named or child.type in adapter.comment_kinds:
            continue
        field = node.field_name_for_child(index)
        metavar = metavar_of(child)
        if metavar is not None:
            # only where code holds a name: a regex on a value means its unquoted text
            if not metavar.multi and metavar.name in hints and field in _NAME_FIELDS:
                return [(field, child)], hints[metavar.name]
            continue
        if child.child_count == 0 or _plain_name(child, adapter) is not None or child.type in adapter.string_kinds:
            continue
        below = _metavar_path(child, adapter, hints)
        if below is not None:
            return [(field, child)] + below[0], below[1]
    return None


def _anchor_path(node: ts.Node, adapter: Adapter) -> list[tuple[str | None, ts.Node, str]]:
    """Fields and nodes from `node` down to its first anchor word, through rigid nodes only."""
    split = adapter.split_callee.get(node.type)
    for index, child in enumerate(node.children):
        if not child.is_named or child.type in adapter.comment_kinds or metavar_of(child) is not None:
            continue
        field = node.field_name_for_child(index)
        if split is not None and field == split[0]:
            continue  # the object part of a split callee may be absent in code
        if _plain_name(child, adapter) is not None and not (split is not None and field == split[1]):
            return [(field, child, "name")]
        if child.type in adapter.string_kinds:
            continue
        if child.child_count == 0:
            text = (child.text or b"").decode()
            if _WORD.fullmatch(text):
                return [(field, child, "word")]
            continue
        below = _anchor_path(child, adapter)
        if below:
            return [(field, child, "")] + below
    return []
