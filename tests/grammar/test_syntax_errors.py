"""Syntax errors: file, line, column, and what was expected, in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscan.grammar import load_pack, parse_pack

FIXTURES = Path(__file__).parent / "fixtures"

RULE_CLAUSE = (
    "a rule clause (language, role, kind, tech, severity, match, where, entity, message, sql, fix, doc,"
    " example, inside, has, follows, precedes, matching)"
)
PATTERN = 'a pattern (`code`, kind, query, any, all, "(" or a define name)'
REFINEMENT = "a refinement (inside, has, follows, precedes, matching, where)"


def errors_of(text: str) -> list[str]:
    pack, errors = parse_pack(text, "rules/x.fsr")
    return [str(error) for error in errors]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        # what may come next, named as a rule writer names it
        ('rule a.b {\n  role source\n  "x"\n}', f'rules/x.fsr:3:3: expected {RULE_CLAUSE} or "}}", found a string'),
        (
            "rule a.b {\n  role source\n  rol sink\n}",
            f'rules/x.fsr:3:3: expected {RULE_CLAUSE} or "}}", found "rol"',
        ),
        (
            "rule a.b {\n  match any { `x` \"y\" }\n}",
            f'rules/x.fsr:2:19: expected {PATTERN}, {REFINEMENT} or "}}", found a string',
        ),
        ("rule a.b { match any { } }", f'rules/x.fsr:1:24: expected {PATTERN}, found "}}"'),
        ("rule a.b { match all { `x` not } }", f'rules/x.fsr:1:32: expected {PATTERN}, found "}}"'),
        ("rule a.b { match (`x` inside `y` }", 'rules/x.fsr:1:34: expected ")", found "}"'),
        ("rule a.b { match any `x` }", 'rules/x.fsr:1:22: expected "{", found a code snippet'),
        ("define a.b `x`", 'rules/x.fsr:1:12: expected "=", found a code snippet'),
        ("rules a.b {}", 'rules/x.fsr:1:1: expected "define", "pack", "rule" or end of file, found "rules"'),
        ("@", 'rules/x.fsr:1:1: expected "define", "pack", "rule" or end of file, found "@"'),
        # the value a keyword takes
        (
            "rule read-file {}",
            "rules/x.fsr:1:6: expected a rule id (dotted words with dashes, like python.pandas.read-file),"
            ' found "read"',
        ),
        ("define sql = `x`", 'rules/x.fsr:1:8: expected a pattern name (dotted words, like python.sql-call), found "sql"'),
        ('pack "Files"', "rules/x.fsr:1:6: expected a pack name (like python.files), found a string"),
        (
            'rule a.b { role "source" }',
            "rules/x.fsr:1:17: expected a role (source, sink, transform, connection, endpoint, pipeline), found a string",
        ),
        (
            "rule a.b { severity 3 }",
            'rules/x.fsr:1:21: expected a severity (hint, info, warning, error), found "3"',
        ),
        (
            "rule a.b { language python, go }",
            f"rules/x.fsr:1:27: expected {RULE_CLAUSE}, another language (python, go, java, rust, sql) or"
            ' "}", found ","',
        ),
        (
            "rule a.b { tech }",
            "rules/x.fsr:1:17: expected a tech name (a word like psycopg2 or database/sql, or a string),"
            ' found "}"',
        ),
        (
            'rule a.b { fix "retry" }',
            "rules/x.fsr:1:16: expected a fix template (suppress, retry, validate, scaffold), found a string",
        ),
        (
            "rule a.b { fix retry, scaffold }",
            f"rules/x.fsr:1:21: expected {RULE_CLAUSE}, another fix template (suppress, retry, validate, scaffold)"
            ' or "}", found ","',
        ),
        ('rule a.b { match kind "call" }', "rules/x.fsr:1:23: expected a kind name, found a string"),
        ("rule a.b { match python kind }", "rules/x.fsr:1:30: expected a kind name, found \"}\""),
        ('rule a.b { match python "x" }', 'rules/x.fsr:1:25: expected a code snippet (`...`), "kind" or "query", found a string'),
        ("rule a.b { message reads }", 'rules/x.fsr:1:20: expected a string ("..."), found "reads"'),
        ("rule a.b { example `x` }", 'rules/x.fsr:1:20: expected "match" or "no match", found a code snippet'),
        (
            "rule a.b { entity = $X }",
            "rules/x.fsr:1:19: expected an entity type (table, topic, queue, file, url, bucket, dsn, env),"
            ' found "="',
        ),
        ("rule a.b { entity file $X }", 'rules/x.fsr:1:24: expected "=", found "$X"'),
        (
            "rule a.b { entity file = PATH }",
            'rules/x.fsr:1:26: expected "keyword" or a metavariable ($NAME), found "PATH"',
        ),
        (
            "rule a.b { entity file = $X , }",
            f'rules/x.fsr:1:29: expected {RULE_CLAUSE}, an access (read, write, both) or "}}", found ","',
        ),
        ("rule a.b { where MODE is string }", 'rules/x.fsr:1:18: expected a metavariable ($NAME), found "MODE"'),
        ("rule a.b { where $X is str }", 'rules/x.fsr:1:24: expected "not" or "string", found "str"'),
        ('rule a.b { where $X in ["a" "b"] }', 'rules/x.fsr:1:29: expected "," or "]", found a string'),
        (
            "rule a.b { where $X equals /a/ }",
            'rules/x.fsr:1:21: expected "in", "is", "matching", "not in" or "not matching", found "equals"',
        ),
        # an early end names the bracket left open
        (
            "rule a.b {\n  role source\n  match `x`\n",
            f'rules/x.fsr:3:12: expected {RULE_CLAUSE} or "}}", found end of file; the "{{" at 1:10 is never closed',
        ),
        ("define a.b =", f"rules/x.fsr:1:13: expected {PATTERN}, found end of file"),
        # known mistakes, by example
        (
            "rule a.b {\n  match `x` `y`\n}",
            "rules/x.fsr:2:13: match takes one pattern: combine several with any { ... } or all { ... }",
        ),
        (
            "rule a.b {\n  match `x` go `y`\n}",
            "rules/x.fsr:2:13: match takes one pattern: combine several with any { ... } or all { ... }",
        ),
        (
            "define a.b = `x`\n  a.c",
            "rules/x.fsr:2:3: a define names one pattern: combine several with any { ... } or all { ... }",
        ),
        # code written without its backticks
        (
            "rule a.b { match os.remove($PATH) }",
            'rules/x.fsr:1:27: found "(" after os.remove: code is written between backticks, like `os.remove(...)`',
        ),
        (
            "rule a.b { match any { open($PATH) } }",
            'rules/x.fsr:1:28: found "(" after open: code is written between backticks, like `open(...)`',
        ),
        (
            "rule a.b { match $DF.to_csv($PATH) }",
            'rules/x.fsr:1:18: found "$DF" where a pattern was expected: code is written between backticks, like `$DF`',
        ),
        (
            "rule a.b { role source not `x` }",
            "rules/x.fsr:1:24: `not P` only stands inside all { ... } (all { P not Q }); a rule excludes with"
            " not inside, not has, ...",
        ),
    ],
)
def test_syntax_error(text: str, error: str) -> None:
    assert errors_of(text) == [error]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "rule a.b {\n  match `open($PATH)\n}\n",
            "rules/x.fsr:2:9: unterminated code snippet: no ` closes the one opened here on the same line"
            " (code over several lines is written between ```)",
        ),
        (
            "rule a.b {\n  match ``db.Query(`x`)\n}\n",
            "rules/x.fsr:2:9: unterminated code snippet: no `` closes the one opened here on the same line"
            " (code over several lines is written between ```)",
        ),
        (
            "rule a.b {\n  example match ```\nwith open(p) as f:\n    pass\n}\n",
            "rules/x.fsr:2:17: unterminated code snippet: no ``` closes the one opened here",
        ),
        ("define a.b = ````x````", "rules/x.fsr:1:14: code is written between 1, 2 or 3 backticks, not more"),
        (
            'rule a.b {\n  message "reads {PATH}\n}\n',
            'rules/x.fsr:2:11: unterminated string: the " that opens it is not closed on the same line',
        ),
        (
            "rule a.b {\n  where $X matching /[wax+]\n}\n",
            "rules/x.fsr:2:21: unterminated regex: the / that opens it is not closed on the same line",
        ),
        (
            "rule a.b { where $mode is string }",
            "rules/x.fsr:1:18: a metavariable is $ and an upper-case name, like $PATH, $$$ARGS or $_",
        ),
    ],
)
def test_unterminated_tokens_are_reported_where_they_open(text: str, error: str) -> None:
    assert errors_of(text) == [error]


def test_parsing_resumes_at_the_next_rule() -> None:
    pack, errors = load_pack(FIXTURES / "broken.fsr")
    path = str(FIXTURES / "broken.fsr")
    assert [str(e) for e in errors] == [
        f'{path}:9:9: found "(" after open: code is written between backticks, like `open(...)`',
        f"{path}:26:28: match takes one pattern: combine several with any {{ ... }} or all {{ ... }}",
        # a semantic error in a rule that parses is still reported
        f'{path}:31:8: unknown role "sauce"; expected one of source, sink, transform, connection, endpoint, pipeline',
        f"{path}:41:17: unterminated code snippet: no ``` closes the one opened here",
    ]
    # the rules that parse are kept; the broken ones are left out
    assert pack is not None
    assert [rule.id for rule in pack.rules] == ["python.open.read", "python.shutil.copy"]


def test_an_unclosed_rule_ends_at_the_next_one() -> None:
    text = (
        "rule a.b {\n  language python role source kind file\n  match `x`\n\n"
        "  rule a.c {\n    language python role source kind file match `y`\n  }\n"
    )
    pack, errors = parse_pack(text, "x.fsr")
    assert [str(e) for e in errors] == [
        f'x.fsr:5:3: expected {RULE_CLAUSE} or "}}", found "rule"; the "{{" at 1:10 is never closed'
    ]
    assert pack is not None and [rule.id for rule in pack.rules] == ["a.c"]


def test_a_file_where_nothing_parses_has_no_pack() -> None:
    pack, errors = parse_pack("rule a.b {\n  match `x` `y`\n}\n", "x.fsr")
    assert pack is None
    assert len(errors) == 1


def test_unreadable_files() -> None:
    missing = FIXTURES / "missing.fsr"
    assert [str(e) for e in load_pack(missing)[1]] == [f"{missing}:1:1: cannot read the rule file: No such file or directory"]
    assert load_pack(missing)[0] is None
    assert [str(e) for e in load_pack(FIXTURES)[1]] == [f"{FIXTURES}:1:1: cannot read the rule file: Is a directory"]


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    latin = tmp_path / "latin.fsr"
    latin.write_bytes('rule a.b { doc "café" }'.encode("latin-1"))
    assert [str(e) for e in load_pack(latin)[1]] == [f"{latin}:1:1: not a UTF-8 text file (byte 19 is 0xe9)"]
