"""Small Markdown helpers shared by the report's documents."""

from __future__ import annotations

from typing import Iterable

from flowscan.pipelines import Reason


def cite(path: str, line: int) -> str:
    return f"`{path}:{line}`"


def cite_reason(reason: Reason) -> str:
    return f"{reason.text} ({cite(reason.path, reason.line)})"


def code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    text = text.replace("\n", " ")
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    headers = list(headers)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return lines


def mermaid(text: str) -> list[str]:
    return ["```mermaid", text.rstrip("\n"), "```"]


def anchor(name: str) -> str:
    """The GitHub heading anchor of `Pipeline <name>`."""
    text = f"pipeline {name}".lower()
    return "".join(c for c in text.replace(" ", "-") if c.isalnum() or c in "-_")


def settings_list(services: Iterable, heading: str) -> list[str]:
    """The env vars a pipeline's services read, each with where and its default: `heading`
    then one line a variable (nothing when there are none)."""
    places: dict[str, list] = {}
    for service in services:
        for setting in service.settings:
            places.setdefault(setting.name, []).append(setting)
    if not places:
        return []
    lines = [heading]
    for name in sorted(places):
        where = ", ".join(
            cite(s.path, s.line) + (f" default {code(s.default)}" if s.default else "") for s in places[name]
        )
        lines.append(f"- `{name}` ({where})")
    return lines

