"""Re-analysing only the changed definitions finds exactly what a whole-file analysis finds."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

from flowscan.analyze import FileAnalysis, analyze_file
from flowscan.compiler import RuleSet
from flowscan.languages import adapter
from flowscan.lsp.regions import Plan, Previous, analyze_incrementally, parsed_cleanly
from flowscan.scanner import load_ruleset, rule_files

HERE = Path(__file__).parent
CORPUS = HERE.parent / "corpus"


def _generated(lines: int) -> str:
    spec = importlib.util.spec_from_file_location("lsp_latency", HERE.parents[1] / "bench" / "lsp_latency.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(lines, 3)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    ruleset, _ = load_ruleset(rule_files([HERE / "fixtures" / "rules"], builtin=True))
    return ruleset


def files() -> list[tuple[str, str]]:
    found = [("generated.py", _generated(400))]
    for suffix in (".py", ".go", ".rs"):
        found += [(str(p.relative_to(CORPUS)), p.read_text()) for p in sorted(CORPUS.rglob(f"*{suffix}"))]
    return [(name, text) for name, text in found if len(text) > 400]


LANGUAGES = {".py": "python", ".go": "go", ".rs": "rust"}


def edit(text: str, rnd: random.Random) -> tuple[str, tuple[int, int, int, int, int, int, int]]:
    """One random small edit and its tree edit (start, old end, new end bytes; points)."""
    data = text.encode()
    lines = data.split(b"\n")
    row = rnd.randrange(len(lines))
    line = lines[row]
    kind = rnd.choice(["type", "delete", "newline", "blank-line-above", "string"])
    start_of_line = sum(len(x) + 1 for x in lines[:row])
    if kind == "type" and line:
        column = rnd.randrange(len(line) + 1)
        new, old_len = b"x", 0
    elif kind == "delete" and line:
        column = rnd.randrange(len(line))
        new, old_len = b"", 1
    elif kind == "newline":
        column, new, old_len = len(line), b"\n" + line[: len(line) - len(line.lstrip())], 0
    elif kind == "string" and b'"' in line:
        column, new, old_len = line.index(b'"') + 1, b"tmp/", 0
    else:
        column, new, old_len = 0, b"\n", 0
    # never split a multi-byte character
    while column and column < len(line) and (line[column] & 0xC0) == 0x80:
        column -= 1
    start = start_of_line + column
    changed = data[:start] + new + data[start + old_len :]
    try:
        result = changed.decode()
    except UnicodeDecodeError:
        return text, (0, 0, 0, 0, 0, 0, 0)
    new_rows = new.count(b"\n")
    new_end_col = len(new) - new.rfind(b"\n") - 1 if new_rows else column + len(new)
    return result, (start, start + old_len, start + len(new), row, column, row + new_rows, new_end_col)


def as_previous(text: str, analysis: FileAnalysis) -> Previous:
    assert analysis.tree is not None
    return Previous(text.encode(), analysis.tree, tuple(analysis.findings), tuple(analysis.links),
                    tuple(analysis.placements))  # fmt: skip


def normalized(analysis: FileAnalysis) -> tuple:
    return (
        sorted(analysis.findings, key=repr),
        sorted(analysis.links, key=repr),
        sorted(analysis.placements, key=repr),
    )


@pytest.mark.parametrize(("name", "text"), files(), ids=[name for name, _ in files()])
def test_partial_analysis_equals_the_whole_files(name: str, text: str, rules: RuleSet) -> None:
    language = LANGUAGES[Path(name).suffix]
    rnd = random.Random(name)
    current = analyze_file(text.encode(), name, language, rules, link=True)
    last_good = as_previous(text, current) if parsed_cleanly(current.tree) else None
    plans: list[Plan | None] = []
    for _ in range(8):
        if current.tree is None:
            return  # nothing in the file for these rules
        changed, (start, old_end, new_end, row, column, new_row, new_col) = edit(text, rnd)
        if changed == text:
            continue
        old_tree = current.tree.copy()
        old_end_point = (row, column + (old_end - start))
        old_tree.edit(start, old_end, new_end, (row, column), old_end_point, (new_row, new_col))
        previous = as_previous(text, current)
        partial = analyze_incrementally(
            changed.encode(), name, language, rules, old_tree, previous, 0, plans.append, last_good
        )
        whole = analyze_file(changed.encode(), name, language, rules, link=True)
        assert normalized(partial) == normalized(whole), f"after edit at {row}:{column} of {name}"
        assert partial.tree is not None and str(partial.tree.root_node) == str(
            adapter(language).parse(changed.encode()).root_node
        )
        text, current = changed, partial
        if parsed_cleanly(current.tree):
            last_good = as_previous(text, current)


def test_a_change_inside_one_function_keeps_the_others(rules: RuleSet) -> None:
    text = _generated(400)
    first = analyze_file(text.encode(), "g.py", "python", rules, link=True)
    assert first.tree is not None
    at = text.index("'day'] ==")  # inside the first load_ function
    changed = text[:at] + "'DAY'] ==" + text[at + len("'day'] ==") :]
    old_tree = first.tree.copy()
    row = text[:at].count("\n")
    column = at - text.rfind("\n", 0, at) - 1
    old_tree.edit(at, at + 3, at + 3, (row, column), (row, column + 3), (row, column + 3))
    previous = Previous(text.encode(), first.tree, tuple(first.findings), tuple(first.links), tuple(first.placements))
    plans: list[Plan | None] = []
    analyze_incrementally(changed.encode(), "g.py", "python", rules, old_tree, previous, 0, plans.append)
    (plan,) = plans
    assert plan is not None and len(plan.kept) == len([i for i in text.split("\ndef ")]) - 2


def test_after_a_syntax_error_is_fixed_the_last_clean_text_is_the_base(rules: RuleSet) -> None:
    text = _generated(400)
    clean = analyze_file(text.encode(), "g.py", "python", rules, link=True)
    # `xwith ... as cur:` does not parse, and the functions after it fall apart at the top level
    at = text.index("    with conn.cursor() as cur:") + 4
    broken_text = text[:at] + "x" + text[at:]
    broken = analyze_file(broken_text.encode(), "g.py", "python", rules, link=True)
    assert not parsed_cleanly(broken.tree)
    assert broken.tree is not None
    old_tree = broken.tree.copy()
    row = text[:at].count("\n")
    column = at - text.rfind("\n", 0, at) - 1
    old_tree.edit(at, at + 1, at, (row, column), (row, column + 1), (row, column))
    plans: list[Plan | None] = []
    fixed = analyze_incrementally(
        text.encode(), "g.py", "python", rules, old_tree, as_previous(broken_text, broken), 0, plans.append,
        as_previous(text, clean),
    )  # fmt: skip
    assert plans[0] is not None  # not a whole-file analysis
    assert normalized(fixed) == normalized(clean)
