"""The hook works with the real pre-commit tool, installed from this repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_try_repo_runs_flowscan(tmp_path: Path) -> None:
    pre_commit = Path(sys.executable).with_name("pre-commit")
    assert pre_commit.exists(), "pre-commit is a test dependency"
    # try-repo needs a git repository to install from: a copy of the working tree, committed
    hook_repo = tmp_path / "flowscan"
    shutil.copytree(ROOT, hook_repo, ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "__pycache__", "node_modules"))
    _git("init", "-q", cwd=hook_repo)
    _git("add", "-A", cwd=hook_repo)
    _git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "snapshot", cwd=hook_repo)

    project = tmp_path / "project"
    project.mkdir()
    (project / "etl.py").write_text("import pandas as pd\norders = pd.read_csv('orders.csv')\n")
    _git("init", "-q", cwd=project)
    _git("add", "etl.py", cwd=project)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [str(pre_commit), "try-repo", str(hook_repo), "flowscan", "--all-files", "--verbose"],
        cwd=project, capture_output=True, text=True, env=env, timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "etl.py:2:10: source/file pandas" in done.stdout

    # a project that sets a threshold gets a failing hook
    (project / "flowscan.toml").write_text('fail-on = "info"\n')
    done = subprocess.run(
        [str(pre_commit), "try-repo", str(hook_repo), "flowscan", "--all-files"],
        cwd=project, capture_output=True, text=True, env=env, timeout=900,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
