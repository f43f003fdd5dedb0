"""The data-flow map as JSON (a documented contract), Mermaid and Graphviz DOT."""

from __future__ import annotations

from typing import Any

import orjson

from flowscan.flowgraph import FlowGraph, Node

MAP_VERSION = 1


def to_map_document(graph: FlowGraph) -> dict[str, Any]:
    """`{"version": 1, "nodes": [...], "edges": [...]}`: see docs/map-output.md."""
    return {
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


def _node(node: Node) -> dict[str, Any]:
    data: dict[str, Any] = {"id": node.id, "type": node.type, "name": node.name, "kind": node.kind}
    if node.type == "code":
        data["path"] = node.path
        data["line"] = node.line
    return data


def render_map_json(graph: FlowGraph) -> str:
    return orjson.dumps(to_map_document(graph), option=orjson.OPT_INDENT_2).decode() + "\n"


def render_mermaid(graph: FlowGraph) -> str:
    """A left-to-right flowchart: datasets as cylinders, code as boxes."""
    ids = {node.id: f"n{index}" for index, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node in graph.nodes:
        label = _mermaid_text(node.name if node.type == "dataset" else f"{node.name}<br/><small>{_file(node)}</small>")
        shape = f'[("{label}")]' if node.type == "dataset" else f'["{label}"]'
        lines.append(f"    {ids[node.id]}{shape}")
    for edge in graph.edges:
        lines.append(f"    {ids[edge.source]} -->|{edge.access}| {ids[edge.target]}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def render_dot(graph: FlowGraph) -> str:
    lines = ["digraph flowscan {", "    rankdir=LR;", '    node [fontname="Helvetica"];']
    for node in graph.nodes:
        shape = "cylinder" if node.type == "dataset" else "box"
        label = node.name if node.type == "dataset" else f"{node.name}\\n{node.path}"
        lines.append(f'    "{_dot(node.id)}" [shape={shape}, label="{_dot(label)}"];')
    for edge in graph.edges:
        lines.append(f'    "{_dot(edge.source)}" -> "{_dot(edge.target)}" [label="{edge.access}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n")


MAP_FORMATS = {"json": render_map_json, "mermaid": render_mermaid, "dot": render_dot}


def _file(node: Node) -> str:
    return (node.path or "").rsplit("/", 1)[-1]
