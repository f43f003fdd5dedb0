"""Pipelines: the connected parts of the data-flow map, classified and explained.

Each pipeline is a set of code units joined through the datasets they read and write.
It is classified — ETL or ELT, batch or stream — and its safeguards are listed with the
lines that show them, and so are the reads and writes that have none. Every statement
this module makes carries its evidence (path and line), so reports never invent.
"""

from __future__ import annotations

import re
from collections import defaultdict

from attrs import frozen

from flowscan.findings import Finding, Placement, ScanResult
from flowscan.flowgraph import FlowGraph, Node
from flowscan.safeguards import GUARDS

_SQL_TRANSFORM = re.compile(r"^(joins|aggregates|windows|unions|union alls|intersects|excepts)( and .*)?$")


@frozen
class Reason:
    text: str
    path: str
    line: int


@frozen
class Pipeline:
    name: str
    code: tuple[Node, ...]
    inputs: tuple[Node, ...]  # datasets read, written by no code of this pipeline
    outputs: tuple[Node, ...]  # datasets written
    findings: tuple[Finding, ...]
    transforms: tuple[Finding, ...]
    style: str  # ETL | ELT | EL
    style_reasons: tuple[Reason, ...]
    mode: str  # batch | stream
    mode_reasons: tuple[Reason, ...]
    #: safeguard kind (error-handling, retry, validation, monitoring) → where it is
    present: dict[str, tuple[Reason, ...]]
    #: safeguard kind → the reads and writes that lack it
    missing: dict[str, tuple[Reason, ...]]


def find_pipelines(result: ScanResult, graph: FlowGraph) -> list[Pipeline]:
    components = _components(graph)
    by_unit: dict[str, list[Placement]] = defaultdict(list)
    for placement in result.placements:
        by_unit[f"code:{placement.unit.path}#{placement.unit.name}"].append(placement)
    fed = {link.target for link in result.links}
    kinds = {node.id: node.kind for node in graph.nodes}
    pipelines = [
        _pipeline(graph, ids, by_unit, fed)
        for ids in components
        # routes alone (a service's endpoints) move no data between stores
        if any(kinds[i] not in ("api", "function", "module", "model") for i in ids)
    ]
    return sorted(pipelines, key=lambda p: p.name)


def _components(graph: FlowGraph) -> list[set[str]]:
    parent: dict[str, str] = {node.id: node.id for node in graph.nodes}

    def root(item: str) -> str:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for edge in graph.edges:
        parent[root(edge.source)] = root(edge.target)
    groups: dict[str, set[str]] = defaultdict(set)
    for node in graph.nodes:
        groups[root(node.id)].add(node.id)
    return [group for group in groups.values() if len(group) > 1]


def _pipeline(graph: FlowGraph, ids: set[str], by_unit: dict[str, list[Placement]], fed: set[Finding]) -> Pipeline:
    nodes = [n for n in graph.nodes if n.id in ids]
    code = tuple(n for n in nodes if n.type == "code")
    edges = [e for e in graph.edges if e.source in ids]
    written = {e.target for e in edges if e.access == "write"}
    read = {e.source for e in edges if e.access == "read"}
    inputs = tuple(n for n in nodes if n.id in read and n.id not in written)
    outputs = tuple(n for n in nodes if n.id in written)
    placements = [p for unit in code for p in by_unit.get(unit.id, [])]
    findings = tuple(p.finding for p in placements if not p.finding.rule_id.startswith("pipeline."))
    transforms = tuple(f for f in findings if f.role == "transform")
    style, style_reasons = _style(transforms, outputs)
    mode, mode_reasons = _mode(graph, edges, findings)
    present, missing = _safeguards(placements, fed)
    return Pipeline(
        name=_name(outputs, code, edges),
        code=code,
        inputs=inputs,
        outputs=outputs,
        findings=findings,
        transforms=transforms,
        style=style,
        style_reasons=style_reasons,
        mode=mode,
        mode_reasons=mode_reasons,
        present=present,
        missing=missing,
    )


def _name(outputs: tuple[Node, ...], code: tuple[Node, ...], edges: list) -> str:
    """After its most connected output (the dataset the pipeline is about), else its code."""
    if outputs:
        degree = {n.id: sum(1 for e in edges if n.id in (e.source, e.target)) for n in outputs}
        return max(outputs, key=lambda n: (degree[n.id], n.kind == "database", n.name)).name
    return code[0].name if code else "pipeline"


def _reason(text: str, finding: Finding) -> Reason:
    return Reason(text, finding.path, finding.start.line)


def _style(transforms: tuple[Finding, ...], outputs: tuple[Node, ...]) -> tuple[str, tuple[Reason, ...]]:
    in_warehouse = [f for f in transforms if f.language == "sql" or _SQL_TRANSFORM.match(f.message)]
    in_code = [f for f in transforms if f not in in_warehouse]
    if in_code:
        reasons = tuple(_reason(f"transforms in {f.language} before loading: {f.message}", f) for f in in_code)
        return "ETL", reasons
    if in_warehouse:
        reasons = tuple(_reason(f"transforms in the warehouse (SQL): {f.message}", f) for f in in_warehouse)
        return "ELT", reasons
    return "EL", ()


def _mode(graph: FlowGraph, edges: list, findings: tuple[Finding, ...]) -> tuple[str, tuple[Reason, ...]]:
    kinds = {n.id: n.kind for n in graph.nodes}
    consumers = [
        Reason(f"consumes {e.source.split(':', 1)[1]} continuously", ev.path, ev.line)
        for e in edges
        if e.access == "read" and kinds.get(e.source) == "stream"
        for ev in e.evidence[:1]
    ]
    if consumers:
        return "stream", tuple(consumers)
    scheduled = [_reason(f"orchestrated: {f.message}", f) for f in findings if f.role == "pipeline"]
    reads = [_reason(f"reads {f.kind}: {f.message}", f) for f in findings if f.role == "source"][:3]
    return "batch", tuple(scheduled or reads)


def _safeguards(
    placements: list[Placement], fed: set[Finding]
) -> tuple[dict[str, tuple[Reason, ...]], dict[str, tuple[Reason, ...]]]:
    present: dict[str, list[Reason]] = defaultdict(list)
    missing: dict[str, list[Reason]] = defaultdict(list)
    for placement in placements:
        finding = placement.finding
        if finding.role not in ("source", "sink") or finding.rule_id.startswith("pipeline."):
            continue
        if finding.language == "sql":
            continue  # a SQL file's error handling and retries are its runner's
        kinds = {guard.kind for guard in placement.guards}
        for guard in placement.guards:
            reason = Reason(guard.code, finding.path, guard.line)
            if reason not in present[guard.kind]:
                present[guard.kind].append(reason)
        io = _reason(f"{finding.role} {finding.message}", finding)
        if not kinds & {"error-handling", "retry"}:
            missing["error-handling"].append(io)
        if finding.role == "sink" and finding in fed and "validation" not in kinds:
            missing["validation"].append(io)
        if "monitoring" not in kinds and finding.role == "sink":
            missing["monitoring"].append(io)
    return (
        {kind: tuple(present[kind]) for kind in GUARDS if present.get(kind)},
        {kind: tuple(missing[kind]) for kind in GUARDS if missing.get(kind)},
    )
