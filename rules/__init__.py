"""Built-in rule packs (`.fsr` data, one folder per language) and where to find them."""

from __future__ import annotations

from pathlib import Path

PACKS_DIR = Path(__file__).resolve().parent


def builtin_rule_files() -> list[Path]:
    return sorted(PACKS_DIR.rglob("*.fsr"))
