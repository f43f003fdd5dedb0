"""Compiled matchers: the executable form of pattern expressions.

Each matcher answers two questions about a file: which nodes are its *candidates*
(found through the combined tree-sitter query, so the search runs in C), and does a
given node *test* true (used by relations and by `all`, where a node is already known).
"""

from __future__ import annotations

import functools
import re
from typing import Iterator, Protocol

import tree_sitter as ts
from attrs import frozen

from flowscan.languages import adapter
from flowscan.patterns import ParsedPattern
from flowscan.unify import Binding, Env, Unifier


class FileContext(Protocol):
    unifier: Unifier
    source: bytes

    def query_hits(self, index: int) -> list[tuple[ts.Node, Env]]: ...

    def run_query(self, query: ts.Query, node: ts.Node) -> list[tuple[int, dict[str, list[ts.Node]]]]: ...


class Matcher(Protocol):
    def candidates(self, ctx: FileContext) -> Iterator[tuple[ts.Node, Env]]: ...

    def test(self, ctx: FileContext, node: ts.Node, env: Env) -> Env | None: ...


def query_indices(matcher: Matcher) -> frozenset[int]:
    """The combined query's patterns a matcher's candidates come from: a rule none of
    whose patterns matched in a file is skipped without running any Python for it."""
    if isinstance(matcher, (CodeMatcher, KindMatcher, QueryMatcher)):
        return frozenset({matcher.query_index})
    if isinstance(matcher, AnyMatcher):
        return frozenset().union(*(query_indices(item) for item in matcher.items))
    if isinstance(matcher, AllMatcher):
        return query_indices(matcher.positives[0])
    if isinstance(matcher, RefinedMatcher):
        return query_indices(matcher.base)
    return frozenset()


@frozen
class CodeMatcher:
    pattern: ParsedPattern
    query_index: int
    #: the kind every match has, or None when the pattern's root is a name or metavariable
    root_kind: str | None

    def candidates(self, ctx: FileContext) -> Iterator[tuple[ts.Node, Env]]:
        for node, _ in ctx.query_hits(self.query_index):
            env = ctx.unifier.match(self.pattern.node, node, {})
            if env is not None:
                yield node, env

    def test(self, ctx: FileContext, node: ts.Node, env: Env) -> Env | None:
        if self.root_kind is not None and node.type != self.root_kind:
            return None
        return ctx.unifier.match(self.pattern.node, node, env)


@frozen
class KindMatcher:
    kind: str
    query_index: int

    def candidates(self, ctx: FileContext) -> Iterator[tuple[ts.Node, Env]]:
        for node, env in ctx.query_hits(self.query_index):
            yield node, env

    def test(self, ctx: FileContext, node: ts.Node, env: Env) -> Env | None:
        return env if node.type == self.kind else None


@frozen
class QueryMatcher:
    """A raw tree-sitter query written by the rule author."""

    language: str
    text: str
    query_index: int

    def candidates(self, ctx: FileContext) -> Iterator[tuple[ts.Node, Env]]:
        return iter(ctx.query_hits(self.query_index))

    def test(self, ctx: FileContext, node: ts.Node, env: Env) -> Env | None:
        query = standalone_query(self.language, self.text)
        if query is None:
            return None  # reported when the rules were compiled
        for _, captures in ctx.run_query(query, node):
            root, bound = query_match_root(captures)
            if root is not None and root == node:
                return merge(env, bound)
        return None


@functools.cache
def standalone_query(language: str, text: str) -> ts.Query | None:
    """A raw query on its own, for testing one node: compiled once, when first needed."""
    try:
        return ts.Query(adapter(language).language, text)
    except ts.QueryError:
        return None


def query_match_root(captures: dict[str, list[ts.Node]]) -> tuple[ts.Node | None, Env]:
    """The reported node of a raw-query match (`@match`, else the widest capture) and its bindings."""
    env: Env = {}
    widest: ts.Node | None = None
    for name, nodes in captures.items():
        if name.startswith("fs."):
            continue
        if name == "match":
            widest = nodes[0]
            continue
        env[name] = nodes[0] if len(nodes) == 1 else tuple(nodes)
        for node in nodes:
            if widest is None or node.end_byte - node.start_byte > widest.end_byte - widest.start_byte:
                if "match" not in captures:
                    widest = node
    return widest, env


def merge(env: Env, extra: Env) -> Env | None:
    for name, value in extra.items():
        if name in env and env[name] != value:
            return None
    return {**env, **extra}


@frozen
class NeverMatcher:
    """A pattern for another language: contributes nothing here."""

    def candidates(self, ctx: FileContext) -> Iterator[tuple[ts.Node, Env]]:
        return iter(())

    def test(self, ctx: FileContext, node: ts.Node, env: Env) -> Env | None:
        return None


@frozen
class AnyMatcher:
    items: tuple[Matcher, ...]

    def candidates(self, ctx: FileContext) -> Iterator[tuple[ts.Node, Env]]:
        for item in self.items:
            yield from item.candidates(ctx)

    def test(self, ctx: FileContext, node: ts.Node, env: Env) -> Env | None:
        for item in self.items:
            found = item.test(ctx, node, env)
            if found is not None:
                return found
        return None


@frozen
class AllMatcher:
    positives: tuple[Matcher, ...]
    negatives: tuple[Matcher, ...]

    def candidates(self, ctx: FileContext) -> Iterator[tuple[ts.Node, Env]]:
        first, rest = self.positives[0], self.positives[1:]
        for node, env in first.candidates(ctx):
            found = self._rest(ctx, node, env, rest)
            if found is not None:
                yield node, found

    def test(self, ctx: FileContext, node: ts.Node, env: Env) -> Env | None:
        return self._rest(ctx, node, env, self.positives)

    def _rest(self, ctx: FileContext, node: ts.Node, env: Env, items: tuple[Matcher, ...]) -> Env | None:
        for item in items:
            found = item.test(ctx, node, env)
            if found is None:
                return None
            env = found
        for item in self.negatives:
            if item.test(ctx, node, env) is not None:
                return None
        return env


# --- relations and constraints --------------------------------------------------------


@frozen
class RelationCheck:
    relation: str  # inside | has | follows | precedes
    negated: bool
    target: Matcher
    function_kinds: frozenset[str]
    language: str = ""

    def apply(self, ctx: FileContext, node: ts.Node, env: Env) -> Env | None:
        for other in self._scope(node):
            found = self.target.test(ctx, other, env)
            if found is not None:
                return None if self.negated else found
        return env if self.negated else None

    def _scope(self, node: ts.Node) -> Iterator[ts.Node]:
        if self.relation == "inside":
            parent = node.parent
            while parent is not None:
                yield parent
                parent = parent.parent
            return
        kind = _root_kind(self.target)
        if kind is not None and self.language:
            # Only nodes of the target's kind can match: let a query find them, in C,
            # instead of walking every node of the subtree or function in Python.
            yield from self._of_kind(node, kind)
        elif self.relation == "has":
            yield from _descendants(node)
        else:
            yield from self._siblings_in_scope(node, forward=self.relation == "precedes")

    def _of_kind(self, node: ts.Node, kind: str) -> Iterator[ts.Node]:
        if self.relation == "has":
            for found in nodes_of_kind(self.language, kind, node):
                if found != node:
                    yield found
            return
        scope = node.parent
        while scope is not None and scope.parent is not None and scope.type not in self.function_kinds:
            scope = scope.parent
        if scope is None:
            return
        found = nodes_of_kind(self.language, kind, scope)
        if self.relation == "follows":
            # earlier in the function, not around the node (an ancestor ends after it)
            yield from reversed([n for n in found if n.end_byte <= node.start_byte])
        else:
            yield from (n for n in found if n.start_byte >= node.end_byte)

    def _siblings_in_scope(self, node: ts.Node, forward: bool) -> Iterator[ts.Node]:
        """Earlier (or later) statements of each enclosing block, up to the function."""
        current: ts.Node | None = node
        while current is not None and current.type not in self.function_kinds:
            sibling = current.next_named_sibling if forward else current.prev_named_sibling
            while sibling is not None:
                yield sibling
                yield from _descendants(sibling)
                sibling = sibling.next_named_sibling if forward else sibling.prev_named_sibling
            current = current.parent


def _root_kind(matcher: Matcher) -> str | None:
    if isinstance(matcher, CodeMatcher):
        return matcher.root_kind
    if isinstance(matcher, KindMatcher):
        return matcher.kind
    if isinstance(matcher, RefinedMatcher):
        return _root_kind(matcher.base)
    return None


def nodes_of_kind(language: str, kind: str, within: ts.Node) -> list[ts.Node]:
    """Every node of one kind inside `within` (itself included), in document order."""
    query = _kind_query(language, kind)
    if query is None:
        return []
    cursor = ts.QueryCursor(query)
    cursor.set_byte_range(within.start_byte, within.end_byte)
    found = cursor.captures(within).get("n", [])
    inside = [n for n in found if within.start_byte <= n.start_byte and n.end_byte <= within.end_byte]
    return sorted(inside, key=lambda n: (n.start_byte, -n.end_byte))


@functools.cache
def _kind_query(language: str, kind: str) -> ts.Query | None:
    try:
        return ts.Query(adapter(language).language, f"({kind}) @n")
    except ts.QueryError:
        return None


def _descendants(node: ts.Node) -> Iterator[ts.Node]:
    cursor = node.walk()
    if not cursor.goto_first_child():
        return
    depth = 1
    while depth > 0:
        if cursor.node is not None and cursor.node.is_named:
            yield cursor.node
        if cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return
            depth -= 1
            if depth == 0:
                return


class ValueReader(Protocol):
    def is_string(self, binding: Binding) -> bool: ...

    def value(self, binding: Binding) -> str: ...


@frozen
class ConstraintCheck:
    """`where $X ...`: regex, string-literal test or one-of, possibly negated."""

    metavar: str
    negated: bool
    regex: re.Pattern[str] | None = None
    must_be_string: bool = False
    one_of: frozenset[str] | None = None

    def holds(self, reader: ValueReader, env: Env) -> bool:
        binding = env.get(self.metavar)
        if binding is None:
            return self.negated
        if self.must_be_string:
            result = reader.is_string(binding)
        elif self.regex is not None:
            result = self.regex.search(reader.value(binding)) is not None
        else:
            result = reader.value(binding) in (self.one_of or frozenset())
        return result != self.negated


@frozen
class RefinedMatcher:
    base: Matcher
    relations: tuple[RelationCheck, ...] = ()
    constraints: tuple[ConstraintCheck, ...] = ()
    text_regex: re.Pattern[str] | None = None

    def candidates(self, ctx: FileContext) -> Iterator[tuple[ts.Node, Env]]:
        for node, env in self.base.candidates(ctx):
            found = self._refine(ctx, node, env)
            if found is not None:
                yield node, found

    def test(self, ctx: FileContext, node: ts.Node, env: Env) -> Env | None:
        found = self.base.test(ctx, node, env)
        return None if found is None else self._refine(ctx, node, found)

    def _refine(self, ctx: FileContext, node: ts.Node, env: Env) -> Env | None:
        if self.text_regex is not None:
            text = (node.text or b"").decode("utf-8", "replace")
            if self.text_regex.search(text) is None:
                return None
        reader = ctx.unifier
        # Constraints on what is bound already are cheap: check them before any relation
        # walks the tree; the others wait for the positive relations that bind them.
        early = [c for c in self.constraints if c.metavar in env]
        if not all(c.holds(reader, env) for c in early):  # type: ignore[arg-type]
            return None
        for relation in sorted(self.relations, key=lambda r: r.negated):
            found = relation.apply(ctx, node, env)
            if found is None:
                return None
            env = found
        late = [c for c in self.constraints if c not in early]
        return env if all(c.holds(reader, env) for c in late) else None  # type: ignore[arg-type]
