"""The findings on the example project, reviewed once and kept: any change shows as a diff.

Run with FLOWSCAN_UPDATE_SNAPSHOTS=1 to rewrite the snapshot, then review `git diff`.
"""

from __future__ import annotations

import os
from pathlib import Path

from flowscan.config import Config
from flowscan.findings import Finding
from flowscan.scanner import load_ruleset, rule_files, scan

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "tests" / "snapshots" / "examples.txt"


def _line(finding: Finding) -> str:
    entities = " ".join(f"{e.type}={e.name}" + (f"({e.access})" if e.access else "") for e in finding.entities)
    where = f"{finding.path}:{finding.start.line}:{finding.start.column}"
    return f"{where} {finding.rule_id} {finding.role}/{finding.kind} | {finding.message}" + (
        f" | {entities}" if entities else ""
    )


def test_example_project_findings_match_the_reviewed_snapshot(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    rules, errors = load_ruleset(rule_files([]))
    assert not errors
    result = scan([Path("examples")], rules, Config(), jobs=1)
    assert not result.errors and not result.skipped
    text = "\n".join(_line(f) for f in result.findings) + "\n"
    if os.environ.get("FLOWSCAN_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(text)
    assert text == SNAPSHOT.read_text()
