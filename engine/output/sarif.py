"""SARIF 2.1.0, for code-scanning UIs: rule metadata, results, and code flows for the
paths data takes within a function from where it is read to where it is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from flowscan import __version__
from flowscan.findings import Finding, Link, RuleInfo, ScanResult, Step
from flowscan.redact import redact

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}


def to_sarif(result: ScanResult) -> dict[str, Any]:
    rules = sorted(result.rules, key=lambda r: r.id)
    index = {rule.id: i for i, rule in enumerate(rules)}
    flows: dict[Finding, list[Link]] = {}
    for link in result.links:
        flows.setdefault(link.target, []).append(link)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "flowscan",
                "version": __version__,
                "informationUri": "https://flowscan.invalid/",
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
        "results": [_result(f, index, flows.get(f, [])) for f in sorted(result.findings, key=lambda f: f.sort_key)],
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {
                        "level": "warning",
                        "message": {"text": redact(error.message)},
                        "locations": [_location(error.path, max(error.line, 1), 1)],
                    }
                    for error in result.errors
                ],
            }
        ],
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(result: ScanResult, *, color: bool = False) -> str:
    return orjson.dumps(to_sarif(result), option=orjson.OPT_INDENT_2).decode() + "\n"


def _rule(rule: RuleInfo) -> dict[str, Any]:
    described = rule.doc or f"{rule.role} of kind {rule.kind} ({rule.tech})"
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.replace("-", ".").split(".")),
        "shortDescription": {"text": f"{rule.role}/{rule.kind} {rule.tech}".strip()},
        "fullDescription": {"text": described},
        "defaultConfiguration": {"level": _LEVELS.get(rule.severity, "note")},
        "properties": {
            "tags": list(dict.fromkeys(tag for tag in (rule.role, rule.kind, rule.tech, *rule.languages) if tag)),
            "role": rule.role,
            "kind": rule.kind,
            "tech": rule.tech,
        },
    }


def _result(finding: Finding, index: dict[str, int], links: list[Link]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": _LEVELS.get(finding.severity, "note"),
        "message": {"text": redact(finding.message)},
        "locations": [_location(finding.path, finding.start.line, finding.start.column, finding)],
        "properties": {
            "role": finding.role,
            "kind": finding.kind,
            "tech": finding.tech,
            "entities": [
                {"type": e.type, "name": redact(e.name), "access": e.access} for e in finding.entities
            ],
        },
    }
    if finding.rule_id in index:
        result["ruleIndex"] = index[finding.rule_id]
    if links:
        result["codeFlows"] = [_code_flow(link) for link in links]
    return result


def _code_flow(link: Link) -> dict[str, Any]:
    source = link.source
    return {
        "message": {"text": f"from {redact(source.message)} ({source.path}:{source.start.line})"},
        "threadFlows": [{"locations": [_flow_location(link.source.path, step) for step in link.steps]}],
    }


def _flow_location(path: str, step: Step) -> dict[str, Any]:
    location = _location(path, step.line, step.column)
    location["message"] = {"text": redact(step.code)}
    return {"location": location}


def _location(path: str, line: int, column: int, finding: Finding | None = None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": line, "startColumn": column}
    if finding is not None:
        region["endLine"] = finding.end.line
        region["endColumn"] = finding.end.column
    if Path(path).is_absolute():
        artifact = {"uri": Path(path).as_uri()}
    else:
        artifact = {"uri": path, "uriBaseId": "%SRCROOT%"}
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}
