"""The catalog joins the data-flow map: dataset nodes learn their columns, sizes and declarations.

A table a migration defines, one service writes and another reads is one node: the map
found it through the services' code, the catalog through the migration, and both spell
it `table:orders`. Datasets the catalog declares but no code touches are added too (a
reader of the map wants the whole schema), and the catalog's relationships between
datasets (foreign keys, a schema describing a topic) come along as relationships, kept
apart from the read/write edges that make pipelines.
"""

from __future__ import annotations

from attrs import evolve

from flowscan.catalog.model import ITEM_TYPES, Catalog
from flowscan.flowgraph import FlowGraph, Node

#: the dataset kind of a catalog item without code evidence, by entity type
_KINDS = {"table": "database", "file": "file", "topic": "stream", "url": "api"}


def join_catalog(graph: FlowGraph, catalog: Catalog) -> FlowGraph:
    if not catalog.items:
        return graph
    by_id = {node.id: node for node in graph.nodes}
    datasets = [item for item in catalog.items if ITEM_TYPES.get(item.type) is not None]
    for item in datasets:
        node = by_id.get(item.id)
        if node is not None:
            by_id[item.id] = evolve(node, catalog=item)
        else:
            origin = item.origins[0]
            kind = _KINDS.get(ITEM_TYPES[item.type] or "", "database")
            by_id[item.id] = Node(item.id, "dataset", item.name, kind, origin.path, origin.line, catalog=item)
    known = set(by_id)
    relationships = tuple(r for r in catalog.relationships if r.source in known and r.target in known)
    return evolve(graph, nodes=tuple(by_id.values()), relationships=graph.relationships + relationships)
