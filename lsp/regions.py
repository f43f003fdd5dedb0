"""Re-analysing only the top-level definitions an edit touched, in a large file.

The engine analyses a whole file, which is right for a scan and too slow to run on
every keystroke in a module of thousands of lines. A change inside one function leaves
the findings of every other function as they were, only moved by the lines added or
removed above them. So, when nothing outside the file's definitions changed (imports,
module constants and statements have the same text, in the same order):

- a definition whose text is unchanged keeps its findings, links and placements, moved;
- the others are analysed by the engine, in the file as it now is with the unchanged
  definitions blanked out (spaces, newlines kept): positions, imports and module-level
  names are all where the engine expects them.

Anything else is analysed whole: another language, a small file, a change outside the
definitions, a definition that shares a line with another, a finding that spanned more
than one top-level item, or a suppression comment at the top level. tests/lsp/test_regions.py
checks the result against a whole-file analysis on random edits of real files.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

import attrs
import tree_sitter as ts
from attrs import frozen

from flowscan.analyze import FileAnalysis, analyze_file
from flowscan.compiler import RuleSet
from flowscan.findings import Finding, Link, Placement, Position
from flowscan.languages import adapter as get_adapter

#: top-level nodes whose findings depend only on their own text and the module's statements
DEFINITIONS: dict[str, frozenset[str]] = {
    "python": frozenset({"function_definition", "class_definition", "decorated_definition"}),
    "go": frozenset({"function_declaration", "method_declaration"}),
    "rust": frozenset({"function_item", "impl_item"}),
}
_COMMENTS = frozenset({"comment", "line_comment", "block_comment"})
#: below this many bytes the whole file is analysed: that is fast enough, and exact
MIN_BYTES = 4_000


@frozen
class Item:
    """One child of the root node: a definition, a statement, or a comment."""

    kind: str
    text: bytes
    start_byte: int
    end_byte: int
    start_row: int
    end_row: int
    definition: bool


def items(tree: ts.Tree, source: bytes, language: str) -> list[Item]:
    kinds = DEFINITIONS.get(language, frozenset())
    return [
        Item(
            child.type,
            source[child.start_byte : child.end_byte],
            child.start_byte,
            child.end_byte,
            child.start_point[0],
            child.end_point[0],
            child.type in kinds,
        )
        for child in tree.root_node.children
    ]


@frozen
class Previous:
    """What the last analysis of the document left: its text, its tree and its results."""

    source: bytes
    tree: ts.Tree
    findings: tuple[Finding, ...]
    links: tuple[Link, ...]
    placements: tuple[Placement, ...]


@frozen
class Plan:
    #: (old item, new item) pairs of unchanged definitions
    kept: tuple[tuple[Item, Item], ...]


def plan(previous: Previous, tree: ts.Tree, source: bytes, language: str, min_bytes: int = MIN_BYTES) -> Plan | None:
    """Which definitions keep their findings; None when the whole file must be analysed."""
    if language not in DEFINITIONS or len(source) < min_bytes:
        return None
    old, new = items(previous.tree, previous.source, language), items(tree, source, language)
    if _outside(old) != _outside(new) or not _own_lines(new, source):
        return None
    if any(b"flowscan:" in item.text for item in new if item.kind in _COMMENTS):
        return None
    if not _findings_within_items(previous.findings, old):
        return None
    available: dict[bytes, list[Item]] = {}
    for item in old:
        if item.definition:
            available.setdefault(item.text, []).append(item)
    kept = []
    for item in new:
        if item.definition and available.get(item.text):
            kept.append((available[item.text].pop(0), item))
    changed = sum(item.end_byte - item.start_byte for item in new if item.definition) - sum(
        n.end_byte - n.start_byte for _, n in kept
    )
    if not kept or changed * 2 > len(source):
        return None
    return Plan(tuple(kept))


def _outside(items_: Sequence[Item]) -> list[bytes]:
    """The text of what is neither a definition nor a comment, in order."""
    return [item.text for item in items_ if not item.definition and item.kind not in _COMMENTS]


def _own_lines(items_: Sequence[Item], source: bytes) -> bool:
    """Every definition alone on its lines, so blanking one leaves the others' columns as they are."""
    for item in items_:
        if not item.definition:
            continue
        line_start = source.rfind(b"\n", 0, item.start_byte) + 1
        line_end = source.find(b"\n", item.end_byte)
        after = source[item.end_byte : line_end if line_end >= 0 else len(source)]
        if source[line_start : item.start_byte].strip() or after.strip():
            return False
    return True


def _findings_within_items(findings: Sequence[Finding], items_: Sequence[Item]) -> bool:
    spans = _Spans([(item.start_row, item.end_row, 0) for item in items_])
    return all(spans.delta(f.start.line - 1, f.end.line - 1) is not None for f in findings)


class _Spans:
    """Row ranges (in order, not overlapping), each with a line delta: which one holds a row range."""

    def __init__(self, spans: Sequence[tuple[int, int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [start for start, _, _ in self.spans]

    def delta(self, first: int, last: int) -> int | None:
        index = bisect.bisect_right(self.starts, first) - 1
        if index < 0:
            return None
        start, end, delta = self.spans[index]
        return delta if start <= first and last <= end else None


# every byte but the newline becomes a space
_BLANK = bytes(0x0A if b == 0x0A else 0x20 for b in range(256))


def blank(source: bytes, ranges: Sequence[tuple[int, int]]) -> bytes:
    """`source` with each byte range turned into spaces, newlines kept."""
    parts = []
    at = 0
    for start, end in sorted(ranges):
        parts += [source[at:start], source[start:end].translate(_BLANK)]
        at = end
    parts.append(source[at:])
    return b"".join(parts)


def analyze_changed(
    source: bytes,
    path: str,
    language: str,
    rules: RuleSet,
    tree: ts.Tree,
    previous: Previous,
    plan_: Plan,
) -> FileAnalysis:
    """The engine's analysis of the changed definitions, with the kept ones' results moved."""
    blanked = blank(source, [(new.start_byte, new.end_byte) for _, new in plan_.kept])
    fresh = analyze_file(blanked, path, language, rules, link=True)
    moves = _Spans([(old.start_row, old.end_row, new.start_row - old.start_row) for old, new in plan_.kept])
    # keyed by identity: the engine's links and placements hold the very Finding objects of its
    # findings, and hashing a thousand frozen findings costs more than the rest of this
    moved: dict[int, Finding] = {}
    for finding in previous.findings:
        delta = moves.delta(finding.start.line - 1, finding.end.line - 1)
        if delta is not None:
            moved[id(finding)] = _moved_finding(finding, delta) if delta else finding
    findings = list(fresh.findings) + list(moved.values())
    # the engine's order, (start, rule id), with plain tuples: comparing attrs Positions is slow
    findings.sort(key=lambda f: (f.start.line, f.start.column, f.rule_id))
    links = list(fresh.links) + [
        _moved_link(link, moved[id(link.source)], moved[id(link.target)])
        for link in previous.links
        if id(link.source) in moved and id(link.target) in moved
    ]
    placements = list(fresh.placements) + [
        _moved_placement(placement, moved[id(placement.finding)])
        for placement in previous.placements
        if id(placement.finding) in moved
    ]
    order = {id(finding): index for index, finding in enumerate(findings)}
    placements.sort(key=lambda p: order.get(id(p.finding), len(order)))
    return FileAnalysis(findings, links, placements, tree)


def _moved_finding(finding: Finding, delta: int) -> Finding:
    return attrs.evolve(
        finding,
        start=Position(finding.start.line + delta, finding.start.column),
        end=Position(finding.end.line + delta, finding.end.column),
    )


def _moved_link(link: Link, source: Finding, target: Finding) -> Link:
    delta = source.start.line - link.source.start.line
    if not delta:
        return link if source is link.source and target is link.target else attrs.evolve(link, source=source, target=target)
    steps = tuple(attrs.evolve(step, line=step.line + delta) for step in link.steps)
    return attrs.evolve(link, source=source, target=target, steps=steps)


def _moved_placement(placement: Placement, finding: Finding) -> Placement:
    delta = finding.start.line - placement.finding.start.line
    if not delta:
        return placement if finding is placement.finding else attrs.evolve(placement, finding=finding)
    return attrs.evolve(
        placement,
        finding=finding,
        unit=attrs.evolve(placement.unit, line=placement.unit.line + delta)
        if placement.unit.kind == "function"
        else placement.unit,
        guards=tuple(attrs.evolve(guard, line=guard.line + delta) for guard in placement.guards),
    )


def analyze_incrementally(
    source: bytes,
    path: str,
    language: str,
    rules: RuleSet,
    old_tree: ts.Tree | None,
    previous: Previous | None,
    min_bytes: int = MIN_BYTES,
    on_plan: Callable[[Plan | None], None] | None = None,
    last_good: Previous | None = None,
) -> FileAnalysis:
    """What the engine's analyze_file(link=True) finds, re-analysing only what changed when it can.

    `old_tree` is the previous text's tree, edited; `previous` that text's results. A
    syntax error can reshape a whole module (an unclosed bracket swallows what follows),
    so once it is fixed the text is compared with `last_good`, the last results of a text
    whose top level parsed cleanly, rather than with the broken one.
    """
    if old_tree is not None and rules.plans.get(language) is not None and (previous or last_good):
        tree = get_adapter(language).parse(source, old_tree)
        chosen, base = None, None
        for candidate in (previous, last_good):
            if candidate is not None and chosen is None:
                chosen, base = plan(candidate, tree, source, language, min_bytes), candidate
        if on_plan is not None:
            on_plan(chosen)
        if chosen is not None and base is not None:
            return analyze_changed(source, path, language, rules, tree, base, chosen)
        # the tree is already this text's: analyze_file's parse with it has nothing to redo
        return analyze_file(source, path, language, rules, tree, link=True)
    return analyze_file(source, path, language, rules, old_tree, link=True)


def parsed_cleanly(tree: ts.Tree | None) -> bool:
    """Whether no error node stands at the top level (errors inside a definition are its own)."""
    return tree is not None and not any(child.type == "ERROR" or child.is_missing for child in tree.root_node.children)
