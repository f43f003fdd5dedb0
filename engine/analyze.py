"""One file, all rules of its language: parse once, query once, build findings."""

from __future__ import annotations

import functools
from collections import defaultdict

import re

import attrs
import tree_sitter as ts
from attrs import frozen

from flowscan.compiler import CompiledRule, Dispatch, LanguagePlan, RuleSet, last_word
from flowscan.findings import Entity, Finding, Link, Placement, Position
from flowscan.grammar.model import MESSAGE_PLACEHOLDER
from flowscan.languages import adapter as get_adapter
from flowscan.languages.base import Adapter
from flowscan.linker import link_file, place, unit_span
from flowscan.literals import LiteralReader
from flowscan.matchers import query_match_root
from flowscan.redact import redact
from flowscan.safeguards import UNSTRUCTURED_LOG, absence_findings, guards_of, unstructured_log_hints
from flowscan.settings import resolve_placeholder
from flowscan.sqlflow import (
    SqlEffect,
    copy_effects,
    effects,
    parse_embedded,
    recovered_effects,
    summarize,
    touches_no_data,
)
from flowscan.suppress import is_suppressed, suppressed_lines
from flowscan.unify import Binding, Env, Unifier

_MAX_VALUE = 120
_DEFAULT_ACCESS = {"source": "read", "sink": "write"}


class FileContext:
    """What matchers need of a file: its tree, its imports and the combined query's hits."""

    def __init__(
        self, plan: LanguagePlan, adapter: Adapter, tree: ts.Tree, source: bytes, settings: dict[str, str],
        spans: list[tuple[int, int]] | None = None,
    ) -> None:
        self.plan = plan
        #: where the words matches need are (see LanguagePlan.word_spans); None: search everywhere
        self.spans = spans
        self.source = source
        self.tree = tree
        self.unifier = Unifier(adapter, tree.root_node)
        self.literals = LiteralReader(adapter, tree.root_node)
        self.settings = settings
        self._hits: dict[int, list[tuple[ts.Node, Env]]] | None = None

    def any_hits(self, indices: frozenset[int]) -> bool:
        if self._hits is None:
            self._hits = self._run_plan()
        return any(i in self._hits for i in indices)

    def query_hits(self, index: int) -> list[tuple[ts.Node, Env]]:
        if self._hits is None:
            self._hits = self._run_plan()
        return self._hits.get(index, [])

    def _run_plan(self) -> dict[int, list[tuple[ts.Node, Env]]]:
        hits: dict[int, list[tuple[ts.Node, Env]]] = defaultdict(list)
        plan = self.plan
        if plan.query is None:
            return hits
        root = self.tree.root_node
        for pattern_index, captures in self._strict_matches(plan.query, root):
            self._add_hits(hits, plan.dispatch[pattern_index], captures, None)
        renamed = self._renamed_imports()
        if renamed:
            strict = {(i, n.id) for i, found in hits.items() for n, _ in found}
            relaxed: dict[int, list[tuple[ts.Node, Env]]] = defaultdict(list)
            for pattern_index, captures in ts.QueryCursor(plan.relaxed_query()).matches(root):
                self._add_hits(relaxed, plan.dispatch[pattern_index], captures, renamed)
            for index, found in relaxed.items():
                hits[index].extend(hit for hit in found if (index, hit[0].id) not in strict)
        return hits

    def _strict_matches(self, query: ts.Query, root: ts.Node) -> list[tuple[int, dict[str, list[ts.Node]]]]:
        """The combined query's matches: run only over the spans that hold the words matches
        need, when they cover little of the file (a query walks every node it is given)."""
        cursor = ts.QueryCursor(query)
        spans = self.spans
        if spans is None or sum(end - start for start, end in spans) * 4 > len(self.source) or len(spans) > 64:
            return cursor.matches(root)
        found: list[tuple[int, dict[str, list[ts.Node]]]] = []
        seen: set[tuple[int, tuple[int, ...]]] = set()
        for start, end in spans:
            cursor.set_byte_range(start, end)
            for pattern_index, captures in cursor.matches(root):
                # a match reaching over two spans comes back from each
                key = (pattern_index, tuple(sorted(n.id for nodes in captures.values() for n in nodes)))
                if key not in seen:
                    seen.add(key)
                    found.append((pattern_index, captures))
        return found

    @staticmethod
    def _add_hits(
        hits: dict[int, list[tuple[ts.Node, Env]]],
        dispatch: Dispatch,
        captures: dict[str, list[ts.Node]],
        renamed: dict[str, str] | None,
    ) -> None:
        anchor = captures.get("fs.anchor")
        if renamed is not None:
            # relaxed pass: only names imported under another name are of interest
            if not anchor or last_word(anchor[0]) not in renamed:
                return
            targets = (dispatch.by_word or {}).get(renamed[last_word(anchor[0])], ())
        else:
            targets = dispatch.targets(anchor[0] if anchor else None)
        if not targets:
            return
        root = captures.get("fs.root")
        if root:
            node, env = root[0], {}
        else:
            node, env = query_match_root(captures)
            if node is None:
                return
        for index in targets:
            hits[index].append((node, env))

    def _renamed_imports(self) -> dict[str, str]:
        """Local names bound to an anchor word under another name (`read_csv as rc`)."""
        anchors = self.plan.anchors
        return {
            local: target[-1]
            for local, target in self.unifier.imports.items()
            if target[-1] != local and target[-1].encode() in anchors
        }

    def run_query(self, query: ts.Query, node: ts.Node) -> list[tuple[int, dict[str, list[ts.Node]]]]:
        cursor = ts.QueryCursor(query)
        cursor.set_byte_range(node.start_byte, node.end_byte)
        return cursor.matches(node)


@frozen
class FileAnalysis:
    findings: list[Finding]
    links: list[Link]
    placements: list[Placement]
    #: None when the file was not worth parsing (no rule can match it)
    tree: ts.Tree | None


def analyze(source: bytes, path: str, language: str, rules: RuleSet) -> list[Finding]:
    """Findings of every rule of `language` in one file's source, suppressions applied."""
    return analyze_file(source, path, language, rules).findings


def analyze_tree(
    source: bytes, path: str, language: str, rules: RuleSet, old_tree: ts.Tree | None = None
) -> tuple[list[Finding], ts.Tree | None]:
    """The findings, and the tree when the file was worth parsing at all.

    An editor passes the previous tree, edited with `Tree.edit` for the change, so that
    tree-sitter re-parses only what changed.
    """
    analysis = analyze_file(source, path, language, rules, old_tree)
    return analysis.findings, analysis.tree


def analyze_file(
    source: bytes,
    path: str,
    language: str,
    rules: RuleSet,
    old_tree: ts.Tree | None = None,
    link: bool = False,
) -> FileAnalysis:
    """Findings, and with `link` the paths data takes between them within each function."""
    plan = rules.plans.get(language)
    spans = plan.word_spans(source) if plan is not None else []
    if plan is None or spans == []:
        return FileAnalysis([], [], [], None)
    adapter = get_adapter(language)
    tree = adapter.parse(source, old_tree)
    context = FileContext(plan, adapter, tree, source, rules.settings, spans)
    hits: list[tuple[Finding, ts.Node]] = []
    for compiled, matcher, indices in plan.rules:
        if not context.any_hits(indices):
            continue
        seen: set[tuple[int, int]] = set()
        for node, env in matcher.candidates(context):
            key = (node.start_byte, node.end_byte)
            if key in seen:
                continue
            seen.add(key)
            hits.extend(build_findings(compiled, node, env, path, language, context))
    linked = link or bool(rules.checks)
    links = link_file(adapter, tree.root_node, hits) if linked and hits else []
    if rules.checks:
        hits.extend(_absences(context, source, path, hits, links, rules.checks))
    if hits and b"flowscan:" in source:
        table = suppressed_lines(source, adapter.comment_prefix)
        hits = [(f, n) for f, n in hits if not is_suppressed(f.start.line, f.rule_id, table)]
        kept = {f for f, _ in hits}
        links = [l for l in links if l.source in kept and l.target in kept]
    hits.sort(key=lambda hit: (hit[0].start, hit[0].rule_id))
    if not link:
        links = []
    placements = place(adapter, tree.root_node, path, hits) if link else []
    return FileAnalysis([f for f, _ in hits], links, placements, tree)


def _absences(
    context: FileContext,
    source: bytes,
    path: str,
    hits: list[tuple[Finding, ts.Node]],
    links: list[Link],
    checks: dict[str, str],
) -> list[tuple[Finding, ts.Node]]:
    """Warnings for writes that nothing protects, hints for steps that log formatted text
    (see flowscan.safeguards)."""
    adapter, root = context.unifier.adapter, context.unifier.root
    fed = {link.target for link in links}
    found: list[tuple[Finding, ts.Node]] = []
    seen: dict = {}
    for finding, node in hits:
        if finding.role != "sink":
            continue
        guards = guards_of(adapter, node, unit_span(adapter, node, root), seen)
        for absent in absence_findings(finding, guards, finding in fed):
            if absent.rule_id in checks:
                found.append((attrs.evolve(absent, severity=checks[absent.rule_id]), node))
    if UNSTRUCTURED_LOG in checks:
        unit_of = functools.partial(_named_unit, adapter, root)
        for hint, node in unstructured_log_hints(adapter, root, source, path, hits, links, unit_of, context.unifier):
            found.append((attrs.evolve(hint, severity=checks[UNSTRUCTURED_LOG]), node))
    return found


def _named_unit(adapter: Adapter, root: ts.Node, node: ts.Node) -> ts.Node | None:
    """The named function around a node; None at a file's top level."""
    span = unit_span(adapter, node, root)
    return None if span == root else span


def build_findings(
    compiled: CompiledRule, node: ts.Node, env: Env, path: str, language: str, context: FileContext
) -> list[tuple[Finding, ts.Node]]:
    """A rule's finding and its node; a rule that reads SQL (`sql $X`) reports what that SQL
    does instead."""
    finding = build_finding(compiled, node, env, path, language, context)
    rule = compiled.rule
    if rule.sql is None:
        return [(finding, node)]
    found = _sql_effects(rule.sql, node, env, language, context)
    if found is None:
        return [(finding, node)]
    source = context.source
    results = []
    for effect in found:
        access = "read" if effect.role == "source" else "write" if effect.role == "sink" else None
        tables = tuple(Entity("table", redact(table), access) for table in effect.tables)
        at = effect.node if language == "sql" else node
        results.append((
            attrs.evolve(
                finding,
                role=effect.role,
                message=redact(_short(_effect_message(effect))),
                entities=tables + tuple(e for e in finding.entities if e not in tables),
                start=_position(source, at.start_byte, at.start_point[0]),
                end=_position(source, at.end_byte, at.end_point[0]),
            ),
            at,
        ))
    return results


def _effect_message(effect: SqlEffect) -> str:
    if effect.tables:
        return f"{effect.what} {', '.join(effect.tables)}"
    return f"{effect.what} a table named at run time" if effect.role == "sink" else effect.what


def _sql_effects(
    metavar: str, node: ts.Node, env: Env, language: str, context: FileContext
) -> list[SqlEffect] | None:
    """What the SQL does (nothing, for `CREATE INDEX`); None when there is no SQL to read."""
    binding = env.get(metavar) if metavar else node
    if binding is None or isinstance(binding, tuple):
        return None
    if language == "sql":
        if binding.type == "ERROR":
            return recovered_effects(binding, context.tree.root_node.text or b"")
        return effects(binding)
    text = context.literals.text(binding, holes=True)
    if text is None:
        return None
    if touches_no_data(text):
        return []
    tree = parse_embedded(text)
    if tree is None:
        return summarize(copy_effects(text, node)) or None
    return summarize(effects(tree.root_node))


def build_finding(
    compiled: CompiledRule, node: ts.Node, env: Env, path: str, language: str, context: FileContext
) -> Finding:
    rule = compiled.rule
    unifier, source = context.unifier, context.source
    values = {name: _shown(binding, unifier) for name, binding in env.items()}
    message = MESSAGE_PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), rule.message or rule.id)
    return Finding(
        rule_id=rule.id,
        path=path,
        language=language,
        start=_position(source, node.start_byte, node.start_point[0]),
        end=_position(source, node.end_byte, node.end_point[0]),
        role=rule.role or "",
        kind=rule.kind or "",
        tech=rule.tech or "",
        severity=rule.severity,
        message=redact(message),
        entities=tuple(_entities(compiled, node, env, unifier, context.literals, context.settings)),
    )


def _entities(
    compiled: CompiledRule,
    node: ts.Node,
    env: Env,
    unifier: Unifier,
    literals: LiteralReader,
    settings: dict[str, str],
) -> list[Entity]:
    rule = compiled.rule
    found: list[Entity] = []
    for spec in rule.entities:
        access = spec.access or _DEFAULT_ACCESS.get(rule.role or "")
        binding: Binding | None = env.get(spec.metavar) if spec.metavar else _keyword_value(node, spec.keyword or "")
        for name in _literal_values(binding, unifier, literals, settings):
            entity = Entity(spec.type, redact(name), access)
            if entity not in found:
                found.append(entity)
    return found


def _literal_values(
    binding: Binding | None, unifier: Unifier, literals: LiteralReader, settings: dict[str, str]
) -> list[str]:
    """Names an entity can take: a literal's value (also through a name bound to one, such as
    `static final String TOPIC = "orders"`), or each value of a literal list."""
    if binding is None:
        return []
    nodes = binding if isinstance(binding, tuple) else (binding,)
    values: list[str] = []
    for node in nodes:
        named = unifier.adapter.entity_name(node)
        if named is not None:
            values.append(named)
            continue
        text = literals.text(node)
        if text is not None:
            values.append(resolve_placeholder(text, settings) or text)
        elif (setting := env_lookup(node)) is not None and setting in settings:
            values.append(settings[setting])
        elif node.named_child_count and all(literals.text(c) is not None for c in node.named_children):
            values.extend(literals.text(c) or "" for c in node.named_children)
    return [v for v in values if v]


def _keyword_value(node: ts.Node, keyword: str) -> ts.Node | None:
    """The value of `keyword=...` (Python), `keyword = ...` (Java annotations), `Keyword: ...` (Go, Rust)."""
    frontier = [node]
    for _ in range(4):
        following: list[ts.Node] = []
        for current in frontier:
            for child in current.named_children:
                named = child.named_children
                if len(named) >= 2 and (named[0].text or b"").decode() == keyword:
                    value = named[-1]
                    # Go wraps keys and values of composite literals in literal_element
                    if value.type == "literal_element" and value.named_child_count == 1:
                        value = value.named_children[0]
                    return value
                following.append(child)
        frontier = following
    return None


def _shown(binding: Binding, unifier: Unifier) -> str:
    """A literal's value as it is; code (a variable, a call) in backticks, so it reads as code."""
    if not isinstance(binding, tuple):
        named = unifier.adapter.entity_name(binding)
        if named is not None:
            return _short(named)
        if unifier.is_string(binding):
            return _short(unifier.value(binding))
    return f"`{_short(unifier.value(binding))}`"


_ENV_LOOKUP = re.compile(
    r"""(?:getenv|Getenv|LookupEnv|environ\.get|env::var|env!|var_os)\s*\(\s*["']([A-Za-z_][A-Za-z0-9_.]*)["']"""
    r"""|environ\s*\[\s*["']([A-Za-z_][A-Za-z0-9_.]*)["']\s*\]"""
)


def env_lookup(node: ts.Node) -> str | None:
    """The variable an expression reads from the environment (`os.environ["TOPIC"]`, ...)."""
    text = (node.text or b"")[:240].decode("utf-8", "replace")
    match = _ENV_LOOKUP.search(text)
    return (match.group(1) or match.group(2)) if match else None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _position(source: bytes, byte: int, row: int) -> Position:
    """1-based line and character (not byte) column."""
    line_start = source.rfind(b"\n", 0, byte) + 1
    return Position(row + 1, len(source[line_start:byte].decode("utf-8", "replace")) + 1)
