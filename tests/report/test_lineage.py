"""openlineage.json is the same with and without openlineage-python installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscan.config import Config
from flowscan.report import Analysis
from flowscan.report.lineage import render_lineage
from flowscan.scanner import load_ruleset, rule_files, scan

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def example() -> Analysis:
    rules, errors = load_ruleset(rule_files([]))
    assert not errors
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        result = scan([Path("examples")], rules, Config(), jobs=1, link=True)
        analysis = Analysis(result, [Path("examples")])
        # read every file the report needs while the paths resolve
        analysis.views
        yield analysis


def test_events_built_by_hand_equal_the_client_s(example: Analysis, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("openlineage.client.event_v2")
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714521600")
    with_client = render_lineage(example, use_client=True)
    by_hand = render_lineage(example, use_client=False)
    assert with_client == by_hand
    assert '"eventTime": "2024-05-01T00:00:00Z"' in by_hand


def test_event_time_is_now_without_source_date_epoch(example: Analysis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert '"eventTime": "1970' not in render_lineage(example, use_client=False)
