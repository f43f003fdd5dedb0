"""`flowscan report`: the documents a data team writes by hand, written from the analysis.

One module per document, listed in `DOCUMENTS`; each is a function from the shared
`Analysis` to text. Every document is redacted before it is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from flowscan.catalog.model import Catalog
from flowscan.findings import ScanResult
from flowscan.redact import redact
from flowscan.report.analysis import Analysis
from flowscan.report.design import render_design
from flowscan.report.lineage import render_lineage
from flowscan.report.quality import render_quality
from flowscan.report.runbook import render_runbook

DOCUMENTS: dict[str, Callable[[Analysis], str]] = {
    "pipeline-design.md": render_design,
    "data-quality.json": render_quality,
    "operations-runbook.md": render_runbook,
    "openlineage.json": render_lineage,
}


def write_report(result: ScanResult, paths: list[Path], out_dir: Path, catalog: Catalog | None = None) -> list[Path]:
    """Write every document into `out_dir` (created if needed); the paths written, in order.

    `catalog` (the repository's, and a live database's when given) gives the datasets their columns."""
    analysis = Analysis(result, paths, catalog=catalog)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, render in DOCUMENTS.items():
        target = out_dir / name
        target.write_text(redact(render(analysis)), encoding="utf-8")
        written.append(target)
    return written


__all__ = ["DOCUMENTS", "Analysis", "write_report"]
