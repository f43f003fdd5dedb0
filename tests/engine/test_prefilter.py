"""Files that cannot match are not parsed: the words a rule needs, whole, decide."""

from __future__ import annotations

import textwrap

import pytest

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
