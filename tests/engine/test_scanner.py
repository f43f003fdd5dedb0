"""Whole scans: parallel workers find exactly what one process finds."""

from __future__ import annotations

from pathlib import Path

from flowscan.config import Config
from flowscan.scanner import load_ruleset, rule_files, scan

JOB = '''import pandas as pd
import psycopg2


def run_{n}(day):
    conn = psycopg2.connect("postgresql://etl:pw{n}@db/shop")
    orders = pd.read_csv("data/orders-{n}.csv")
    orders.to_sql("orders_{n}", conn)
'''

SERVICE = '''package svc

import "os"

func Load{n}() ([]byte, error) {{
	return os.ReadFile("data/input-{n}.json")
}}
'''


def _project(root: Path, files: int) -> None:
    for n in range(files):
        (root / f"job_{n}.py").write_text(JOB.format(n=n))
        (root / f"svc_{n}.go").write_text(SERVICE.format(n=n))


def test_parallel_scan_equals_serial_scan(tmp_path: Path) -> None:
    _project(tmp_path, 30)
    rules, errors = load_ruleset(rule_files([]))
    assert not errors
    serial = scan([tmp_path], rules, Config(), jobs=1)
    parallel = scan([tmp_path], rules, Config(), jobs=2)
    assert serial.findings == parallel.findings
    assert serial.stats.files == parallel.stats.files == 60
    assert serial.stats.lines == parallel.stats.lines == 30 * (8 + 7)
    per_file = {f.path.rsplit("/", 1)[-1] for f in parallel.findings}
    assert len(per_file) == 60


def test_config_disables_rules_and_changes_severity(tmp_path: Path) -> None:
    _project(tmp_path, 1)
    config = Config(disable=("go.*",), severity={"python.pandas.to-sql": "warning"})
    rules, errors = load_ruleset(rule_files([]), config)
    assert not errors
    result = scan([tmp_path], rules, config, jobs=1)
    assert {f.language for f in result.findings} == {"python"}
    to_sql = [f for f in result.findings if f.rule_id == "python.pandas.to-sql"]
    assert [f.severity for f in to_sql] == ["warning"]
    # the DSN's password never leaves the scan
    assert all("pw0" not in f.message for f in result.findings)
