"""Hover on a finding: what it is (role, kind, tech, entities) and where its data goes.

In a `.fsr` file the hover documents the rule language instead (flowscan.lsp.fsr).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

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
    others = flow.elsewhere(finding, ls.index.outcomes)
    if others:
        lines += ["", "**Elsewhere in the workspace**"]
        for other in others:
            where = f"`{other.unit.name}` in " if other.unit is not None else ""
            verb = "reads" if other.finding.role in ("source", "endpoint") else "writes" if other.finding.role == "sink" else "uses"
            lines.append(f"- {where}{other.finding.path}:{other.finding.start.line} {verb} `{_cell(other.dataset)}`")
    return "\n".join(lines)


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
