"""Inline suppression comments: `# flowscan: ignore` and `// flowscan: ignore[rule-a, db.*]`.

A comment suppresses findings on its own line; when it stands alone on its line it
also covers the next line of code below it (blank lines and other comment-only lines
in between are passed over, so several suppression comments can be stacked above one
statement). Rule lists take globs, as `enable`/`disable` in the config do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fnmatch import fnmatchcase

# None stands for "every rule".
SuppressionTable = Mapping[int, frozenset[str] | None]

_MARKER = b"flowscan:"
_DIRECTIVE = re.compile(rb"flowscan:[ \t]*ignore(?![\w-])(?:[ \t]*\[(?P<rules>[^\]\n]*)\])?")


def suppressed_lines(source: bytes, comment_prefix: str) -> dict[int, frozenset[str] | None]:
    """Map 1-based line numbers to the rule ids (globs) suppressed there; None means all rules.

    `comment_prefix` is the language's line comment (`#`, `//`, `--`); in languages
    that have them, block comments (`/* flowscan: ignore */`) count too. The directive
    must open the comment (`# flowscan: ignore`), or follow another comment marker on
    the same line (`# noqa  # flowscan: ignore`), so prose that mentions it does not
    suppress anything.
    """
    # Almost no file has a suppression: one substring search decides that in C.
    if _MARKER not in source:
        return {}
    prefixes = _comment_openers(comment_prefix)
    table: dict[int, frozenset[str] | None] = {}
    lines = source.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if _MARKER not in line:
            continue
        for match in _DIRECTIVE.finditer(line):
            opener = _comment_opener_before(line, match.start(), prefixes)
            if opener is None:
                continue
            rules = _parse_rules(match.group("rules"))
            _add(table, number, rules)
            code = line[:opener].strip()
            if not code or code.startswith(prefixes):
                target = _next_code_line(lines, number, prefixes)
                if target is not None:
                    _add(table, target, rules)
    return table


def is_suppressed(finding_line: int, rule_id: str, table: SuppressionTable) -> bool:
    """Whether a finding of `rule_id` starting on `finding_line` is suppressed by `table`."""
    if finding_line not in table:
        return False
    rules = table[finding_line]
    return rules is None or any(fnmatchcase(rule_id, glob) for glob in rules)


def _comment_openers(comment_prefix: str) -> tuple[bytes, ...]:
    openers = [comment_prefix.encode()]
    if comment_prefix in ("//", "--"):
        openers.append(b"/*")
    return tuple(openers)


def _comment_opener_before(line: bytes, position: int, openers: tuple[bytes, ...]) -> int | None:
    """The offset of the comment marker that the directive at `position` follows, if any.

    Only whitespace may separate the marker from `flowscan:`.
    """
    before = line[:position].rstrip()
    for opener in openers:
        if before.endswith(opener):
            return len(before) - len(opener)
    return None


def _parse_rules(listed: bytes | None) -> frozenset[str] | None:
    if listed is None:
        return None
    rules = frozenset(
        rule for rule in (part.strip() for part in listed.decode("utf-8", "replace").split(",")) if rule
    )
    # `ignore[]` is read as a bare `ignore`: an empty list suppressing nothing would
    # be a comment that silently does nothing.
    return rules or None


def _add(table: dict[int, frozenset[str] | None], line: int, rules: frozenset[str] | None) -> None:
    if line in table:
        existing = table[line]
        rules = None if existing is None or rules is None else existing | rules
    table[line] = rules


def _next_code_line(lines: list[bytes], number: int, openers: tuple[bytes, ...]) -> int | None:
    # `lines` is 0-based and `number` 1-based, so lines[number] is the line after it.
    for index in range(number, len(lines)):
        text = lines[index].strip()
        if text and not text.startswith(openers):
            return index + 1
    return None
