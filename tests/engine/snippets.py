"""Compile rule text and run it over a code snippet, as the engine tests need."""

from __future__ import annotations

import textwrap
from pathlib import Path

from flowscan.analyze import analyze
from flowscan.compiler import Compiler, RuleSet
from flowscan.findings import Finding
from flowscan.grammar import check_references, parse_pack


def compile_rules(text: str, path: str = "test.fsr") -> RuleSet:
    pack, errors = parse_pack(textwrap.dedent(text), path)
    assert pack is not None and not errors, [str(e) for e in errors]
    assert not check_references([pack])
    compiler = Compiler([pack])
    rules = compiler.compile()
    assert not compiler.errors, [str(e) for e in compiler.errors]
    return rules


def run(rules_text: str, code: str, language: str, path: str = "src/app") -> list[Finding]:
    rules = compile_rules(rules_text)
    return analyze(textwrap.dedent(code).encode(), path, language, rules)


def lines(findings: list[Finding], rule_id: str | None = None) -> list[int]:
    return [f.start.line for f in findings if rule_id is None or f.rule_id == rule_id]


def run_links(rules_text: str, code: str, language: str, path: str = "src/app"):
    """Findings and the links between them within each function."""
    from flowscan.analyze import analyze_file

    rules = compile_rules(rules_text)
    analysis = analyze_file(textwrap.dedent(code).encode(), path, language, rules, link=True)
    return analysis.findings, analysis.links


def link_lines(links) -> list[tuple[int, int, list[int]]]:
    """(source line, target line, the lines of the path) for each link, in order."""
    return sorted((l.source.start.line, l.target.start.line, [s.line for s in l.steps]) for l in links)
