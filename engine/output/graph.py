"""The data-flow map as JSON (a documented contract), Mermaid and Graphviz DOT."""

from __future__ import annotations

from typing import Any

import orjson

from flowscan.flowgraph import FlowGraph, Node

MAP_VERSION = 1


def to_map_document(graph: FlowGraph) -> dict[str, Any]:
    """`{"version": 1, "nodes": [...], "edges": [...], "relationships": [...]}`: see docs/map-output.md."""
    from flowscan.catalog.serialize import relationship_to_data  # cattrs loads only for JSON

    document = {
        "version": MAP_VERSION,
        "nodes": [_node(node) for node in graph.nodes],
        "edges": [
            {
                "source": edge.source,
                "target": edge.target,
                "access": edge.access,
                "evidence": [{"rule_id": e.rule_id, "path": e.path, "line": e.line} for e in edge.evidence],
            }
            for edge in graph.edges
        ],
    }
    if graph.relationships:
        document["relationships"] = [relationship_to_data(r) for r in graph.relationships]
    return document


def _node(node: Node) -> dict[str, Any]:
    data: dict[str, Any] = {"id": node.id, "type": node.type, "name": node.name, "kind": node.kind}
    if node.type == "code":
        data["path"] = node.path
        data["line"] = node.line
    if node.catalog:
        from flowscan.catalog.serialize import item_to_data

        data["catalog"] = [item_to_data(item) for item in node.catalog]
    return data


def render_map_json(graph: FlowGraph) -> str:
    return orjson.dumps(to_map_document(graph), option=orjson.OPT_INDENT_2).decode() + "\n"


def render_mermaid(graph: FlowGraph) -> str:
    """A left-to-right flowchart: datasets as cylinders, code as boxes."""
    ids = {node.id: f"n{index}" for index, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node in graph.nodes:
        detail = _schema_summary(node) if node.type == "dataset" else _file(node)
        label = _mermaid_text(f"{node.name}<br/><small>{detail}</small>" if detail else node.name)
        shape = f'[("{label}")]' if node.type == "dataset" else f'["{label}"]'
        lines.append(f"    {ids[node.id]}{shape}")
    for edge in graph.edges:
        lines.append(f"    {ids[edge.source]} -->|{edge.access}| {ids[edge.target]}")
    for relationship in graph.relationships:
        lines.append(f"    {ids[relationship.source]} -.->|{_relationship_label(relationship.kind)}| {ids[relationship.target]}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def render_dot(graph: FlowGraph) -> str:
    lines = ["digraph flowscan {", "    rankdir=LR;", '    node [fontname="Helvetica"];']
    for node in graph.nodes:
        shape = "cylinder" if node.type == "dataset" else "box"
        detail = _schema_summary(node) if node.type == "dataset" else node.path
        label = f"{node.name}\\n{detail}" if detail else node.name
        lines.append(f'    "{_dot(node.id)}" [shape={shape}, label="{_dot(label)}"];')
    for edge in graph.edges:
        lines.append(f'    "{_dot(edge.source)}" -> "{_dot(edge.target)}" [label="{edge.access}"];')
    for relationship in graph.relationships:
        label = _relationship_label(relationship.kind)
        lines.append(f'    "{_dot(relationship.source)}" -> "{_dot(relationship.target)}" [label="{label}", style=dashed];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n")


MAP_FORMATS = {"json": render_map_json, "mermaid": render_mermaid, "dot": render_dot}


def _schema_summary(node: Node) -> str:
    """`7 columns · 1.2 MB`: what the catalog adds to a dataset's label."""
    parts = []
    fields = max((len(item.fields) for item in node.catalog if item.type not in ("operation", "schema")), default=0)
    if fields:
        parts.append(f"{fields} columns" if node.id.startswith("table:") else f"{fields} fields")
    operations = [item for item in node.catalog if item.type == "operation"]
    if operations:
        parts.append(", ".join(sorted({item.fact("method") or item.name.split(" ", 1)[0] for item in operations})))
    size = next((item.fact("size_bytes") for item in node.catalog if item.fact("size_bytes")), None)
    if size is not None and size.isdigit():
        parts.append(_bytes(int(size)))
    return " · ".join(parts)


def _bytes(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return f"{size:.1f} TB"


def _relationship_label(kind: str) -> str:
    return {"foreign_key": "references", "orm_relation": "relates to", "schema_of": "describes"}.get(kind, kind)


def _file(node: Node) -> str:
    return (node.path or "").rsplit("/", 1)[-1]
