"""Findings as lsprotocol types: the one place severities, links and `data` are decided.

A diagnostic carries the rule id as `code`, a link to the rule (its place in its `.fsr`
file, where its `doc` says what it finds and why) as `codeDescription`, the severity
mapped, and in `data` what the finding is (rule, role, kind, tech, entities, and the
fix templates its rule names), so that clients and code actions never scan again.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from flowscan.findings import Finding
from flowscan.grammar.model import SEVERITIES
from flowscan.lsp.positions import LineIndex

if TYPE_CHECKING:
    from flowscan.lsp.server import FlowscanServer

SOURCE = "flowscan"
SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def to_diagnostic(ls: FlowscanServer, data: dict[str, Any]) -> types.Diagnostic:
    return ls.protocol._converter.structure(data, types.Diagnostic)


def shown(ls: FlowscanServer, findings: Iterable[Finding]) -> list[Finding]:
    """The findings at or above the minimum severity the client asked for."""
    floor = SEVERITIES.index(ls.settings.minimum_severity)
    return [f for f in findings if _rank(f.severity) >= floor]


def diagnostics_json(ls: FlowscanServer, findings: Iterable[Finding], lines: LineIndex) -> list[dict[str, Any]]:
    """The diagnostics of the findings shown, as the protocol's JSON."""
    return [diagnostic_json(ls, f, lines) for f in shown(ls, findings)]


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def diagnostic_json(ls: FlowscanServer, finding: Finding, lines: LineIndex) -> dict[str, Any]:
    """One diagnostic, built as the JSON it is sent as (documents with hundreds of findings are
    published on every change: building lsprotocol objects and unstructuring them costs more
    than the analysis of a small file)."""
    rule = ls.rules.rule(finding.rule_id) if ls.rules is not None else None
    start = lines.from_finding(finding.start)
    end = lines.from_finding(finding.end)
    data: dict[str, Any] = {
        "range": {
            "start": {"line": start.line, "character": start.character},
            "end": {"line": end.line, "character": end.character},
        },
        "severity": SEVERITY.get(finding.severity, types.DiagnosticSeverity.Information).value,
        "code": finding.rule_id,
        "source": SOURCE,
        "message": finding.message,
        "data": finding_data(finding, rule.fixes if rule is not None else ()),
    }
    link = rule_link(rule.path, rule.span.line) if rule is not None else None
    if link:
        data["codeDescription"] = {"href": link}
    return data


class DiagnosticCache:
    """The serialized diagnostic of each finding of one document's last publication.

    An edit leaves most findings as they were, and the partial re-analysis of a large file
    (flowscan.lsp.regions) hands back the very same Finding objects for them: those are
    looked up by identity (a frozen finding's hash costs more than the lookup saves), kept
    alive here so that an id is never another object's. A finding on a line of ASCII text
    has the same diagnostic whatever changed elsewhere; other lines are converted again.
    """

    def __init__(self) -> None:
        self._last: dict[int, tuple[Finding, str]] = {}
        self._generation = -1

    def serialized(self, ls: FlowscanServer, findings: list[Finding], lines: LineIndex) -> list[str]:
        generation = ls.rules.generation if ls.rules is not None else -1
        last = self._last if generation == self._generation else {}
        current: dict[int, tuple[Finding, str]] = {}
        out = []
        for finding in findings:
            entry = last.get(id(finding))
            if entry is not None and entry[0] is finding and _ascii_lines(lines, finding):
                text = entry[1]
            else:
                text = json.dumps(diagnostic_json(ls, finding, lines))
            current[id(finding)] = (finding, text)
            out.append(text)
        self._last, self._generation = current, generation
        return out


def _ascii_lines(lines: LineIndex, finding: Finding) -> bool:
    return lines.is_ascii(finding.start.line - 1) and lines.is_ascii(finding.end.line - 1)


@functools.lru_cache(maxsize=4096)
def rule_link(path: str, line: int) -> str | None:
    """A `file:` URI to the rule in its `.fsr` file, at its line (`#L12`, as editors read it)."""
    uri = from_fs_path(str(Path(path).resolve()))
    return f"{uri}#L{line}" if uri else None


def finding_data(finding: Finding, fixes: Iterable[str] = ()) -> dict[str, Any]:
    return {
        "rule": finding.rule_id,
        "role": finding.role,
        "kind": finding.kind,
        "tech": finding.tech,
        "entities": [
            {"type": entity.type, "name": entity.name, "access": entity.access} for entity in finding.entities
        ],
        "fixes": list(fixes),
    }
