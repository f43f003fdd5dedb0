"""The human-readable report: one finding a line for logs and pipes, grouped and coloured for terminals.

Plain mode (`color=False`) is made to be grepped and parsed by editors' problem
matchers: every finding, error and skipped file is one self-contained
`path:line:...` line. Colour mode is made to be read: findings grouped under their
file, severities coloured, and the list of skipped files kept short.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flowscan.findings import Finding, ScanError, ScanResult, Skipped
from flowscan.redact import redact

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
UNDERLINE = "\x1b[4m"
RED = "\x1b[31m"
SEVERITY_STYLES = {
    "error": "\x1b[1;31m",  # bold red
    "warning": "\x1b[33m",  # yellow
    "info": "\x1b[36m",  # cyan
    "hint": "\x1b[2m",  # dim
}
# In colour mode a terminal user wants the gist, not 400 lines of "binary file".
SKIPPED_SHOWN_IN_COLOR = 10

_LINE_BREAK = re.compile(r"\s*[\r\n]+\s*")


def render_text(result: ScanResult, color: bool) -> str:
    """The report as text ending in a newline: findings, then errors, skipped files, and a summary line."""
    findings = sorted(result.findings, key=lambda finding: finding.sort_key)
    errors = sorted(result.errors, key=lambda error: (error.path, error.line, error.message))
    skipped = sorted(result.skipped, key=lambda item: (item.path, item.reason))
    if color:
        sections = [_color_findings(findings), _color_errors(errors), _color_skipped(skipped)]
    else:
        sections = [
            [_plain_finding(finding) for finding in findings],
            [_plain_error(error) for error in errors],
            [f"{item.path}: skipped: {item.reason}" for item in skipped],
        ]
    lines = [line for section in sections for line in section]
    summary = summary_line(result)
    lines.append(f"{BOLD}{summary}{RESET}" if color else summary)
    return "\n".join(lines) + "\n"


def summary_line(result: ScanResult) -> str:
    """`3 findings in 12 files (1840 lines, 0.42 s)`, plus error and skip counts when there are any."""
    stats = result.stats
    line = (
        f"{_count(len(result.findings), 'finding')} in {_count(stats.files, 'file')} "
        f"({_count(stats.lines, 'line')}, {stats.seconds:.2f} s)"
    )
    extras = []
    if result.errors:
        extras.append(_count(len(result.errors), "error"))
    if result.skipped:
        extras.append(f"{_count(len(result.skipped), 'file')} skipped")
    return f"{line}; {', '.join(extras)}" if extras else line


def describe(finding: Finding) -> str:
    """`source/database psycopg2 — reads table orders [python.psycopg2-read]`: a finding without its place."""
    tech = f" {finding.tech}" if finding.tech else ""
    return f"{finding.role}/{finding.kind}{tech} — {_one_line(finding.message)} [{finding.rule_id}]"


def _plain_finding(finding: Finding) -> str:
    return f"{finding.path}:{finding.start.line}:{finding.start.column}: {describe(finding)}"


def _plain_error(error: ScanError) -> str:
    return f"{_place(error)}: error: {_one_line(error.message)}"


def _color_findings(findings: list[Finding]) -> list[str]:
    lines: list[str] = []
    for path, group in _by_path(findings):
        if lines:
            lines.append("")
        lines.append(f"{BOLD}{UNDERLINE}{path}{RESET}")
        width = max(len(_position(finding)) for finding in group)
        for finding in group:
            style = SEVERITY_STYLES.get(finding.severity, "")
            tech = f" {finding.tech}" if finding.tech else ""
            lines.append(
                f"  {DIM}{_position(finding).ljust(width)}{RESET}  "
                f"{style}{finding.severity.ljust(7)}{RESET}  "
                f"{finding.role}/{finding.kind}{tech} — {_one_line(finding.message)} "
                f"{DIM}[{finding.rule_id}]{RESET}"
            )
    if lines:
        lines.append("")
    return lines


def _color_errors(errors: list[ScanError]) -> list[str]:
    if not errors:
        return []
    lines = [f"{RED}{BOLD}{_count(len(errors), 'error')}:{RESET}"]
    lines += [f"  {_place(error)}: {_one_line(error.message)}" for error in errors]
    return [*lines, ""]


def _color_skipped(skipped: list[Skipped]) -> list[str]:
    if not skipped:
        return []
    lines = [f"{BOLD}Skipped {_count(len(skipped), 'file')}:{RESET}"]
    lines += [f"  {item.path}: {DIM}{item.reason}{RESET}" for item in skipped[:SKIPPED_SHOWN_IN_COLOR]]
    hidden = len(skipped) - SKIPPED_SHOWN_IN_COLOR
    if hidden > 0:
        lines.append(f"  {DIM}… and {hidden} more (the JSON output lists them all){RESET}")
    return [*lines, ""]


def _by_path(findings: list[Finding]) -> Iterable[tuple[str, list[Finding]]]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.path, []).append(finding)
    return groups.items()


def _position(finding: Finding) -> str:
    return f"{finding.start.line}:{finding.start.column}"


def _place(error: ScanError) -> str:
    # Line 0 is a file-level error (a rule that failed on the whole file).
    return f"{error.path}:{error.line}" if error.line > 0 else error.path


def _one_line(message: str) -> str:
    # Messages interpolate captured code, which may span lines; a report line must not.
    return _LINE_BREAK.sub(" ", redact(message)).strip()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
