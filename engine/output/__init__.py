"""Output formats: one module per format, and the one table the CLI chooses from.

Every renderer takes a ScanResult and returns text; `color` asks for terminal styling
and formats without any (JSON) ignore it.
"""

from __future__ import annotations

from typing import Protocol

from flowscan.findings import ScanResult
from flowscan.output.json import render_json
from flowscan.output.sarif import render_sarif
from flowscan.output.text import render_text


class Renderer(Protocol):
    def __call__(self, result: ScanResult, *, color: bool) -> str: ...


def _render_json_text(result: ScanResult, *, color: bool = False) -> str:
    # orjson writes UTF-8 bytes; the table's contract is text, so decode once here.
    return render_json(result).decode("utf-8")


def _render_text(result: ScanResult, *, color: bool) -> str:
    return render_text(result, color)


FORMATS: dict[str, Renderer] = {
    "text": _render_text,
    "json": _render_json_text,
    "sarif": render_sarif,
}

#: formats that show the paths data takes, so the scan must link findings
LINKED_FORMATS = frozenset({"sarif"})

__all__ = ["FORMATS", "LINKED_FORMATS", "Renderer", "render_json", "render_sarif", "render_text"]
