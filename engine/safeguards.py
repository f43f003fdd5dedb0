"""What protects a read or a write: error handling, retries, validation, monitoring.

Read from the code around a finding, in any language: an enclosing `try`, Go's
`if err != nil` after the call, Rust's `?`, a retry decorator or loop, a validation
call before a write, a log line or metric that counts what moved. Each safeguard found
keeps the line that shows it; what is missing becomes an *absence* finding (role
`pipeline`, severity `warning`) that editors and pre-commit show like any other.

A pipeline step that logs only formatted text gets a hint too: its runs cannot be
queried by the values it logs (`pipeline.unstructured-log`, see `flowscan.logcalls`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import tree_sitter as ts
from attrs import frozen

from flowscan.findings import Entity, Finding, Guard, Link, Position
from flowscan.languages.base import Adapter, node_text
from flowscan.languages.base import FileNames
from flowscan.logcalls import LogCall, unstructured_log_calls

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


# --- unstructured logs in pipeline steps ---------------------------------------------------

UNSTRUCTURED_LOG = "pipeline.unstructured-log"
#: what a step reads or writes when it moves data (not a setting, a cache entry, an API call)
_DATASET_KINDS = frozenset({"database", "file", "object_store", "stream"})
#: a language's own file API reads a config or writes a temporary file as often as a dataset:
#: such I/O makes a step only when its data flows on in the function or its file is data
_PLAIN_FILE_APIS = frozenset({"builtins", "pathlib", "stdlib", "os", "java.io", "std::fs", "tokio::fs"})
_DATA_FILE = re.compile(
    r"\.(csv|tsv|psv|parquet|pq|avro|orc|json|jsonl|ndjson|xlsx?|feather|arrow|xml)(\.(gz|bz2|zst|xz|snappy))?$", re.I
)
#: the structured call the hint suggests, in each language's most common idiom
_STRUCTURED_CALL = {
    "python": 'logger.info("rows loaded", extra={"rows": n})',
    "go": 'slog.Info("rows loaded", "rows", n)',
    "java": 'log.atInfo().addKeyValue("rows", n).log("rows loaded")',
    "rust": 'tracing::info!(rows = n, "rows loaded")',
}


def unstructured_log_hints(
    adapter: Adapter,
    root: ts.Node,
    source: bytes,
    path: str,
    hits: list[tuple[Finding, ts.Node]],
    links: list[Link],
    unit_of: Callable[[ts.Node], ts.Node | None],
    names: FileNames | None = None,
) -> list[tuple[Finding, ts.Node]]:
    """One hint per pipeline step of a file that logs formatted text, at its first such call.

    A step is a named function (`unit_of` gives its span, None at a file's top level) that
    reads or writes a dataset, transforms a data frame or is an orchestration construct
    (Airflow or Prefect task, Spark job, dbt Python model), and is no part of a web service:
    neither a request handler nor a function that registers routes without reading data.
    `links` are the file's data paths: a plain file read or write on one moves data.
    """
    if adapter.name not in _STRUCTURED_CALL:
        return []
    names = names or FileNames(adapter, root)
    found: list[tuple[Finding, ts.Node]] = []
    for step in _pipeline_steps(adapter, root, hits, links, unit_of):
        calls = unstructured_log_calls(adapter, step, names)
        if calls:
            found.append((_unstructured_hint(adapter.name, source, path, calls), calls[0].node))
    return found


def _pipeline_steps(
    adapter: Adapter,
    root: ts.Node,
    hits: list[tuple[Finding, ts.Node]],
    links: list[Link],
    unit_of: Callable[[ts.Node], ts.Node | None],
) -> list[ts.Node]:
    """The spans of a file's pipeline steps, in document order."""
    steps: dict[tuple[int, int], ts.Node] = {}
    served: set[tuple[int, int]] = set()
    registers: set[tuple[int, int]] = set()
    reads: set[tuple[int, int]] = set()
    linked = {link.source for link in links} | {link.target for link in links}
    for finding, node in hits:
        span = unit_of(node) if not finding.rule_id.startswith("pipeline.") else None
        if span is None:
            continue
        key = (span.start_byte, span.end_byte)
        if finding.role == "endpoint":
            # `@app.get(...)` or `@GetMapping` above a handler, or a route registered in a body
            (served if node.start_byte < _body_start(span) else registers).add(key)
        elif _moves_data(finding, linked):
            steps.setdefault(key, span)
            if finding.role == "source":
                reads.add(key)
    if adapter.name == "python":
        for model in _dbt_python_models(root):
            steps.setdefault((model.start_byte, model.end_byte), model)
    # a service's setup (migrations, then routes) is no step; a consumer loop that also
    # serves its metrics is
    return [
        steps[key]
        for key in sorted(steps.keys() - served)
        if not (key in registers and key not in reads) and not _handles_requests(adapter.name, steps[key])
    ]


def _moves_data(finding: Finding, linked: set[Finding]) -> bool:
    if finding.role in ("source", "sink"):
        if finding.kind == "file" and finding.tech in _PLAIN_FILE_APIS:
            return finding in linked or any(e.type == "file" and _DATA_FILE.search(e.name) for e in finding.entities)
        return finding.kind in _DATASET_KINDS
    return finding.role in ("transform", "pipeline")


#: parameters that make a function a request handler, whatever registers it
_HANDLER_PARAMETERS = {
    "python": re.compile(r"(^\(|,)\s*request\s*[:,=)]"),  # Django views, FastAPI's `request: Request`
    "go": re.compile(r"\bhttp\.ResponseWriter\b|\*http\.Request\b|\bgin\.Context\b|\becho\.Context\b|\bfiber\.Ctx\b"),
    "java": re.compile(r"\b(?:HttpServletRequest|HttpServletResponse|ServerRequest|ServerWebExchange)\b"),
    "rust": re.compile(
        r"\b(?:State|Json|Query|Form|Extension|Multipart)\s*<|\bPath\s*<|\bHttpRequest\b|\bweb::\w+\s*<"
    ),
}
#: actix-web and Rocket route attributes stand before a Rust function, outside its node
_RUST_ROUTE_ATTRIBUTE = re.compile(rb"^#\[\s*(?:(?:actix_web|rocket)::)?(?:get|post|put|patch|delete|head|route)\s*\(")


def _function(span: ts.Node) -> ts.Node:
    return span.child_by_field_name("definition") or span if span.type == "decorated_definition" else span


def _body_start(span: ts.Node) -> int:
    body = _function(span).child_by_field_name("body")
    return body.start_byte if body is not None else span.end_byte


def _handles_requests(language: str, span: ts.Node) -> bool:
    """A request handler by its signature (`w http.ResponseWriter`, `State<AppState>`), or by
    a route attribute above it in Rust: a service, not a pipeline step."""
    function = _function(span)
    parameters = function.child_by_field_name("parameters")
    pattern = _HANDLER_PARAMETERS.get(language)
    if parameters is not None and pattern is not None and pattern.search(node_text(parameters)):
        return True
    attribute = function.prev_named_sibling
    while language == "rust" and attribute is not None and attribute.type == "attribute_item":
        if _RUST_ROUTE_ATTRIBUTE.match(attribute.text or b""):
            return True
        attribute = attribute.prev_named_sibling
    return False


def _dbt_python_models(root: ts.Node) -> list[ts.Node]:
    """`def model(dbt, session):` at the top of a file is a dbt Python model."""
    models = []
    for child in root.named_children:
        if child.type != "function_definition":
            continue
        name = child.child_by_field_name("name")
        parameters = child.child_by_field_name("parameters")
        first = parameters.named_children[0] if parameters is not None and parameters.named_children else None
        if name is not None and node_text(name) == "model" and first is not None and node_text(first) == "dbt":
            models.append(child)
    return models


def _unstructured_hint(language: str, source: bytes, path: str, calls: list[LogCall]) -> Finding:
    first = calls[0]
    verb = "prints" if all(call.console for call in calls) else "logs"
    what = "a message" if len(calls) == 1 else f"{len(calls)} messages"
    return Finding(
        rule_id=UNSTRUCTURED_LOG,
        path=path,
        language=language,
        start=_position(source, first.node.start_byte, first.node.start_point[0]),
        end=_position(source, first.node.end_byte, first.node.end_point[0]),
        role="pipeline",
        kind="log",
        tech=first.tech,
        severity="hint",
        message=f"{verb} {what} as formatted text in a pipeline step: "
        f"log fields ({_STRUCTURED_CALL[language]}) so runs can be queried",
    )


def _position(source: bytes, byte: int, row: int) -> Position:
    """1-based line and character (not byte) column, as every finding has them."""
    line_start = source.rfind(b"\n", 0, byte) + 1
    return Position(row + 1, len(source[line_start:byte].decode("utf-8", "replace")) + 1)


# --- the table of built-in checks -----------------------------------------------------------


@frozen
class Check:
    """A built-in check (an absence, or a hint on a step): how loud it is unless configured
    otherwise, and what it finds. Configured by id like any rule: `enable`, `disable`, `severity`."""

    severity: str
    #: the kind its findings are filed under in rule metadata (SARIF)
    kind: str
    doc: str


CHECKS: dict[str, Check] = {
    "pipeline.unguarded-write": Check(
        "warning",
        "database",
        "A write to a warehouse table, object store or topic with no error handling, retry, transaction or dead-letter path around it: a transient failure loses data silently.",
    ),
    "pipeline.unvalidated-write": Check(
        "warning",
        "database",
        "A write to a warehouse table, object store or topic with no validation, assertion or data-quality check in the code that feeds it.",
    ),
    UNSTRUCTURED_LOG: Check(
        "hint",
        "log",
        "A pipeline step (a function that reads or writes a dataset, transforms a data frame, or is an Airflow or "
        "Prefect task, a Spark job or a dbt Python model) that logs or prints values only inside formatted text: "
        "f-strings, %, .format() or + as the message, String.format, Printf verbs, println!/format placeholders. "
        "A log store can then only search that text; log the values as fields (logging's extra=, structlog or "
        "loguru keywords, slog attributes, SLF4J key-values, tracing fields) so runs can be filtered and counted "
        "by them. A constant template whose arguments the logger keeps apart (logger.info(\"loaded %s rows\", n), "
        "SLF4J's {} placeholders) is not reported, nor are slog, zap and zerolog calls. One hint per function, "
        "at its first such call."
    ),
}
