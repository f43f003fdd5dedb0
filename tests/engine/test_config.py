"""Loading flowscan.toml / pyproject.toml, and what a Config says about rules."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from flowscan.config import DEFAULT_MAX_FILE_SIZE, Config, load_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def test_flowscan_toml_with_every_key(project: Path) -> None:
    write(
        project / "flowscan.toml",
        """
        rule-paths = ["ci/rules", "../shared/rules.fsr"]
        enable = ["python.*", "sql.*"]
        disable = ["python.debug-*"]
        include = ["services/", "jobs/*.py"]
        exclude = ["**/fixtures/", "*_pb2.py"]
        fail-on = "warning"
        max-file-size = 500_000
        jobs = 4

        [severity]
        "python.psycopg2-*" = "error"
        "sql.table.create" = "hint"
        """,
    )
    config, errors = load_config(project)
    assert errors == []
    assert config == Config(
        rule_paths=(str(project / "ci" / "rules"), str(project.parent / "shared" / "rules.fsr")),
        enable=("python.*", "sql.*"),
        disable=("python.debug-*",),
        severity={"python.psycopg2-*": "error", "sql.table.create": "hint"},
        include=("services/", "jobs/*.py"),
        exclude=("**/fixtures/", "*_pb2.py"),
        fail_on="warning",
        max_file_size=500_000,
        jobs=4,
        path=project / "flowscan.toml",
    )
    assert config.base_dir == project


def test_no_config_anywhere_gives_defaults(project: Path) -> None:
    config, errors = load_config(project)
    assert errors == []
    assert config == Config()
    assert config.max_file_size == DEFAULT_MAX_FILE_SIZE == 2_000_000
    assert config.fail_on is None and config.jobs is None
    assert config.base_dir == project


def test_pyproject_tool_table(project: Path) -> None:
    write(
        project / "pyproject.toml",
        """
        [project]
        name = "shop"

        [tool.ruff]
        line-length = 100

        [tool.flowscan]
        rules = ["rules"]
        exclude = ["migrations/"]

        [tool.flowscan.severity]
        "*" = "warning"
        """,
    )
    config, errors = load_config(project)
    assert errors == []
    assert config.rule_paths == (str(project / "rules"),)
    assert config.exclude == ("migrations/",)
    assert config.severity == {"*": "warning"}
    assert config.path == project / "pyproject.toml"


def test_flowscan_toml_wins_over_pyproject_in_the_same_directory(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.flowscan]\nfail-on = "info"\n')
    write(project / "flowscan.toml", 'fail-on = "error"\n')
    config, _ = load_config(project)
    assert config.fail_on == "error"
    assert config.path == project / "flowscan.toml"


def test_nearest_ancestor_is_used_and_pyprojects_without_our_table_are_passed_over(project: Path) -> None:
    write(project / "flowscan.toml", 'disable = ["sql.*"]\n')
    # A sub-package with its own pyproject but no [tool.flowscan] must not hide the repo config.
    package = project / "services" / "orders"
    write(package / "pyproject.toml", '[project]\nname = "orders"\n')
    (package / "src").mkdir()
    config, errors = load_config(package / "src")
    assert errors == []
    assert config.disable == ("sql.*",)
    assert config.path == project / "flowscan.toml"

    write(package / "pyproject.toml", '[project]\nname = "orders"\n\n[tool.flowscan]\ndisable = ["go.*"]\n')
    config, _ = load_config(package / "src")
    assert config.disable == ("go.*",)


def test_start_may_be_a_file(project: Path) -> None:
    write(project / "flowscan.toml", "jobs = 2\n")
    job = write(project / "jobs" / "nightly.py", "print('hi')\n")
    assert load_config(job)[0].jobs == 2


def test_unknown_keys_and_wrong_types_name_file_line_and_key(project: Path) -> None:
    write(
        project / "flowscan.toml",
        """
        # flowscan settings for the shop
        enable = "python.*"
        rule_paths = ["rules"]
        max-file-size = "2MB"
        jobs = 0
        fail-on = "critical"
        exclde = ["x"]

        [severity]
        "python.*" = "loud"
        """,
    )
    config, errors = load_config(project)
    assert errors == [
        "flowscan.toml:2: 'enable' must be a list of strings, not a string ('python.*')",
        "flowscan.toml:3: unknown key 'rule_paths' (did you mean 'rule-paths'?)",
        "flowscan.toml:4: 'max-file-size' must be a positive integer, not a string ('2MB')",
        "flowscan.toml:5: 'jobs' must be a positive integer, not an integer (0)",
        "flowscan.toml:6: 'fail-on' must be one of hint, info, warning, error, not a string ('critical')",
        "flowscan.toml:7: unknown key 'exclde' (did you mean 'exclude'?)",
        "flowscan.toml:9: 'severity' gives 'python.*' the severity a string ('loud'); "
        "expected one of hint, info, warning, error",
    ]
    # Bad keys fall back to their defaults; the file is still the config in force.
    assert config == Config(path=project / "flowscan.toml")


def test_errors_in_pyproject_point_into_the_tool_section(project: Path) -> None:
    write(
        project / "pyproject.toml",
        """
        [project]
        name = "shop"
        jobs = "many"

        [tool.flowscan]
        jobs = true
        """,
    )
    _, errors = load_config(project)
    assert errors == ["pyproject.toml:6: 'jobs' must be a positive integer, not a boolean (True)"]


def test_rules_and_rule_paths_together_is_an_error(project: Path) -> None:
    write(project / "flowscan.toml", 'rules = ["a"]\nrule-paths = ["b"]\n')
    config, errors = load_config(project)
    assert errors == ["flowscan.toml:2: 'rule-paths' repeats a setting already given (rule-paths and rules are one key)"]
    assert config.rule_paths == (str(project / "a"),)


def test_invalid_toml_is_one_error_with_its_position(project: Path) -> None:
    write(project / "flowscan.toml", 'jobs = 2\nenable = ["python.*" "sql.*"]\n')
    config, errors = load_config(project)
    assert errors == ["flowscan.toml:2:22: invalid TOML: Unclosed array"]
    assert config == Config(path=project / "flowscan.toml")

    write(project / "flowscan.toml", 'enable = ["python.*"\n')
    _, errors = load_config(project)
    assert errors == ["flowscan.toml: invalid TOML: Unclosed array (at end of document)"]


def test_config_outside_the_current_directory_is_named_absolutely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    write(repo / "flowscan.toml", "colour = true\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    _, errors = load_config(repo)
    assert errors == [f"{(repo / 'flowscan.toml').as_posix()}:1: unknown key 'colour'"]


def test_rule_paths_expand_the_home_directory(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(project / "home"))
    write(project / "flowscan.toml", 'rules = ["~/flowscan-rules"]\n')
    config, _ = load_config(project)
    assert config.rule_paths == (os.path.join(str(project / "home"), "flowscan-rules"),)


# --- rule selection ------------------------------------------------------------------


def test_everything_is_enabled_by_default() -> None:
    assert Config().rule_enabled("python.psycopg2-connect")


def test_enable_globs_then_disable_wins() -> None:
    config = Config(enable=("python.*", "sql.table.*"), disable=("python.debug-*", "sql.table.drop"))
    assert config.rule_enabled("python.psycopg2-connect")
    assert config.rule_enabled("sql.table.create")
    assert not config.rule_enabled("python.debug-print")
    assert not config.rule_enabled("sql.table.drop")
    assert not config.rule_enabled("go.sql.open")


def test_rule_globs_are_case_sensitive() -> None:
    assert not Config(enable=("Python.*",)).rule_enabled("python.pandas.read-file")


def test_severity_exact_id_then_most_specific_glob() -> None:
    config = Config(
        severity={
            "python.*": "info",
            "python.psycopg2-*": "error",
            "python.psycopg2-cursor": "hint",
            "*": "warning",
        }
    )
    assert config.severity_for("python.psycopg2-cursor", "info") == "hint"
    assert config.severity_for("python.psycopg2-connect", "info") == "error"
    assert config.severity_for("python.pandas.read-file", "hint") == "info"
    assert config.severity_for("go.sql.open", "hint") == "warning"
    assert Config().severity_for("go.sql.open", "hint") == "hint"
