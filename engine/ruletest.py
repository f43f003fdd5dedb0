"""`flowscan test`: every rule's `example match` / `example no match` snippets, checked."""

from __future__ import annotations

import re
import textwrap

from attrs import frozen

from flowscan.analyze import analyze_tree
from flowscan.compiler import CompiledRule, RuleSet
from flowscan.grammar.model import Example
from flowscan.languages import adapter as get_adapter

_MARKER = re.compile(r"(#|//|--)\s*<-")


@frozen
class ExampleFailure:
    path: str
    line: int
    column: int
    rule_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.rule_id}: {self.message}"


@frozen
class TestReport:
    rules: int
    examples: int
    failures: tuple[ExampleFailure, ...]


def run_examples(rules: RuleSet) -> TestReport:
    failures: list[ExampleFailure] = []
    examples = 0
    for compiled in rules.rules:
        rule = compiled.rule
        kinds = {example.expect_match for example in rule.examples}
        for expected, word in ((True, "example match"), (False, "example no match")):
            if expected not in kinds:
                failures.append(ExampleFailure(rule.path, rule.span.line, rule.span.column, rule.id, f"has no `{word}`"))
        for example in rule.examples:
            examples += 1
            failure = check_example(compiled, example, rules)
            if failure is not None:
                failures.append(failure)
    return TestReport(len(rules.rules), examples, tuple(failures))


def check_example(compiled: CompiledRule, example: Example, rules: RuleSet) -> ExampleFailure | None:
    rule = compiled.rule
    span = example.code.span

    def fail(message: str) -> ExampleFailure:
        return ExampleFailure(rule.path, span.line, span.column, rule.id, message)

    language = example.code.language or (next(iter(compiled.matchers)) if len(compiled.matchers) == 1 else None)
    if language is None or language not in compiled.matchers:
        return fail("the example does not say its language (write e.g. python `...`)")
    text = textwrap.dedent(example.code.text).strip("\n")
    lines = text.splitlines()
    marked = [i + 1 for i, line in enumerate(lines) if _MARKER.search(line)]
    expected_line = marked[0] if marked else next((i + 1 for i, line in enumerate(lines) if line.strip()), 1)
    found = _finding_lines(text, language, rule.id, rules)
    if example.expect_match:
        if expected_line in found:
            return None
        where = f"found one at line {', '.join(map(str, sorted(found)))} instead" if found else "found none"
        return fail(f"expected a finding at line {expected_line} of the example; {where}")
    if found:
        return fail(f"expected no finding; found one at line {', '.join(map(str, sorted(found)))} of the example")
    return None


def _finding_lines(text: str, language: str, rule_id: str, rules: RuleSet) -> set[int]:
    """Lines (of the snippet) with a finding of the rule; a fragment is wrapped until it parses."""
    adapter = get_adapter(language)
    contexts = (("", ""),) + tuple(adapter.pattern_contexts)
    chosen = contexts[0]
    for prefix, suffix in contexts:
        if not adapter.parse((prefix + text + suffix).encode()).root_node.has_error:
            chosen = (prefix, suffix)
            break
    prefix, suffix = chosen
    offset = prefix.count("\n")
    source = (prefix + text + suffix).encode()
    findings, _ = analyze_tree(source, "<example>", language, rules)
    return {f.start.line - offset for f in findings if f.rule_id == rule_id}
