"""`flowscan scan`, `rules`, `test` as a user runs them: real processes, real files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]


def flowscan(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowscan", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def example_scan() -> dict:
    done = flowscan("scan", "examples", "--format", "json")
    assert done.returncode == 0, done.stderr
    return orjson.loads(done.stdout)


def test_json_contract_shape(example_scan: dict) -> None:
    assert example_scan["version"] == 1
    assert set(example_scan) == {"version", "findings", "errors", "skipped", "stats"}
    finding = example_scan["findings"][0]
    assert set(finding) == {
        "rule_id", "path", "language", "start", "end", "role", "kind", "tech", "severity", "message", "entities",
    }
    assert set(finding["start"]) == {"line", "column"}
    assert example_scan["stats"]["files"] > 10 and example_scan["stats"]["lines"] > 500


def test_every_language_of_the_example_project_has_findings(example_scan: dict) -> None:
    languages = {f["language"] for f in example_scan["findings"]}
    assert languages == {"python", "go", "java", "rust", "sql"}
    paths = {f["path"] for f in example_scan["findings"]}
    assert all(p.startswith("examples/shopflow/") for p in paths)


def test_example_project_touchpoints(example_scan: dict) -> None:
    entities = {(e["type"], e["name"]) for f in example_scan["findings"] for e in f["entities"]}
    assert ("topic", "order-events") in entities
    assert ("table", "order_facts") in entities
    seen = {(f["language"], f["role"], f["kind"]) for f in example_scan["findings"]}
    for expected in (
        ("python", "connection", "database"),
        ("python", "source", "file"),
        ("go", "connection", "database"),
        ("go", "sink", "database"),
        ("java", "connection", "database"),
        ("java", "source", "stream"),
        ("rust", "source", "database"),
        ("sql", "sink", "database"),
        ("sql", "transform", "database"),
    ):
        assert expected in seen, expected


def test_secrets_never_reach_the_output(example_scan: dict) -> None:
    text = orjson.dumps(example_scan).decode()
    assert "s3cret" not in text


def test_text_output_one_finding_a_line() -> None:
    done = flowscan("scan", "examples/shopflow/etl", "--color", "never")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    # path:line:col: role/kind tech — message [rule-id]
    path, line, column, rest = first.split(":", 3)
    assert path.startswith("examples/shopflow/etl/") and line.isdigit() and column.isdigit()
    assert " — " in rest and rest.rstrip().endswith("]")


def test_fail_on_sets_the_exit_code(tmp_path: Path) -> None:
    (tmp_path / "job.py").write_text("import pandas as pd\ndf = pd.read_csv('a.csv')\n")
    assert flowscan("scan", str(tmp_path), "--fail-on", "info").returncode == 1
    assert flowscan("scan", str(tmp_path), "--fail-on", "error").returncode == 0
    assert flowscan("scan", str(tmp_path)).returncode == 0


def test_bad_input_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("import pandas as pd\ndf = pd.read_csv('a.csv')\n")
    (tmp_path / "blob.py").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin.py").write_bytes(b"name = 'caf\xe9'\n")
    # mentions sql.Open, so it is worth parsing, but it is mostly not Go
    (tmp_path / "broken.go").write_text("sql.Open(\n" + "}}}} func ((( {{{\n" * 20)
    (tmp_path / "loop").symlink_to(tmp_path)
    done = flowscan("scan", str(tmp_path), "--format", "json")
    assert done.returncode == 0, done.stderr
    result = orjson.loads(done.stdout)
    assert [f["start"]["line"] for f in result["findings"]] == [2]
    reasons = {Path(s["path"]).name: s["reason"] for s in result["skipped"]}
    assert reasons["blob.py"] == "binary file"
    assert "UTF-8" in reasons["latin.py"]
    assert [Path(e["path"]).name for e in result["errors"]] == ["broken.go"]


def test_custom_rules_and_rule_errors(tmp_path: Path) -> None:
    rules = tmp_path / "team.fsr"
    rules.write_text(
        'rule team.audit {\n  language python\n  role sink\n  kind log\n'
        '  match `audit.write($EVENT)`\n  message "audits {EVENT}"\n}\n'
    )
    code = tmp_path / "svc.py"
    code.write_text("import audit\naudit.write('login')\n")
    done = flowscan("scan", str(code), "--rules", str(rules), "--no-builtin", "--format", "json")
    assert done.returncode == 0, done.stderr
    [finding] = orjson.loads(done.stdout)["findings"]
    assert finding["message"] == "audits login"

    rules.write_text('rule team.audit {\n  language python\n  role sauce\n  kind log\n  match `audit.write(`\n}\n')
    done = flowscan("rules", "check", str(rules))
    assert done.returncode == 2
    assert f'{rules}:3:8: unknown role "sauce"' in done.stderr
    assert done.stdout == ""


def test_no_builtin_runs_only_the_rules_given_not_the_built_in_checks(tmp_path: Path) -> None:
    rules = tmp_path / "team.fsr"
    rules.write_text(
        'rule team.warehouse-write {\n  language python\n  role sink\n  kind database\n'
        '  match `$DF.to_sql($T, $$$)`\n  entity table = $T\n  message "writes {T}"\n}\n'
    )
    code = tmp_path / "load.py"
    code.write_text(
        "import logging\n\nlog = logging.getLogger(__name__)\n\n\n"
        "def load(frame, engine):\n    log.info(f'writing {len(frame)} rows')\n"
        "    frame.to_sql('sales', engine)\n"
    )
    with_checks = flowscan("scan", str(code), "--rules", str(rules), "--format", "json")
    without = flowscan("scan", str(code), "--rules", str(rules), "--no-builtin", "--format", "json")
    assert {"pipeline.unguarded-write", "pipeline.unstructured-log"} <= {
        f["rule_id"] for f in orjson.loads(with_checks.stdout)["findings"]}
    assert [f["rule_id"] for f in orjson.loads(without.stdout)["findings"]] == ["team.warehouse-write"]


def test_pattern_that_does_not_parse_is_a_rule_error(tmp_path: Path) -> None:
    rules = tmp_path / "bad.fsr"
    rules.write_text('rule team.bad {\n  language go\n  role source\n  kind database\n  match `db.Query(`\n}\n')
    done = flowscan("rules", "check", str(rules))
    assert done.returncode == 2
    assert f"{rules}:5:9: this pattern does not parse as go: `db.Query(`" in done.stderr


def test_rules_list_shows_every_language() -> None:
    done = flowscan("rules", "list", "--format", "json")
    assert done.returncode == 0, done.stderr
    rules = orjson.loads(done.stdout)
    per_language: dict[str, int] = {}
    for rule in rules:
        for language in rule["languages"]:
            per_language[language] = per_language.get(language, 0) + 1
    assert all(per_language.get(lang, 0) >= 5 for lang in ("python", "go", "java", "rust", "sql")), per_language


def test_flowscan_test_reports_failing_examples_with_position(tmp_path: Path) -> None:
    rules = tmp_path / "team.fsr"
    rules.write_text(
        "rule team.read {\n  language python\n  role source\n  kind file\n"
        "  match `pandas.read_csv($P, $$$)`\n"
        "  example match `df = pd.read_csv('a.csv')`\n"
        "  example match `df = pd.read_json('a.json')`\n"
        "  example no match `df = pd.read_csv('b.csv')`\n}\n"
    )
    done = flowscan("test", str(rules))
    assert done.returncode == 1
    assert f"{rules}:7:17: team.read: expected a finding at line 1 of the example; found none" in done.stdout
    assert f"{rules}:8:20: team.read: expected no finding; found one at line 1 of the example" in done.stdout
    assert "1 rules, 3 examples: 2 failed" in done.stdout
