"""The grammar itself: its one known conflict, its example mistakes, the built-in packs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from lark import Lark

from flowscan.grammar import check_references, load_pack, parse_pack
from flowscan.grammar.syntax import EXAMPLE_MISTAKES, GRAMMAR_PATH

BUILTIN_PACKS = sorted((Path(__file__).parents[2] / "rules").rglob("*.fsr"))


class _Conflicts(logging.Handler):
    """Collects the shift/reduce conflicts Lark logs (and resolves as shift) while building."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def conflicts() -> Iterator[list[str]]:
    lark_logger = logging.getLogger("lark")
    handler, level = _Conflicts(), lark_logger.level
    lark_logger.addHandler(handler)
    lark_logger.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        lark_logger.removeHandler(handler)
        lark_logger.setLevel(level)


def test_the_only_conflict_is_matching_after_is_string(conflicts: list[str]) -> None:
    """`where $X is string matching /re/` is one constraint pair, not a constraint and a
    text regex: the one place the grammar needs Lark's shift preference. Any new conflict
    is a grammar change to think through (strict=True would need interegular, which the
    project does not depend on)."""
    Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", maybe_placeholders=True)
    reports = [line for line in conflicts if line.startswith("Shift/Reduce conflict")]
    rules = [line.strip() for line in conflicts if line.startswith(" * ")]
    assert reports and {report.split()[4].rstrip(":") for report in reports} == {"MATCHING"}
    assert all(rule.startswith("* <condition : IS") for rule in rules), rules


@pytest.mark.parametrize(
    ("message", "example"),
    [(message, example) for message, examples in EXAMPLE_MISTAKES.items() for example in examples],
)
def test_example_mistakes_get_their_message(message: str, example: str) -> None:
    pack, errors = parse_pack(example, "e.fsr")
    assert [error.message for error in errors] == [message]


@pytest.mark.skipif(not BUILTIN_PACKS, reason="no built-in rule packs")
@pytest.mark.parametrize("path", BUILTIN_PACKS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_builtin_pack_parses_without_errors(path: Path) -> None:
    pack, errors = load_pack(path)
    assert [str(error) for error in errors] == []
    assert pack is not None and pack.rules


@pytest.mark.skipif(not BUILTIN_PACKS, reason="no built-in rule packs")
def test_builtin_packs_reference_each_other_cleanly() -> None:
    packs = [load_pack(path)[0] for path in BUILTIN_PACKS]
    assert [str(error) for error in check_references([p for p in packs if p is not None])] == []
