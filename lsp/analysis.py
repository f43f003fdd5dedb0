"""One version of one document, analysed: what every feature of the server reads.

Built on the analysis thread from a `Snapshot` and the tree of the previous version
(edited with `Tree.edit`), by the engine's `analyze_file`, exactly as a scan would;
after that an `Analysis` is never changed, so handlers on the event loop read it freely.
"""

from __future__ import annotations

from pathlib import Path

import tree_sitter as ts
from attrs import field, frozen

from flowscan.compiler import RuleSet
from flowscan.findings import Finding, Link, Placement
from flowscan.lsp.documents import Snapshot
from flowscan.lsp.positions import LineIndex
from flowscan.lsp.regions import Previous, analyze_incrementally


@frozen
class Analysis:
    uri: str
    version: int
    language: str
    #: the path findings carry: relative to the workspace root when under it
    path: str
    source: bytes
    lines: LineIndex
    tree: ts.Tree | None
    findings: tuple[Finding, ...] = ()
    links: tuple[Link, ...] = ()
    placements: tuple[Placement, ...] = ()
    #: which rules produced this (bumped on every reload)
    generation: int = 0
    _by_finding: dict[Finding, Placement] = field(factory=dict, init=False, eq=False, repr=False)

    def placement(self, finding: Finding) -> Placement | None:
        if not self._by_finding and self.placements:
            self._by_finding.update((p.finding, p) for p in self.placements)
        return self._by_finding.get(finding)


def _reusable(analysis: Analysis | None, path: str, generation: int) -> Previous | None:
    """Results carry over only from the same rules and path (a tree carries over from any)."""
    if analysis is None or analysis.tree is None or analysis.path != path or analysis.generation != generation:
        return None
    return Previous(analysis.source, analysis.tree, analysis.findings, analysis.links, analysis.placements)


def display_path(path: Path | None, uri: str, root: Path | None) -> str:
    """The path findings show: relative to the workspace root when under it, `/`-separated."""
    if path is None:
        return uri
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def analyze_snapshot(
    snapshot: Snapshot,
    rules: RuleSet,
    previous: Analysis | None,
    root: Path | None,
    generation: int,
    last_good: Analysis | None = None,
) -> Analysis:
    """Findings, data paths and code units of a document. `previous` is the analysis of the
    last snapshot taken: `snapshot.edits` turn its tree into this one's starting point, and
    its results (or those of `last_good`, the last text without a syntax error at the top
    level) are kept for the definitions the edits left alone (flowscan.lsp.regions)."""
    old_tree = None
    if previous is not None and previous.tree is not None and snapshot.edits is not None:
        old_tree = previous.tree.copy()
        for edit in snapshot.edits:
            old_tree.edit(
                edit.start_byte,
                edit.old_end_byte,
                edit.new_end_byte,
                edit.start_point,
                edit.old_end_point,
                edit.new_end_point,
            )
    path = display_path(snapshot.path, snapshot.uri, root)
    result = analyze_incrementally(
        snapshot.source,
        path,
        snapshot.language,
        rules,
        old_tree,
        _reusable(previous, path, generation),
        last_good=_reusable(last_good, path, generation) if last_good is not previous else None,
    )
    return Analysis(
        snapshot.uri,
        snapshot.version,
        snapshot.language,
        path,
        snapshot.source,
        snapshot.lines,
        result.tree,
        tuple(result.findings),
        tuple(result.links),
        tuple(result.placements),
        generation,
    )
