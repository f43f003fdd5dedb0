"""Checks that need more than one token: a whole rule, a whole pack, or all packs.

Metavariables are collected as written: from code (`$X`, `$$$XS`), from the captures
of queries (`@X` binds `$X`) and through the defines a pattern names. What a negated
pattern (`not P`, `not inside P`) matches is never reported, so it binds nothing a
message or an entity could use.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator

from flowscan.grammar.model import (
    MESSAGE_PLACEHOLDER,
    AllOf,
    AnyOf,
    CodePattern,
    Constraint,
    Define,
    KindPattern,
    Not,
    Pack,
    PatternExpr,
    QueryPattern,
    Refined,
    RefPattern,
    Rule,
    RuleError,
    Span,
)

_CODE_METAVAR = re.compile(r"\$(?:\$\$)?([A-Z_][A-Z0-9_]*)")
_QUERY_CAPTURE = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")

# metavariables of a pattern; None when it names a define of another pack
Bindings = frozenset[str] | None
Leaf = CodePattern | KindPattern | QueryPattern


def _error(path: str, span: Span, message: str) -> RuleError:
    return RuleError(path, span.line, span.column, message)


# --- walking patterns -----------------------------------------------------------------


def _children(expr: PatternExpr) -> Iterator[PatternExpr]:
    """Sub-patterns written inside `expr`, relation targets included, defines not followed."""
    if isinstance(expr, (AnyOf, AllOf)):
        yield from expr.items
    elif isinstance(expr, Not):
        yield expr.item
    elif isinstance(expr, Refined):
        yield expr.base
        yield from (relation.target for relation in expr.relations)


def walk(expr: PatternExpr) -> Iterator[PatternExpr]:
    yield expr
    for child in _children(expr):
        yield from walk(child)


def rule_patterns(rule: Rule) -> list[PatternExpr]:
    """The patterns a rule writes: its match and the targets of its relation clauses."""
    match = [rule.match] if rule.match is not None else []
    return match + [relation.target for relation in rule.relations]


def pack_patterns(pack: Pack) -> Iterator[PatternExpr]:
    for definition in pack.defines:
        yield definition.pattern
    for rule in pack.rules:
        yield from rule_patterns(rule)


def _leaf_language(leaf: Leaf) -> str | None:
    if isinstance(leaf, CodePattern):
        return leaf.code.language
    if isinstance(leaf, QueryPattern):
        return leaf.query.language
    return leaf.language


# --- metavariables --------------------------------------------------------------------


def bindings(expr: PatternExpr, defines: dict[str, Define], positive: bool, seen: frozenset[str] = frozenset()) -> Bindings:
    """The metavariables `expr` binds; with `positive`, only where a match is reported."""
    if isinstance(expr, CodePattern):
        return frozenset(_CODE_METAVAR.findall(expr.code.text)) - {"_"}
    if isinstance(expr, QueryPattern):
        return frozenset(_QUERY_CAPTURE.findall(expr.query.text)) - {"match"}
    if isinstance(expr, KindPattern):
        return frozenset()
    if isinstance(expr, RefPattern):
        if expr.name in seen:  # a cycle, reported by check_references
            return frozenset()
        if expr.name not in defines:
            return None
        return bindings(defines[expr.name].pattern, defines, positive, seen | {expr.name})
    if positive and isinstance(expr, Not):
        return frozenset()
    if positive and isinstance(expr, Refined):
        parts = [expr.base, *(r.target for r in expr.relations if not r.negated)]
    else:
        parts = list(_children(expr))
    return _union(bindings(part, defines, positive, seen) for part in parts)


def _union(sets: Iterable[Bindings]) -> Bindings:
    result: set[str] = set()
    for names in sets:
        if names is None:
            return None
        result |= names
    return frozenset(result)


def _nested_constraints(exprs: Iterable[PatternExpr]) -> Iterator[Constraint]:
    for expr in exprs:
        for node in walk(expr):
            if isinstance(node, Refined):
                yield from node.constraints


def _check_rule_metavars(rule: Rule, defines: dict[str, Define]) -> Iterator[RuleError]:
    match = [rule.match] if rule.match is not None else []
    reported = match + [relation.target for relation in rule.relations if not relation.negated]
    shown = _union(bindings(p, defines, positive=True) for p in reported)
    if shown is not None:  # else a define of another pack may bind them
        yield from _unbound_in_message(rule, shown)
        yield from _unbound_in_entities(rule, shown)
        if rule.sql and rule.sql_span is not None and rule.sql not in shown:
            yield _error(rule.path, rule.sql_span, f"sql uses ${rule.sql} but no pattern of this rule binds ${rule.sql}")
    patterns = rule_patterns(rule)
    anywhere = _union(bindings(p, defines, positive=False) for p in patterns)
    if anywhere is not None:
        constraints = (*rule.constraints, *_nested_constraints(patterns))
        yield from _unbound_in_constraints(rule.path, constraints, anywhere, "rule")


def _unbound_in_message(rule: Rule, bound: frozenset[str]) -> Iterator[RuleError]:
    if rule.message is None or rule.message_span is None:
        return
    for name in dict.fromkeys(MESSAGE_PLACEHOLDER.findall(rule.message)):
        if name not in bound:
            yield _error(rule.path, rule.message_span, f"message uses {{{name}}} but no pattern of this rule binds ${name}")


def _unbound_in_entities(rule: Rule, bound: frozenset[str]) -> Iterator[RuleError]:
    for entity in rule.entities:
        if entity.metavar is not None and entity.metavar not in bound:
            name = entity.metavar
            yield _error(rule.path, entity.span, f"entity uses ${name} but no pattern of this rule binds ${name}")


def _unbound_in_constraints(
    path: str, constraints: Iterable[Constraint], bound: frozenset[str], owner: str
) -> Iterator[RuleError]:
    # a constraint may test a metavariable of a negated pattern: it binds there
    for constraint in constraints:
        if constraint.metavar not in bound:
            name = constraint.metavar
            yield _error(path, constraint.span, f"where uses ${name} but no pattern of this {owner} binds ${name}")


def _check_define_metavars(definition: Define, defines: dict[str, Define], path: str) -> Iterator[RuleError]:
    anywhere = bindings(definition.pattern, defines, positive=False)
    if anywhere is not None:
        constraints = _nested_constraints([definition.pattern])
        yield from _unbound_in_constraints(path, constraints, anywhere, "define")


# --- languages ------------------------------------------------------------------------


def _leaves(exprs: Iterable[PatternExpr]) -> Iterator[Leaf]:
    for expr in exprs:
        yield from (node for node in walk(expr) if isinstance(node, (CodePattern, KindPattern, QueryPattern)))


def _check_languages(rule: Rule, defines: dict[str, Define]) -> Iterator[RuleError]:
    """Every snippet must have a language: its own or the rule's (the rule's only one, for examples)."""
    leaves = list(_leaves(rule_patterns(rule)))
    for leaf in leaves:
        yield from _check_snippet_language(rule, _leaf_language(leaf), leaf.span, "pattern")
    if not rule.languages and not leaves and rule.match is not None:
        if _named_languages(rule.match, defines) == set():
            yield _error(rule.path, rule.span, f'rule {rule.id} has no language: add "language ..."')
    for example in rule.examples:
        language = example.code.language
        if language is None and len(rule.languages) > 1:
            yield _error(
                rule.path,
                example.code.span,
                f"this example has no language and the rule has several ({', '.join(rule.languages)}):"
                f" write {rule.languages[0]} `...`",
            )
        else:
            yield from _check_snippet_language(rule, language, example.code.span, "example")


def _named_languages(expr: PatternExpr, defines: dict[str, Define], seen: frozenset[str] = frozenset()) -> set[str] | None:
    """Languages the snippets of `expr` name, through defines; None when one is in another pack."""
    found: set[str] = set()
    for node in walk(expr):
        if isinstance(node, (CodePattern, KindPattern, QueryPattern)):
            language = _leaf_language(node)
            if language is not None:
                found.add(language)
        elif isinstance(node, RefPattern) and node.name not in seen:
            if node.name not in defines:
                return None
            inner = _named_languages(defines[node.name].pattern, defines, seen | {node.name})
            if inner is None:
                return None
            found |= inner
    return found


def _check_snippet_language(rule: Rule, language: str | None, span: Span, noun: str) -> Iterator[RuleError]:
    if language is None and not rule.languages:
        yield _error(
            rule.path, span, f'this {noun} has no language: add "language ..." to the rule or write python `...`'
        )
    elif language is not None and rule.languages and language not in rule.languages:
        yield _error(rule.path, span, f"this {noun} is {language}, not a language of the rule ({', '.join(rule.languages)})")


# --- packs ----------------------------------------------------------------------------


def check_pack(pack: Pack) -> list[RuleError]:
    """Checks within one pack; references to defines are left to check_references."""
    errors = list(_duplicates(pack))
    defines = {definition.name: definition for definition in pack.defines}
    for definition in pack.defines:
        errors.extend(_check_define_metavars(definition, defines, pack.path))
    for rule in pack.rules:
        errors.extend(_check_languages(rule, defines))
        errors.extend(_check_rule_metavars(rule, defines))
    return errors


def _duplicates(pack: Pack) -> Iterator[RuleError]:
    first_define: dict[str, Define] = {}
    for definition in pack.defines:
        if definition.name in first_define:
            line = first_define[definition.name].span.line
            yield _error(pack.path, definition.span, f'duplicate define "{definition.name}" (first defined at line {line})')
        first_define.setdefault(definition.name, definition)
    first_rule: dict[str, Rule] = {}
    for rule in pack.rules:
        if rule.id in first_rule:
            line = first_rule[rule.id].span.line
            yield _error(pack.path, rule.span, f'duplicate rule id "{rule.id}" (first defined at line {line})')
        first_rule.setdefault(rule.id, rule)


def check_references(packs: list[Pack]) -> list[RuleError]:
    """Checks across packs: every named pattern is defined once and not by itself, rule ids are unique.

    Duplicates within one pack are parse_pack's to report, so only pairs from two files count here.
    """
    errors: list[RuleError] = []
    defines: dict[str, tuple[Define, str]] = {}
    rules: dict[str, Rule] = {}
    for pack in packs:
        for definition in pack.defines:
            first = defines.setdefault(definition.name, (definition, pack.path))
            if first[1] != pack.path:
                where = _where(first[1], first[0].span)
                errors.append(_error(pack.path, definition.span, f'define "{definition.name}" is also defined at {where}'))
        for rule in pack.rules:
            first_rule = rules.setdefault(rule.id, rule)
            if first_rule.path != rule.path:
                where = _where(first_rule.path, first_rule.span)
                errors.append(_error(rule.path, rule.span, f'duplicate rule id "{rule.id}" (also defined at {where})'))
    for pack in packs:
        errors.extend(_unknown_references(pack, defines))
        errors.extend(_cycles(pack, defines))
    return errors


def _where(path: str, span: Span) -> str:
    return f"{path}:{span.line}:{span.column}"


def _refs(expr: PatternExpr) -> Iterator[RefPattern]:
    return (node for node in walk(expr) if isinstance(node, RefPattern))


def _unknown_references(pack: Pack, defines: dict[str, tuple[Define, str]]) -> Iterator[RuleError]:
    for expr in pack_patterns(pack):
        for ref in _refs(expr):
            if ref.name not in defines:
                close = difflib.get_close_matches(ref.name, list(defines), n=1)
                hint = f'; did you mean "{close[0]}"?' if close else ""
                yield _error(pack.path, ref.span, f'unknown pattern "{ref.name}": no define has this name{hint}')


def _cycles(pack: Pack, defines: dict[str, tuple[Define, str]]) -> Iterator[RuleError]:
    """A define that reaches itself through names would never finish matching."""
    for definition in pack.defines:
        for ref in _refs(definition.pattern):
            chain = _path_back(ref.name, definition.name, defines, [])
            if chain is not None:
                names = " → ".join([definition.name, *chain])
                yield _error(pack.path, ref.span, f'pattern "{definition.name}" refers to itself ({names})')
                break


def _path_back(name: str, goal: str, defines: dict[str, tuple[Define, str]], visited: list[str]) -> list[str] | None:
    """The names from `name` that lead back to `goal`, if any."""
    if name == goal:
        return [name]
    if name in visited or name not in defines:
        return None
    for ref in _refs(defines[name][0].pattern):
        rest = _path_back(ref.name, goal, defines, [*visited, name])
        if rest is not None:
            return [name, *rest]
    return None
