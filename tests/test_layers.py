"""Layers point one way: grammar → engine → outputs / LSP; nothing imports upward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = {n for n in names if n.split(".")[0] == "flowscan"}
    return found


def test_the_grammar_knows_nothing_of_the_engine() -> None:
    for path, names in imported_modules("grammar").items():
        assert all(n.startswith("flowscan.grammar") for n in names), (path, names)


def test_rule_packs_are_data_and_a_loader() -> None:
    for path, names in imported_modules("rules").items():
        assert not names, (path, names)


@pytest.mark.parametrize("upper", ["flowscan.lsp", "flowscan.report", "flowscan.cli"])
def test_the_engine_never_imports_what_builds_on_it(upper: str) -> None:
    for path, names in imported_modules("engine").items():
        if path.startswith("engine/report/") and upper == "flowscan.report":
            continue
        if path in ("engine/cli.py", "engine/__main__.py"):
            continue  # the CLI is the one place that knows every layer
        assert not any(n == upper or n.startswith(upper + ".") for n in names), (path, names)


def test_outputs_do_not_import_the_language_server() -> None:
    for folder in ("engine/output", "engine/report"):
        for path, names in imported_modules(folder).items():
            assert not any(n.startswith("flowscan.lsp") for n in names), (path, names)
