"""The catalog joins the data-flow map: dataset nodes learn their columns, sizes and declarations.

A table a migration defines, one service writes and another reads is one node: the map
found it through the services' code, the catalog through the migration, and both spell
it `table:orders`. Datasets the catalog declares but no code touches are added too (a
reader of the map wants the whole schema). API operations join the route nodes of the
endpoints that serve them and of the clients that call them (`/orders/<id>` in Flask,
`/orders/{orderId}` in the spec, `https://api.shop.example/v1/orders/42` in a client).
Schemas join the topics and files they describe. The catalog's relationships between
datasets (foreign keys) come along as relationships, kept apart from the read/write
edges that make pipelines.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlsplit

from attrs import evolve

from flowscan.catalog.model import ITEM_TYPES, Catalog, Item
from flowscan.flowgraph import FlowGraph, Node

#: the dataset kind of a catalog item without code evidence, by entity type
_KINDS = {"table": "database", "file": "file", "topic": "stream", "url": "api"}
# `{orderId}` (OpenAPI, Spring), `<int:id>` (Flask), `<id>`, `:id` (Express, Gin), `{id:[0-9]+}` (gorilla)
_ROUTE_PARAMETER = re.compile(r"\{[^}]*\}|<[^>]*>|(?<=/):[A-Za-z_]\w*")


def join_catalog(graph: FlowGraph, catalog: Catalog) -> FlowGraph:
    if not catalog.items:
        return graph
    attached: dict[str, list[Item]] = defaultdict(list)
    by_id = {node.id: node for node in graph.nodes}
    for item in catalog.items:
        if ITEM_TYPES.get(item.type) is None:
            continue
        attached[item.id].append(item)
        if item.id not in by_id:
            origin = item.origins[0]
            kind = _KINDS.get(ITEM_TYPES[item.type] or "", "database")
            by_id[item.id] = Node(item.id, "dataset", item.name, kind, origin.path, origin.line)
    _attach_operations(catalog, by_id, attached)
    _attach_schemas(catalog, set(by_id), attached)
    nodes = tuple(evolve(node, catalog=node.catalog + tuple(attached[node.id])) if attached.get(node.id) else node
                  for node in by_id.values())
    known = set(by_id)
    relationships = tuple(r for r in catalog.relationships if r.source in known and r.target in known)
    return evolve(graph, nodes=nodes, relationships=graph.relationships + relationships)


def route_key(path: str) -> str:
    """`/orders/<int:id>/` and `/orders/{orderId}` are both `/orders/{}`."""
    path = _ROUTE_PARAMETER.sub("{}", path.split("?", 1)[0]).rstrip("/")
    return path or "/"


def _attach_operations(catalog: Catalog, nodes: dict[str, Node], attached: dict[str, list[Item]]) -> None:
    """Each operation to the route nodes that serve or call it: same route, or a URL ending in it."""
    operations: dict[str, list[Item]] = defaultdict(list)
    for item in catalog.items:
        if item.type == "operation" and item.fact("path"):
            operations[route_key((item.fact("base_path") or "") + item.fact("path"))].append(item)
            operations[route_key(item.fact("path"))].append(item)
    if not operations:
        return
    for node in nodes.values():
        if not node.id.startswith("url:"):
            continue
        path = urlsplit(node.name).path if "://" in node.name else node.name
        key = route_key(path)
        # a client's concrete URL (`/v1/orders/42`) meets the spec's `/v1/orders/{id}`
        found = operations.get(key) or next((ops for route, ops in operations.items() if _concrete(key, route)), [])
        for operation in found:
            if operation not in attached[node.id]:
                attached[node.id].append(operation)


def _concrete(path: str, route: str) -> bool:
    if "{}" not in route:
        return False
    pattern = "^" + re.escape(route).replace(r"\{\}", "[^/]+") + "$"
    return re.match(pattern, path) is not None


def _attach_schemas(catalog: Catalog, node_ids: set[str], attached: dict[str, list[Item]]) -> None:
    """A schema the catalog says describes a topic or file (`schema_of`) travels with that dataset."""
    items = {item.id: item for item in catalog.items}
    for relationship in catalog.relationships:
        if relationship.kind != "schema_of" or relationship.target not in node_ids:
            continue
        schema = items.get(relationship.source)
        if schema is not None and schema not in attached[relationship.target]:
            attached[relationship.target].append(schema)
