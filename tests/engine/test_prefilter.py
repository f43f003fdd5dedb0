"""Files that cannot match are not parsed: the words a rule needs, whole, decide."""

from __future__ import annotations

import textwrap

import pytest
import tree_sitter as ts

from flowscan.analyze import analyze_file
from flowscan.compiler import required_words

from snippets import compile_rules

GO_QUERY = """
rule go.db-query {
  language go
  role source
  kind database
  tech database/sql
  message "query with {M}"
  match `$DB.$M($Q, $$$)` where $M matching /^(Query|QueryContext|Exec)$/
}
rule go.os-read {
  language go
  role source
  kind file
  tech os
  message "reads a file"
  match `os.ReadFile($P)`
}
"""


@pytest.mark.parametrize(
    ("regex", "words"),
    [
        ("^read_(csv|parquet|json)$", {"read_csv", "read_parquet", "read_json"}),
        ("^(get|post)$", {"get", "post"}),
        ("^execute$", {"execute"}),
        ("execute", None),  # also matches `executemany`, where the word `execute` is not
        ("^(get|post)", None),
        ("^[Qq]uery$", {"Query", "query"}),
        ("^to_.*$", None),  # a repeat: no finite set of words
        ("(?i)^get$", None),  # any case: `GET` would slip through a word test
        ("get|", None),  # matches the empty string
        ("^(a|b)(c|d)(e|f)(g|h)(i|j)(k|l)(m|n)$", None),  # 128 words: too many to be worth it
    ],
)
def test_a_regex_of_literals_and_alternatives_names_the_words_every_match_contains(regex, words) -> None:
    assert required_words(regex) == (frozenset(words) if words is not None else None)


def _parsed(source: str) -> bool:
    rules = compile_rules(GO_QUERY)
    return analyze_file(textwrap.dedent(source).encode(), "x.go", "go", rules).tree is not None


def test_a_file_without_any_word_a_rule_needs_is_not_parsed() -> None:
    # `os` inside `close` and `QueryRow` are not the words `os` and `Query`
    assert not _parsed("""
        package store

        func closeAll(rows Rows) error { return rows.QueryRow() }
    """)


def test_a_word_a_where_regex_allows_is_enough_to_parse_and_match() -> None:
    source = """
        package store

        func load(db *sql.DB) { db.QueryContext(ctx, "select id from orders") }
    """
    assert _parsed(source)
    rules = compile_rules(GO_QUERY)
    (finding,) = analyze_file(textwrap.dedent(source).encode(), "x.go", "go", rules).findings
    assert finding.message == "query with `QueryContext`"


def test_searching_only_where_the_words_are_finds_what_searching_everywhere_finds(monkeypatch) -> None:
    """In a large file the combined query runs only over the spans holding the words its
    matches need; that must find exactly what a search of the whole tree finds, a call whose
    arguments reach far past its word and one holding words two spans apart included."""
    from flowscan.analyze import FileContext

    filler = "".join(f"func helper{i}(x int) int {{\n\treturn x * {i}\n}}\n\n" for i in range(400))
    far_arguments = "\n".join(f"\t\t{i}," for i in range(600))
    source = textwrap.dedent("""
        package store

        func first(db *sql.DB) { db.QueryContext(ctx, "select id from orders") }
        """) + filler + (
        "func wide(db *sql.DB) {\n\tdb.Exec(\"insert into audit values ($1)\",\n" + far_arguments
        + "\n\t\tos.ReadFile(\"seed.csv\"))\n}\n\n"
    ) + filler + "func last(db *sql.DB) { db.Query(q, 1) }\n"
    rules = compile_rules(GO_QUERY)
    runs: list[int] = []
    spanned = FileContext._strict_matches

    def counting(self, query, root):
        runs.append(len(self.spans or ()))
        return spanned(self, query, root)

    monkeypatch.setattr(FileContext, "_strict_matches", counting)
    found = [(f.rule_id, f.start.line) for f in analyze_file(source.encode(), "x.go", "go", rules).findings]
    assert runs == [4]  # first, wide's Exec, its ReadFile 2 KB further on, last
    monkeypatch.setattr(FileContext, "_strict_matches", lambda self, query, root: ts.QueryCursor(query).matches(root))
    everywhere = [(f.rule_id, f.start.line) for f in analyze_file(source.encode(), "x.go", "go", rules).findings]
    assert found == everywhere
    assert [rule for rule, _ in found] == ["go.db-query", "go.db-query", "go.os-read", "go.db-query"]


PY_OPEN = """
rule py.open {
  language python
  role source
  kind file
  tech builtins
  message "opens a file"
  match `open($P, $$$)`
}
rule py.pandas {
  language python
  role source
  kind file
  tech pandas
  message "reads with pandas"
  match `pandas.$F($$$)` where $F matching /^read_(csv|json)$/
}
rule py.parquet {
  language python
  role source
  kind file
  tech pandas
  message "reads parquet"
  match `pandas.read_parquet($P)`
}
"""


@pytest.mark.parametrize(
    ("source", "parsed"),
    [
        ('"""Open the door, then open() it."""\nis_open = True\n# open(...) in a comment\n', True),  # `open()` in text: parsed, harmless
        ('"""Open the door and open it."""\nis_open = reopen = True\n', False),
        ("with open (path) as handle:\n    pass\n", True),
        ("from builtins import open as load\nload('x.csv')\n", True),  # renamed on import
        ("import pandas\n", True),  # `pandas` anchors `pandas.$F`, which is no callee: any whole word
    ],
)
def test_a_word_a_pattern_calls_counts_only_where_code_calls_or_renames_it(source: str, parsed: bool) -> None:
    rules = compile_rules(PY_OPEN)
    assert rules.plans["python"].call_words == {"open", "read_parquet"}
    assert (analyze_file(source.encode(), "x.py", "python", rules).tree is not None) is parsed


def test_a_call_through_an_import_alias_is_still_found() -> None:
    rules = compile_rules(PY_OPEN)
    source = "from pandas import read_parquet as load\n\ndef read(path):\n    return load(path)\n"
    (finding,) = analyze_file(source.encode(), "x.py", "python", rules).findings
    assert finding.rule_id == "py.parquet" and finding.start.line == 4
