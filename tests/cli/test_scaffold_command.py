"""`flowscan scaffold`: pipeline code from a pipeline the map found, never over a file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

JOB = '''import pandas as pd


def run():
    orders = pd.read_csv("data/orders.csv")
    totals = orders.groupby("customer").agg({"amount": "sum"})
    totals.to_parquet("out/totals.parquet")
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "data" / "orders.csv").write_text("customer,amount\nada,10\nbob,\nada,5\n")
    (tmp_path / "job.py").write_text(JOB)
    return tmp_path


def flowscan(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowscan", "scaffold", *args], cwd=project, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("target", ["prefect", "airflow", "spark", "polars"])
def test_every_target_compiles_and_names_the_real_datasets(project: Path, target: str) -> None:
    done = flowscan(project, "out/totals.parquet", ".", "--target", target, "-o", f"pipelines/{target}.py")
    assert done.returncode == 0, done.stderr
    text = (project / "pipelines" / f"{target}.py").read_text()
    compile(text, f"{target}.py", "exec")
    assert "data/orders.csv" in text and "out/totals.parquet" in text
    assert "job.py:5" in text  # each step says where in the code it was found
    if target in ("spark", "polars"):
        assert "def with_retries(" in text and "def validate(" in text


def test_the_polars_job_runs_and_writes_what_the_code_wrote(project: Path) -> None:
    assert flowscan(project, "out/totals.parquet", ".", "--target", "polars", "-o", "job_polars.py").returncode == 0
    done = subprocess.run([sys.executable, "job_polars.py"], cwd=project, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (project / "out" / "totals.parquet").exists()
    # the data-quality gate saw the missing amount
    assert "null values in {'amount': 1}" in done.stderr


def test_never_overwrites_without_force(project: Path) -> None:
    (project / "existing.py").write_text("keep me\n")
    done = flowscan(project, "out/totals.parquet", ".", "--target", "prefect", "-o", "existing.py")
    assert done.returncode == 2 and "exists; pass --force" in done.stderr
    assert (project / "existing.py").read_text() == "keep me\n"
    forced = flowscan(project, "out/totals.parquet", ".", "--target", "prefect", "-o", "existing.py", "--force")
    assert forced.returncode == 0 and "keep me" not in (project / "existing.py").read_text()


def test_an_unknown_pipeline_lists_the_ones_found(project: Path) -> None:
    done = flowscan(project, "nightly", ".", "--target", "polars", "-o", "x.py")
    assert done.returncode == 2
    assert "no pipeline named 'nightly'; pipelines: out/totals.parquet" in done.stderr
    assert not (project / "x.py").exists()
