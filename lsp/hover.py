"""Hover on a finding: what it is (role, kind, tech, entities) and where its data goes.

In a `.fsr` file the hover documents the rule language instead (flowscan.lsp.fsr).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from flowscan.catalog.join import CatalogIndex
from flowscan.datasets import DATASET_TYPES, dataset_id
from flowscan.findings import Finding, Link
from flowscan.lsp import flow, fsr
from flowscan.lsp.analysis import Analysis
from flowscan.lsp.documents import FSR
from flowscan.lsp.positions import contains

if TYPE_CHECKING:
    from flowscan.lsp.server import FlowscanServer


def register(server: FlowscanServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: FlowscanServer, params: types.HoverParams) -> types.Hover | None:
        document = ls.documents.get(params.text_document.uri)
        if document is not None and document.language == FSR:
            return fsr.hover(document.source, params.position, document.lines)
        analysis = await ls.analysis(params.text_document.uri)
        if analysis is None:
            return None
        hits = [
            (finding, analysis.lines.finding_range(finding.start, finding.end)) for finding in analysis.findings
        ]
        hits = [(finding, span) for finding, span in hits if contains(span, params.position)]
        if not hits:
            return None
        # the innermost finding first: the one the cursor is most precisely on
        hits.sort(key=lambda hit: (hit[1].start.line, hit[1].start.character), reverse=True)
        text = "\n\n---\n\n".join(describe(ls, analysis, finding) for finding, _ in hits)
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text), hits[0][1])


def describe(ls: FlowscanServer, analysis: Analysis, finding: Finding) -> str:
    head = " · ".join(part for part in (finding.role, finding.kind, finding.tech) if part)
    lines = [f"**flowscan** `{finding.rule_id}` — {head}", "", _escape(finding.message)]
    if finding.entities:
        lines += ["", "| entity | name | access |", "| --- | --- | --- |"]
        lines += [f"| {e.type} | `{_cell(e.name)}` | {e.access or ''} |" for e in finding.entities]
    placement = analysis.placement(finding)
    if placement is not None:
        lines += ["", f"In {placement.unit.kind} `{placement.unit.name}`."]
        if placement.guards:
            lines += ["Safeguards: " + ", ".join(f"{g.kind} (line {g.line})" for g in placement.guards) + "."]
    around = flow.neighbours(analysis, finding)
    if around.came_from:
        lines += ["", "**Data comes from**", *(_link_line(link, link.source) for link in around.came_from)]
    if around.goes_to:
        lines += ["", "**Data goes to**", *(_link_line(link, link.target) for link in around.goes_to)]
    if ls.index.catalog is not None:
        lines += _catalog_lines(ls.index.catalog, finding)
    others = flow.elsewhere(finding, ls.index.outcomes)
    if others:
        lines += ["", "**Elsewhere in the workspace**"]
        for other in others:
            where = f"`{other.unit.name}` in " if other.unit is not None else ""
            verb = "reads" if other.finding.role in ("source", "endpoint") else "writes" if other.finding.role == "sink" else "uses"
            lines.append(f"- {where}{other.finding.path}:{other.finding.start.line} {verb} `{_cell(other.dataset)}`")
    return "\n".join(lines)


def _catalog_lines(catalog: CatalogIndex, finding: Finding, shown_fields: int = 12) -> list[str]:
    """What the catalog says of the finding's datasets: where each is declared and its columns."""
    lines: list[str] = []
    for entity in finding.entities:
        if entity.type not in DATASET_TYPES:
            continue
        for item in catalog.items_for(dataset_id(entity), entity.name):
            where = ", ".join(f"{o.path}:{o.line} ({o.source})" for o in item.origins[:3])
            lines += ["", f"**{_KIND_TITLES.get(item.type, item.type)}** `{_cell(item.name)}` — {where}"]
            facts = [f"{k.replace('_', ' ')} {v}" for k, v in item.facts if k in _HOVER_FACTS]
            if facts:
                lines.append(", ".join(facts))
            for field in item.fields[:shown_fields]:
                detail = " ".join(part for part in (
                    field.type or "", "not null" if field.nullable is False else "", "PK" if field.primary_key else "",
                    f"→ {field.references}" if field.references else "") if part)
                lines.append(f"- `{_cell(field.name)}` {_cell(detail)}".rstrip())
            if len(item.fields) > shown_fields:
                lines.append(f"- and {len(item.fields) - shown_fields} more")
    return lines


_KIND_TITLES = {"table": "Table", "view": "View", "file": "Data file", "dataset": "Dataset", "topic": "Topic",
                "operation": "API operation", "schema": "Schema"}
_HOVER_FACTS = ("size_bytes", "row_estimate", "num_rows", "partitions", "format", "method", "value_schema")


def _link_line(link: Link, other: Finding) -> str:
    # the steps run from the source's statement to the target's: the ones between say how
    between = [step for step in link.steps[1:-1]]
    via = " via " + " → ".join(f"line {s.line} `{_cell(s.code)}`" for s in between[:3]) if between else ""
    return f"- line {other.start.line}: {_escape(other.message)} (`{other.rule_id}`){via}"


def _escape(text: str) -> str:
    # messages quote code in backticks, which Markdown shows as code: only HTML is escaped
    return text.replace("<", "&lt;")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")
