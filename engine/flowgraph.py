"""The data-flow map: datasets and the code that reads and writes them.

Nodes are datasets (an entity a finding names: a table, topic, file, bucket, route) and
code units (a function, or a file's top level, or an SQL model). A read is an edge
dataset → code, a write an edge code → dataset, each with the findings that prove it.
Findings in different files and languages meet where they name the same dataset, so a
Go producer and a Java consumer of topic `orders` are joined through one node.
"""

from __future__ import annotations

from collections import defaultdict

from attrs import frozen

from flowscan.datasets import DATASET_TYPES, dataset_id, normalize
from flowscan.catalog.model import Item, Relationship
from flowscan.findings import Entity, Finding, Link, Placement


@frozen
class Evidence:
    rule_id: str
    path: str
    line: int


@frozen
class Node:
    id: str
    type: str  # dataset | code
    name: str
    kind: str  # a dataset's kind (database, stream, file, ...); a code unit's (function, module, model)
    path: str | None = None
    line: int | None = None
    #: what the catalog knows of a dataset: its table, file or topic (columns, sizes, where it
    #: is declared), the schemas that describe it, the API operations served at a route
    catalog: tuple[Item, ...] = ()


@frozen
class Edge:
    source: str
    target: str
    access: str  # read | write
    evidence: tuple[Evidence, ...]


@frozen
class FlowGraph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    #: paths within functions, from a read or transform to what receives it
    links: tuple[Link, ...] = ()
    #: the catalog's edges between datasets (foreign keys, schemas of topics), not data movements
    relationships: tuple[Relationship, ...] = ()

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)


def build_graph(placements: tuple[Placement, ...], links: tuple[Link, ...] = ()) -> FlowGraph:
    nodes: dict[str, Node] = {}
    evidence: dict[tuple[str, str, str], list[Evidence]] = defaultdict(list)
    for placement in placements:
        finding, unit = placement.finding, placement.unit
        datasets = [e for e in finding.entities if e.type in DATASET_TYPES]
        if not datasets:
            continue
        code_id = f"code:{unit.path}#{unit.name}"
        nodes.setdefault(code_id, Node(code_id, "code", unit.name, unit.kind, unit.path, unit.line))
        for entity in datasets:
            access = _access(finding, entity)
            if access is None:
                continue
            data_id = dataset_id(entity)
            nodes.setdefault(data_id, Node(data_id, "dataset", normalize(entity), _dataset_kind(finding, entity)))
            edge = (data_id, code_id, "read") if access == "read" else (code_id, data_id, "write")
            proof = Evidence(finding.rule_id, finding.path, finding.start.line)
            if proof not in evidence[edge]:
                evidence[edge].append(proof)
    _models_write_themselves(nodes, evidence)
    edges = tuple(
        Edge(source, target, access, tuple(proofs)) for (source, target, access), proofs in sorted(evidence.items())
    )
    return FlowGraph(tuple(sorted(nodes.values(), key=lambda n: n.id)), edges, links)


def _models_write_themselves(nodes: dict[str, Node], evidence: dict[tuple[str, str, str], list[Evidence]]) -> None:
    """A SQL model that only selects (a dbt model) builds the relation named after its file."""
    writers = {source for (source, _, access) in evidence if access == "write"}
    for (source, target, access), proofs in list(evidence.items()):
        node = nodes[target] if access == "read" else None
        if node is None or node.kind != "model" or target in writers:
            continue
        data_id = f"table:{node.name.lower()}"
        nodes.setdefault(data_id, Node(data_id, "dataset", node.name.lower(), "database"))
        edge = (target, data_id, "write")
        if edge not in evidence:
            evidence[edge] = [Evidence(proofs[0].rule_id, node.path or proofs[0].path, 1)]


def _access(finding: Finding, entity: Entity) -> str | None:
    if entity.access in ("read", "write"):
        return entity.access
    if entity.access == "both":
        return "write" if finding.role == "sink" else "read"
    if finding.role in ("source", "endpoint"):
        return "read"  # an endpoint's requests flow into the code that serves them
    if finding.role == "sink":
        return "write"
    return None


def _dataset_kind(finding: Finding, entity: Entity) -> str:
    if entity.type == "url" and finding.role == "endpoint":
        return "api"
    return finding.kind
