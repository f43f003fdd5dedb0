"""Every built-in rule is tested by construction: its examples must hold."""

from __future__ import annotations

from flowscan.ruletest import run_examples
from flowscan.scanner import load_ruleset, rule_files


def test_builtin_rules_compile_and_their_examples_pass() -> None:
    rules, errors = load_ruleset(rule_files([], builtin=True))
    assert not errors, "\n".join(map(str, errors))
    report = run_examples(rules)
    assert report.rules >= 25
    assert not report.failures, "\n".join(map(str, report.failures))


def test_reads_and_writes_name_the_fixes_editors_offer() -> None:
    rules, _ = load_ruleset(rule_files([], builtin=True))
    for compiled in rules.rules:
        rule = compiled.rule
        if rule.role in ("source", "sink") and rule.kind in ("database", "object_store", "stream", "api", "file"):
            assert "retry" in rule.fixes and "scaffold" in rule.fixes, rule.id
