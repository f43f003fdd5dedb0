"""Imports point down: the engine and the grammar never import the language server, and the
server never imports the CLI (the CLI's `lsp` command only starts it, as ast-grep's does)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]


def imported(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_only_the_cli_reaches_up_to_the_language_server() -> None:
    for folder in ("engine", "grammar"):
        for path, names in imported(folder).items():
            upward = {name for name in names if name.startswith("flowscan.lsp")}
            assert not upward or path == "engine/cli.py", f"{path} imports {upward}"


def test_the_language_server_builds_on_the_engine_not_on_the_cli() -> None:
    for path, names in imported("lsp").items():
        assert "flowscan.cli" not in names, path
        # one output is shared on purpose: flowscan/dataFlow answers in `flowscan map`'s documented format
        outputs = {name for name in names if name.startswith("flowscan.output")}
        assert outputs <= {"flowscan.output.graph"}, f"{path} imports {outputs}"
