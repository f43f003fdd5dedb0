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

`CatalogIndex` answers "what does the catalog know of this dataset" for the map and for
the language server's hovers alike.
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


class CatalogIndex:
    """The catalog's items by the map's dataset ids, operations by route, schemas by what they describe."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.datasets: dict[str, list[Item]] = defaultdict(list)
        self.operations: dict[str, list[Item]] = defaultdict(list)
        self.schemas: dict[str, list[Item]] = defaultdict(list)
        items = {item.id: item for item in catalog.items}
        for item in catalog.items:
            if ITEM_TYPES.get(item.type) is not None:
                self.datasets[item.id].append(item)
            elif item.type == "operation" and item.fact("path"):
                path = item.fact("path") or ""
                for key in dict.fromkeys((route_key((item.fact("base_path") or "") + path), route_key(path))):
                    self.operations[key].append(item)
        for relationship in catalog.relationships:
            schema = items.get(relationship.source)
            if relationship.kind == "schema_of" and schema is not None:
                self.schemas[relationship.target].append(schema)

    def items_for(self, dataset_id: str, name: str) -> list[Item]:
        """What the catalog says of the dataset `dataset_id` (named `name` in code)."""
        found = list(self.datasets.get(dataset_id, ()))
        if dataset_id.startswith("url:"):
            found += self._operations_at(name)
        found += [schema for schema in self.schemas.get(dataset_id, ()) if schema not in found]
        return list(dict.fromkeys(found))

    def _operations_at(self, name: str) -> list[Item]:
        if not self.operations:
            return []
        key = route_key(urlsplit(name).path if "://" in name else name)
        if key in self.operations:
            return self.operations[key]
        # a client's concrete URL (`/v1/orders/42`) meets the spec's `/v1/orders/{id}`
        return next((ops for route, ops in self.operations.items() if _concrete(key, route)), [])


def join_catalog(graph: FlowGraph, catalog: Catalog) -> FlowGraph:
    if not catalog.items:
        return graph
    index = CatalogIndex(catalog)
    by_id = {node.id: node for node in graph.nodes}
    for item_id, items in index.datasets.items():
        if item_id not in by_id:
            item = items[0]
            origin = item.origins[0]
            kind = _KINDS.get(ITEM_TYPES[item.type] or "", "database")
            by_id[item_id] = Node(item_id, "dataset", item.name, kind, origin.path, origin.line)
    nodes = []
    for node in by_id.values():
        found = [item for item in index.items_for(node.id, node.name) if item not in node.catalog] if node.type == "dataset" else []
        nodes.append(evolve(node, catalog=node.catalog + tuple(found)) if found else node)
    known = set(by_id)
    relationships = tuple(r for r in catalog.relationships if r.source in known and r.target in known)
    return evolve(graph, nodes=tuple(nodes), relationships=graph.relationships + relationships)


def route_key(path: str) -> str:
    """`/orders/<int:id>/` and `/orders/{orderId}` are both `/orders/{}`."""
    path = _ROUTE_PARAMETER.sub("{}", path.split("?", 1)[0]).rstrip("/")
    return path or "/"


def _concrete(path: str, route: str) -> bool:
    if "{}" not in route:
        return False
    pattern = "^" + re.escape(route).replace(r"\{\}", "[^/]+") + "$"
    return re.match(pattern, path) is not None
