"""Fix templates: each edit applied to the text, the result parsed and scanned again."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from flowscan.analyze import analyze_file
from flowscan.compiler import RuleSet
from flowscan.findings import Finding
from flowscan.fixes import Applicability, Fix, apply_edits, fixes_for
from flowscan.languages import adapter
from flowscan.scanner import load_ruleset, rule_files

RULES = Path(__file__).parents[1] / "lsp" / "fixtures" / "rules"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    ruleset, errors = load_ruleset(rule_files([RULES], builtin=False))
    assert errors == []
    return ruleset


def findings_of(source: str, language: str, rules: RuleSet) -> list[Finding]:
    return analyze_file(source.encode(), f"x.{language}", language, rules).findings


def fixes_of(source: str, language: str, rules: RuleSet, rule_id: str, templates: tuple[str, ...]) -> dict[str, Fix]:
    analysis = analyze_file(source.encode(), "x", language, rules, link=True)
    (finding,) = [f for f in analysis.findings if f.rule_id == rule_id]
    placement = next(p for p in analysis.placements if p.finding == finding)
    assert analysis.tree is not None
    fixes = fixes_for(finding, source.encode(), analysis.tree, templates, placement.guards)
    return {fix.template: fix for fix in fixes}


def applied(source: str, fix: Fix) -> str:
    return apply_edits(source.encode(), fix.edits).decode()


def parses(source: str, language: str) -> bool:
    return not adapter(language).parse(source.encode()).root_node.has_error


PANDAS = '''"""Orders."""
import pandas as pd


def load(path):
    orders = pd.read_csv("data/orders.csv", sep=";")
    return orders
'''


def test_suppress_ends_the_line_with_a_comment_and_the_finding_goes(rules: RuleSet) -> None:
    fix = fixes_of(PANDAS, "python", rules, "lsptest.pandas.read-csv", ())["suppress"]
    assert fix.applicability is Applicability.SAFE
    fixed = applied(PANDAS, fix)
    assert '    orders = pd.read_csv("data/orders.csv", sep=";")  # flowscan: ignore[lsptest.pandas.read-csv]\n' in fixed
    assert findings_of(fixed, "python", rules) == []


def test_suppress_joins_an_existing_rule_list(rules: RuleSet) -> None:
    source = PANDAS.replace('sep=";")', 'sep=";")  # flowscan: ignore[other.rule]')
    fixed = applied(source, fixes_of(source, "python", rules, "lsptest.pandas.read-csv", ())["suppress"])
    assert "# flowscan: ignore[other.rule, lsptest.pandas.read-csv]" in fixed
    assert findings_of(fixed, "python", rules) == []


def test_suppress_goes_above_a_line_that_ends_inside_a_string(rules: RuleSet) -> None:
    source = 'def f(cur):\n    cur.execute("""\n        SELECT id FROM orders\n    """)\n'
    fixed = applied(source, fixes_of(source, "python", rules, "lsptest.dbapi.execute", ())["suppress"])
    assert fixed.startswith('def f(cur):\n    # flowscan: ignore[lsptest.dbapi.execute]\n    cur.execute("""\n')
    assert parses(fixed, "python") and findings_of(fixed, "python", rules) == []


def test_suppress_in_go_uses_its_comment(rules: RuleSet) -> None:
    source = 'package p\n\nfunc f() {\n\trows, err := db.Query("SELECT 1")\n\t_ = rows\n\t_ = err\n}\n'
    fixed = applied(source, fixes_of(source, "go", rules, "lsptest.go.query", ())["suppress"])
    assert '\trows, err := db.Query("SELECT 1")  // flowscan: ignore[lsptest.go.query]\n' in fixed
    assert findings_of(fixed, "go", rules) == []


def test_retry_wraps_the_python_statement_and_imports_time(rules: RuleSet) -> None:
    fix = fixes_of(PANDAS, "python", rules, "lsptest.pandas.read-csv", ("retry",))["retry"]
    assert fix.applicability is Applicability.UNSAFE
    fixed = applied(PANDAS, fix)
    assert fixed == (
        '"""Orders."""\nimport pandas as pd\nimport time\n\n\ndef load(path):\n'
        "    for _attempt in range(3):  # retry with backoff\n"
        "        try:\n"
        '            orders = pd.read_csv("data/orders.csv", sep=";")\n'
        "            break\n"
        "        except Exception:\n"
        "            if _attempt == 2:\n"
        "                raise\n"
        "            time.sleep(2 ** _attempt)\n"
        "    return orders\n"
    )
    compile(fixed, "x.py", "exec")
    # still found, and now guarded: the template is not offered twice
    assert [f.rule_id for f in findings_of(fixed, "python", rules)] == ["lsptest.pandas.read-csv"]
    assert "retry" not in fixes_of(fixed, "python", rules, "lsptest.pandas.read-csv", ("retry",))


def test_retry_keeps_the_text_of_multi_line_strings(rules: RuleSet) -> None:
    source = 'import time\n\ndef f(cur):\n    cur.execute("""\n  SELECT id\n  FROM orders\n""")\n'
    fixed = applied(source, fixes_of(source, "python", rules, "lsptest.dbapi.execute", ("retry",))["retry"])
    assert '            cur.execute("""\n  SELECT id\n  FROM orders\n""")\n' in fixed
    assert fixed.count("import time") == 1
    compile(fixed, "x.py", "exec")


def test_retry_in_go_calls_again_while_err_is_set(rules: RuleSet) -> None:
    source = (
        'package p\n\nimport (\n\t"database/sql"\n)\n\n'
        'func f(db *sql.DB) error {\n\trows, err := db.Query("SELECT id FROM orders")\n'
        "\tif err != nil {\n\t\treturn err\n\t}\n\tdefer rows.Close()\n\treturn nil\n}\n"
    )
    fixed = applied(source, fixes_of(source, "go", rules, "lsptest.go.query", ("retry",))["retry"])
    assert '\t"database/sql"\n\t"time"\n)' in fixed
    assert (
        '\trows, err := db.Query("SELECT id FROM orders")\n'
        "\tfor attempt := 1; err != nil && attempt < 3; attempt++ { // retry with backoff\n"
        "\t\ttime.Sleep(time.Duration(attempt) * time.Second)\n"
        '\t\trows, err = db.Query("SELECT id FROM orders")\n'
        "\t}\n"
    ) in fixed
    assert parses(fixed, "go")


JAVA = """package shop;

import org.springframework.jdbc.core.JdbcTemplate;

class Orders {
    private final JdbcTemplate jdbc;

    Orders(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    void purge(String day) {
        jdbc.update("DELETE FROM orders WHERE day = ?", day);
    }
}
"""


def test_retry_in_java_retries_unchecked_failures(rules: RuleSet, tmp_path: Path) -> None:
    fix = fixes_of(JAVA, "java", rules, "lsptest.java.jdbc-update", ("retry",))["retry"]
    fixed = applied(JAVA, fix)
    assert (
        "        for (int attempt = 1; ; attempt++) { // retry with backoff\n"
        "            try {\n"
        '                jdbc.update("DELETE FROM orders WHERE day = ?", day);\n'
        "                break;\n"
        "            } catch (RuntimeException e) {\n"
    ) in fixed
    assert parses(fixed, "java")
    javac = shutil.which("javac")
    if javac is not None:  # compile it for real, against a stand-in JdbcTemplate
        stub = tmp_path / "org/springframework/jdbc/core/JdbcTemplate.java"
        stub.parent.mkdir(parents=True)
        stub.write_text("package org.springframework.jdbc.core;\n"
                        "public class JdbcTemplate { public int update(String sql, Object... args) { return 0; } }\n")  # fmt: skip
        (tmp_path / "Orders.java").write_text(fixed)
        result = subprocess.run([javac, "-d", str(tmp_path / "out"), str(stub), str(tmp_path / "Orders.java")],
                                capture_output=True, text=True)  # fmt: skip
        assert result.returncode == 0, result.stderr


def test_retry_is_not_offered_where_it_does_not_fit(rules: RuleSet) -> None:
    # a Go call whose error is not kept cannot be retried on it
    source = 'package p\n\nfunc f() {\n\tdb.Query("SELECT 1")\n}\n'
    assert "retry" not in fixes_of(source, "go", rules, "lsptest.go.query", ("retry",))
    # a Java declaration would go out of scope inside the loop
    declared = JAVA.replace('jdbc.update("DELETE', 'int n = jdbc.update("DELETE')
    assert "retry" not in fixes_of(declared, "java", rules, "lsptest.java.jdbc-update", ("retry",))
    # a rule that does not name the template does not get it
    assert set(fixes_of(PANDAS, "python", rules, "lsptest.pandas.read-csv", ())) == {"suppress"}


def test_validate_checks_the_frame_read_and_raises(rules: RuleSet) -> None:
    fix = fixes_of(PANDAS, "python", rules, "lsptest.pandas.read-csv", ("validate",))["validate"]
    fixed = applied(PANDAS, fix)
    assert (
        '    orders = pd.read_csv("data/orders.csv", sep=";")\n'
        "    if orders.empty or orders.isna().all().any():  # validate what was read\n"
        '        raise ValueError("data-quality check failed for data/orders.csv: no rows, or a column with only nulls")\n'
        "    return orders\n"
    ) in fixed
    compile(fixed, "x.py", "exec")


def test_validate_needs_a_read_assigned_to_a_name(rules: RuleSet) -> None:
    source = 'import pandas as pd\n\ndef f():\n    return pd.read_csv("a.csv")\n'
    assert "validate" not in fixes_of(source, "python", rules, "lsptest.pandas.read-csv", ("validate",))
    source = 'import pandas as pd\n\ndef f(df):\n    df.to_parquet("a.parquet")\n'
    assert "validate" not in fixes_of(source, "python", rules, "lsptest.pandas.to-parquet", ("validate",))


def test_an_api_response_gets_a_generic_check(rules: RuleSet) -> None:
    source = 'import requests\n\ndef f():\n    resp = requests.get("https://api.example.com/x")\n    return resp\n'
    fixed = applied(source, fixes_of(source, "python", rules, "lsptest.requests.get", ("validate",))["validate"])
    assert "    if not resp:  # validate what was read\n" in fixed
    compile(fixed, "x.py", "exec")
