"""What protects a read or a write: error handling, retries, validation, monitoring.

Read from the code around a finding, in any language: an enclosing `try`, Go's
`if err != nil` after the call, Rust's `?`, a retry decorator or loop, a validation
call before a write, a log line or metric that counts what moved. Each safeguard found
keeps the line that shows it; what is missing becomes an *absence* finding (role
`pipeline`, severity `warning`) that editors and pre-commit show like any other.
"""

from __future__ import annotations

import re

import tree_sitter as ts
from flowscan.findings import Entity, Finding, Guard
from flowscan.languages.base import Adapter

GUARDS = ("error-handling", "retry", "validation", "monitoring")

_TRY_KINDS = frozenset({"try_statement", "try_with_resources_statement", "try_expression"})
_PATTERNS = {
    "retry": re.compile(r"\b(retry|retries|retrying|backoff|tenacity|Retryable|RetryTemplate|with_retries)\b", re.I),
    "validation": re.compile(
        r"\b(validate|validates|validation|validator|assert|pandera|great_expectations|expect_column\w*|"
        r"check_\w+|dropna|notnull|isnull|is_not_null|require_non_null|Objects\.requireNonNull|schema\.validate)\b"
    ),
    "monitoring": re.compile(
        r"\b(log(?:ger|ging)?\.(?:info|warning|warn|error|Printf|Println|Infof|Info)|info!|warn!|tracing::|"
        r"metrics?|statsd|prometheus|Counter|counter|Gauge|gauge|histogram|Histogram|span|tracer|emit_metric)\b"
    ),
    "error-handling": re.compile(r"\b(dead.?letter|dlq|rollback|ROLLBACK|transaction|Transactional|on_failure_callback)\b", re.I),
}
#: sinks whose failure loses data that is hard to replay: warehouses, lakes, topics
_GUARDED_KINDS = frozenset({"database", "object_store", "stream"})


def guards_of(
    adapter: Adapter, node: ts.Node, scope: ts.Node, seen: dict[tuple[int, int], dict[str, Guard]] | None = None
) -> tuple[Guard, ...]:
    """The safeguards around `node`, looked for in its function `scope`.

    `seen` keeps, for one file, what each scope's text shows: a module with a thousand
    top-level findings is searched once, not once per finding.
    """
    found: dict[str, Guard] = {}
    handled = _error_handling(node, scope)
    if handled is not None:
        found["error-handling"] = handled
    key = (scope.start_byte, scope.end_byte)
    textual = seen.get(key) if seen is not None else None
    if textual is None:
        textual = _textual_guards(scope)
        if seen is not None:
            seen[key] = textual
    for kind, guard in textual.items():
        found.setdefault(kind, guard)
    return tuple(found[kind] for kind in GUARDS if kind in found)


def _textual_guards(scope: ts.Node) -> dict[str, Guard]:
    found: dict[str, Guard] = {}
    text = (scope.text or b"").decode("utf-8", "replace")
    first_row = scope.start_point[0]
    for kind, pattern in _PATTERNS.items():
        match = pattern.search(text)
        if match is not None:
            line_index = text.count("\n", 0, match.start())
            code = text.splitlines()[line_index].strip() if text else ""
            found[kind] = Guard(kind, first_row + line_index + 1, code[:120])
    return found


def _error_handling(node: ts.Node, scope: ts.Node) -> Guard | None:
    current = node.parent
    while current is not None and current != scope.parent:
        if current.type in _TRY_KINDS or _checks_error(current):
            return Guard("error-handling", current.start_point[0] + 1, _first_line(current))
        current = current.parent
    statement = _statement(node, scope)
    following = statement.next_named_sibling if statement is not None else None
    if following is not None and following.type == "if_statement" and b"err" in (following.text or b"")[:40]:
        return Guard("error-handling", following.start_point[0] + 1, _first_line(following))
    return None


def _checks_error(node: ts.Node) -> bool:
    """Go's `if _, err := db.Exec(...); err != nil {`."""
    condition = node.child_by_field_name("condition") if node.type == "if_statement" else None
    return condition is not None and b"err" in (condition.text or b"")


def _statement(node: ts.Node, scope: ts.Node) -> ts.Node | None:
    current = node
    while current.parent is not None and current.parent != scope:
        if current.parent.type in ("block", "statement_list", "module", "source_file"):
            return current
        current = current.parent
    return current


def _first_line(node: ts.Node) -> str:
    return (node.text or b"").split(b"\n", 1)[0].decode("utf-8", "replace").strip()[:120]


def absence_findings(finding: Finding, guards: tuple[Guard, ...], fed: bool) -> list[Finding]:
    """Warnings for a write to a warehouse, lake or topic that nothing protects.

    `fed`: data read or transformed earlier in the function reaches the write (a pipeline
    step, where an unchecked batch spreads); a write of request data is no such step.
    SQL files are left alone: their error handling is the runner's.
    """
    if finding.role != "sink" or finding.kind not in _GUARDED_KINDS or finding.language == "sql":
        return []
    present = {guard.kind for guard in guards}
    targets = ", ".join(e.name for e in finding.entities if e.type in ("table", "topic", "queue", "bucket", "file"))
    what = targets or "its target"
    missing: list[Finding] = []
    if not present & {"error-handling", "retry"}:
        missing.append(_absence(finding, "pipeline.unguarded-write", f"writes {what} with no error handling or retry"))
    if fed and "validation" not in present:
        missing.append(_absence(finding, "pipeline.unvalidated-write", f"writes {what} with no data-quality check before it"))
    return missing


def _absence(finding: Finding, rule_id: str, message: str) -> Finding:
    return Finding(
        rule_id=rule_id,
        path=finding.path,
        language=finding.language,
        start=finding.start,
        end=finding.end,
        role="pipeline",
        kind=finding.kind,
        tech=finding.tech,
        severity="warning",
        message=message,
        entities=tuple(Entity(e.type, e.name, e.access) for e in finding.entities),
    )


ABSENCE_RULES = {
    "pipeline.unguarded-write": "A write to a warehouse table, object store or topic with no error handling, retry, transaction or dead-letter path around it: a transient failure loses data silently.",
    "pipeline.unvalidated-write": "A write to a warehouse table, object store or topic with no validation, assertion or data-quality check in the code that feeds it.",
}
