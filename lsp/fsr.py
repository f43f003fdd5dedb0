"""The rule language in the editor: `.fsr` diagnostics, completion and hover.

Diagnostics are the errors `flowscan rules check` prints for the file as it is in the
editor: syntax and semantic errors (flowscan.grammar), references checked against the
other loaded packs, compile errors (a pattern that does not parse in its language), and,
as warnings, examples that do not do what they say (flowscan test). Each points at the
token it concerns. Completion knows the clause keywords and, after one, its values
(roles after `role `, languages after `language `, ...); hover documents keywords and values.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from attrs import frozen
from lsprotocol import types
from pygls.uris import from_fs_path

from flowscan.compiler import Compiler
from flowscan.grammar import check_references, parse_pack
from flowscan.grammar.model import ACCESSES, ENTITY_TYPES, FIXES, KINDS, LANGUAGES, ROLES, SEVERITIES, RuleError
from flowscan.lsp.documents import FSR, Snapshot
from flowscan.lsp.positions import LineIndex, units
from flowscan.lsp.rules import LoadedRules, error_path
from flowscan.ruletest import run_examples

if TYPE_CHECKING:
    from flowscan.lsp.server import FlowscanServer

SOURCE = "flowscan"

# --- what the words mean (hover, completion details) ------------------------------------

KEYWORDS: dict[str, str] = {
    "pack": "`pack NAME \"title\"` — names the pack a file holds (optional, first).",
    "define": "`define NAME = PATTERN` — a named pattern that rules of any pack can use by its name.",
    "rule": "`rule ID { clauses }` — one rule: what it matches and what a finding of it says.",
    "language": "`language L ...` — the languages of the rule's snippets: " + ", ".join(LANGUAGES) + ".",
    "role": "`role R` — what the finding does with data: " + ", ".join(ROLES) + ".",
    "kind": "`kind K` — what the data is reached through: " + ", ".join(KINDS)
    + ". In a pattern, `kind NODE` matches any node of that tree-sitter kind.",
    "tech": "`tech T` — the library or technology (`psycopg2`, `kafka-go`, `\"Spring JDBC\"`).",
    "severity": "`severity S` — how a finding is shown: " + ", ".join(SEVERITIES) + " (default info).",
    "match": "`match PATTERN` — what the rule finds (required). Combine patterns with `any { }` / `all { }`.",
    "entity": "`entity TYPE = $X [ACCESS]` or `entity TYPE = keyword NAME [ACCESS]` — what the finding touches; "
    "TYPE is one of " + ", ".join(ENTITY_TYPES) + "; ACCESS " + ", ".join(ACCESSES) + ".",
    "keyword": "`keyword NAME` — the value of the keyword argument `NAME=` of the matched call.",
    "message": "`message \"text {X}\"` — the finding's message; `{X}` is the value of `$X`.",
    "sql": "`sql $X` — read `$X` as SQL and report the tables it reads and writes; `sql` alone reads the matched node.",
    "fix": "`fix NAME ...` — templates editors offer on the rule's findings: " + ", ".join(FIXES)
    + " (`suppress` is always offered).",
    "doc": "`doc \"text\"` — what the rule finds and why it matters.",
    "example": "`example match CODE` / `example no match CODE` — snippets that must (or must not) produce a finding.",
    "any": "`any { P ... }` — any of the patterns.",
    "all": "`all { P ... }` — every pattern matches the same node; `not P` items exclude.",
    "not": "`not P` inside `all { }` excludes; `not inside`, `not has`, `not follows`, `not precedes` negate a relation.",
    "inside": "`inside P` — some ancestor of the node matches P.",
    "has": "`has P` — some descendant of the node matches P.",
    "follows": "`follows P` — an earlier statement of the same function matches P.",
    "precedes": "`precedes P` — a later statement of the same function matches P.",
    "matching": "`matching /re/` — the node's text matches the regex; `where $X matching /re/` tests a metavariable.",
    "where": "`where $X CONDITION` — a constraint on a metavariable: `matching /re/`, `is string`, `in [\"a\", \"b\"]` (or negated).",
    "query": "`query `(...) @match`` — a raw tree-sitter query; `@match` is the reported node.",
}
VALUES: dict[str, str] = {
    "source": "role: data read into the program",
    "sink": "role: data written out",
    "transform": "role: an operation on a dataset (filter, join, aggregate, map, window, dedupe, validate)",
    "connection": "role: a client, engine, DSN or consumer/producer is created",
    "endpoint": "role: an HTTP/GraphQL route the program serves",
    "pipeline": "role: an orchestration construct (Airflow DAG, Spark session, Beam pipeline, Prefect flow, dbt model)",
    "database": "kind: a database",
    "api": "kind: an HTTP or RPC API",
    "stream": "kind: Kafka, RabbitMQ, Kinesis, Pub/Sub, NATS, Redis streams",
    "object_store": "kind: S3, GCS, Azure Blob",
    "cache": "kind: a cache (Redis, Memcached)",
    "log": "kind: a log destination",
    "config": "kind: configuration (connection strings, environment variables)",
    "retry": "fix: wrap the I/O in retries with backoff",
    "validate": "fix: a data-quality check after a read",
    "scaffold": "fix: scaffold a pipeline (Prefect or Airflow) in a new file",
    "suppress": "fix: an inline `flowscan: ignore[rule-id]` comment (always offered)",
}
CLAUSES = (
    "language", "role", "kind", "tech", "severity", "match", "entity", "message", "sql", "fix", "doc",
    "example", "where", "inside", "has", "follows", "precedes", "matching",
)  # fmt: skip
TOP_LEVEL = ("rule", "define", "pack")
_VALUES_AFTER: dict[str, tuple[str, ...]] = {
    "role": ROLES,
    "severity": SEVERITIES,
    "entity": ENTITY_TYPES,
    "example": ("match", "no match"),
}
_LISTS = {"language": LANGUAGES, "fix": FIXES}
_CONDITIONS = ("matching", "not matching", "is string", "is not string", "in", "not in")


def register(server: FlowscanServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[" "]))
    def completion(ls: FlowscanServer, params: types.CompletionParams) -> types.CompletionList | None:
        document = ls.documents.get(params.text_document.uri)
        if document is None or document.language != FSR:
            return None
        return complete(document.source, params.position, document.lines)


# --- diagnostics ----------------------------------------------------------------------


@frozen
class RuleFileCheck:
    uri: str
    version: int
    generation: int
    diagnostics: tuple[types.Diagnostic, ...]


def check(snapshot: Snapshot, rules: LoadedRules) -> RuleFileCheck:
    """On the analysis thread: every error of the rule file as the editor holds it."""
    text = snapshot.source.decode("utf-8", "replace")
    path = str(snapshot.path) if snapshot.path is not None else snapshot.uri
    errors, warnings = rule_file_errors(text, path, rules)
    diagnostics = [_diagnostic(e, snapshot.lines, types.DiagnosticSeverity.Error) for e in errors]
    diagnostics += [_diagnostic(e, snapshot.lines, types.DiagnosticSeverity.Warning) for e in warnings]
    return RuleFileCheck(snapshot.uri, snapshot.version, rules.generation, tuple(diagnostics))


def rule_file_errors(text: str, path: str, rules: LoadedRules) -> tuple[list[RuleError], list[RuleError]]:
    """Errors (syntax, semantic, references, compile) and warnings (examples) of one rule file."""
    pack, errors = parse_pack(text, path)
    if pack is None:
        return errors, []
    this = _resolved(path)
    others = [other for other in rules.packs() if _resolved(other.path) != this]
    # the file last: a name it repeats is reported here, not in the pack that had it first
    errors += [e for e in check_references([*others, pack]) if _resolved(e.path) == this]
    compiler = Compiler([*(attrs.evolve(other, rules=()) for other in others), pack])
    ruleset = compiler.compile()
    errors += [e for e in compiler.errors if _resolved(e.path) == this]
    warnings: list[RuleError] = []
    if not errors:
        report = run_examples(ruleset)
        warnings = [RuleError(path, f.line, f.column, f"{f.rule_id}: {f.message}") for f in report.failures]
    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=lambda e: (e.line, e.column)), warnings


def _resolved(path: str) -> Path:
    return Path(path).resolve()


def _diagnostic(error: RuleError, lines: LineIndex, severity: types.DiagnosticSeverity) -> types.Diagnostic:
    return types.Diagnostic(range=error_range(error, lines), message=error.message, severity=severity, source=SOURCE)


def error_range(error: RuleError, lines: LineIndex) -> types.Range:
    """From the error's position to the end of the token there (a word, a string, a snippet)."""
    line = max(error.line - 1, 0)
    text = lines.line_bytes(line).decode("utf-8", "replace")
    column = min(max(error.column - 1, 0), len(text))
    rest = text[column:]
    token = re.match(r'`+[^`]*`+|"(?:\\.|[^"\\])*"?|/(?:\\.|[^/\\])*/?|[^\s{}()\[\],]+|.', rest)
    end = column + (len(token.group()) if token else 0)
    start_units = units(text[:column], lines.encoding)
    end_units = units(text[:end], lines.encoding)
    return types.Range(types.Position(line, start_units), types.Position(line, end_units))


def publish(ls: FlowscanServer, result: RuleFileCheck) -> None:
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(result.uri, list(result.diagnostics), result.version)
    )


def publish_load_errors(ls: FlowscanServer, loaded: LoadedRules) -> None:
    """Errors of rule files that are not open (a broken rule file in the workspace); a file
    whose errors are gone since the last load gets its diagnostics cleared."""
    open_uris = set(ls.documents.uris())
    by_file: dict[Path, list[RuleError]] = {}
    for error in loaded.errors:
        by_file.setdefault(error_path(error), []).append(error)
    published: set[str] = set()
    for path, errors in by_file.items():
        uri = from_fs_path(str(path))
        if not uri or uri in open_uris or not path.is_file():
            continue
        lines = LineIndex(path.read_bytes(), ls.workspace.position_encoding)
        diagnostics = [_diagnostic(e, lines, types.DiagnosticSeverity.Error) for e in errors]
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, diagnostics))
        published.add(uri)
    for uri in ls.rule_error_uris - published - open_uris:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))
    ls.rule_error_uris = published


# --- completion -----------------------------------------------------------------------


def complete(source: bytes, position: types.Position, lines: LineIndex) -> types.CompletionList:
    offset = lines.offset(position)
    before = source[:offset].decode("utf-8", "replace")
    line = before.rsplit("\n", 1)[-1]
    typed = re.search(r"[A-Za-z_][\w.-]*$", line)
    head = line[: typed.start()] if typed else line
    words = head.split()
    depth = brace_depth(before[: len(before) - len(line)] + head)
    items = _candidates(words, depth)
    return types.CompletionList(is_incomplete=False, items=items)


def _candidates(words: list[str], depth: int) -> list[types.CompletionItem]:
    first, last = (words[0], words[-1]) if words else ("", "")
    if last in _VALUES_AFTER:
        return _items(_VALUES_AFTER[last], types.CompletionItemKind.EnumMember)
    if last == "kind" and first == "kind":
        return _items(KINDS, types.CompletionItemKind.EnumMember)
    if first in _LISTS:
        # `language python go ...`, `fix retry scaffold`: the ones not listed yet
        return _items([v for v in _LISTS[first] if v not in words[1:]], types.CompletionItemKind.EnumMember)
    if first == "entity" and len(words) >= 4 and words[2] == "=":
        return _items(ACCESSES, types.CompletionItemKind.EnumMember)
    if first == "where" and len(words) == 2 and words[1].startswith("$"):
        return _items(_CONDITIONS, types.CompletionItemKind.Operator)
    if words:
        return []
    if depth > 0:
        return _items(CLAUSES, types.CompletionItemKind.Keyword)
    return _items(TOP_LEVEL, types.CompletionItemKind.Keyword)


def _items(words: tuple[str, ...] | list[str], kind: types.CompletionItemKind) -> list[types.CompletionItem]:
    return [
        types.CompletionItem(
            label=word,
            kind=kind,
            detail=VALUES.get(word) or _first_sentence(KEYWORDS.get(word.split()[0], "")) or None,
            sort_text=f"{index:03d}",
        )
        for index, word in enumerate(words)
    ]


def _first_sentence(text: str) -> str:
    return text.split(" — ", 1)[-1] if text else ""


def brace_depth(text: str) -> int:
    """How many `{` are open at the end of `text`: braces in code, strings, regexes and comments do not count."""
    depth = 0
    for token in re.finditer(r'```[\s\S]*?```|``[^\n]*?``|`[^`\n]*`|"(?:\\.|[^"\\\n])*"|#[^\n]*|[{}]', text):
        if token.group() == "{":
            depth += 1
        elif token.group() == "}":
            depth = max(depth - 1, 0)
    return depth


# --- hover ----------------------------------------------------------------------------


def hover(source: bytes, position: types.Position, lines: LineIndex) -> types.Hover | None:
    if position.line >= len(lines.starts):
        return None
    text = lines.line_bytes(position.line).decode("utf-8", "replace")
    column = len(source[lines.starts[position.line] : lines.offset(position)].decode("utf-8", "replace"))
    if _in_code_or_string(text, column):
        return None
    for match in re.finditer(r"[A-Za-z_][\w-]*", text):
        if match.start() <= column <= match.end():
            word = match.group()
            doc = KEYWORDS.get(word) or VALUES.get(word)
            if doc is None:
                return None
            start = units(text[: match.start()], lines.encoding)
            end = units(text[: match.end()], lines.encoding)
            return types.Hover(
                types.MarkupContent(types.MarkupKind.Markdown, doc),
                types.Range(types.Position(position.line, start), types.Position(position.line, end)),
            )
    return None


def _in_code_or_string(line: str, column: int) -> bool:
    for token in re.finditer(r'`+[^`]*`+|"(?:\\.|[^"\\])*"|#.*', line):
        if token.start() < column < token.end():
            return True
    return False
