"""Errors in rules that parse: wrong values, missing clauses, unbound metavariables..."""

from __future__ import annotations

import pytest

from flowscan.grammar import parse_pack
from flowscan.grammar.model import Pack

# A rule body with everything required, to which each case adds its mistake.
HEAD = "  language python\n  role source\n  kind file\n"


def check(text: str) -> tuple[Pack | None, list[str]]:
    pack, errors = parse_pack(text, "rules/python/files.fsr")
    return pack, [str(error) for error in errors]


def errors_of(text: str) -> list[str]:
    return check(text)[1]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("  language python pyton\n", '1:19: unknown language "pyton"; expected one of python, go, java, rust, sql'),
        ("  language python python\n", "1:19: language python is listed twice"),
        ("  role sauce\n", '1:8: unknown role "sauce"; expected one of source, sink, transform, connection, endpoint, pipeline'),
        ("  kind files\n", '1:8: unknown kind "files"; expected one of database, file, api, stream, object_store, cache, log, config'),
        ("  severity loud\n", '1:12: unknown severity "loud"; expected one of hint, info, warning, error'),
        (
            "  entity path = $PATH\n",
            '1:10: unknown entity type "path"; expected one of table, topic, queue, file, url, bucket, dsn, env',
        ),
        ("  entity file = $PATH readonly\n", '1:23: unknown access "readonly"; expected one of read, write, both'),
        ("  fix retry scafold\n", '1:13: unknown fix template "scafold"; expected one of suppress, retry, validate, scaffold'),
        ("  fix retry validate retry\n", "1:22: fix template retry is listed twice"),
        ("  role sink\n", "1:3: role given twice in this rule (first at line 3)"),
        ("  match `read($PATH)`\n", "1:3: match given twice in this rule (first at line 5)"),
        ("  language go\n", "1:3: language given twice in this rule (first at line 2)"),
        ("  where $PATH matching /(/\n", "1:24: invalid regex /(/: missing ), unterminated subpattern at position 0"),
        ("  match `f($X)` matching /a**/\n", "1:26: invalid regex /a**/: multiple repeat at position 2"),
        ('  doc "C:\\data"\n', '1:10: unknown escape "\\d" in a string; write \\\\ for a backslash'),
        (
            "  has not `close()`\n",
            "1:7: `not P` only stands inside all { ... } (all { P not Q }); a rule excludes with not inside,"
            " not has, ...",
        ),
    ],
)
def test_wrong_value(body: str, error: str) -> None:
    # the case's clause comes last, in place of the one it repeats (except to repeat it)
    clauses = [f"{clause}\n" for clause in (*HEAD.splitlines(), "  match `open($PATH)`")]
    if "given twice" not in error:
        clauses = [clause for clause in clauses if clause.split()[0] != body.split()[0]]
    text = "rule python.open.read {\n" + "".join(clauses) + body + "}\n"
    line, column, message = error.split(":", 2)
    # the case counts lines from its own first one
    body_line = len(clauses) + 2
    assert errors_of(text) == [f"rules/python/files.fsr:{int(line) + body_line - 1}:{column}:{message}"]


def test_wrong_values_are_left_out_of_the_model() -> None:
    pack, errors = check(
        "rule a.b {\n  language python pyton\n  role sauce\n  kind file\n  severity loud\n"
        "  match `f($P)` where $P matching /(/\n  entity path = $P\n  entity file = $P writ\n}\n"
    )
    assert len(errors) == 6
    assert pack is not None
    (rule,) = pack.rules
    assert (rule.languages, rule.role, rule.severity) == (("python",), None, "info")
    # the refinement with the broken regex is dropped, the pattern kept
    assert rule.match is not None and rule.match.span is not None
    assert [(e.type, e.access) for e in rule.entities] == [("file", None)]


@pytest.mark.parametrize("missing", ["match", "role", "kind"])
def test_missing_clause(missing: str) -> None:
    clauses = {"match": "  match `open($PATH)`\n", "role": "  role source\n", "kind": "  kind file\n"}
    body = "".join(text for clause, text in clauses.items() if clause != missing)
    hints = {
        "match": "with the pattern it finds",
        "role": "(one of source, sink, transform, connection, endpoint, pipeline)",
        "kind": "(one of database, file, api, stream, object_store, cache, log, config)",
    }
    text = f"# files\n\nrule python.open.read {{\n  language python\n{body}}}\n"
    assert errors_of(text) == [
        f'rules/python/files.fsr:3:1: rule python.open.read has no {missing}: add "{missing} ..." {hints[missing]}'
    ]


def test_duplicate_rule_ids_and_defines() -> None:
    text = (
        "define python.sql-call = `$C.execute($SQL)`\n"
        f"rule python.open.read {{\n{HEAD}  match `open($P)`\n}}\n"
        "define python.sql-call = `$C.executemany($SQL)`\n"
        f"rule python.open.read {{\n{HEAD}  match `io.open($P)`\n}}\n"
    )
    assert errors_of(text) == [
        'rules/python/files.fsr:8:1: duplicate define "python.sql-call" (first defined at line 1)',
        'rules/python/files.fsr:9:1: duplicate rule id "python.open.read" (first defined at line 2)',
    ]


@pytest.mark.parametrize(
    ("patterns", "message", "errors"),
    [
        # bound by code, by a capture of a query, through a define of the pack
        ("  match `open($PATH, $$$MODES)`", "{PATH} {MODES}", []),
        ("  match query `(call (string) @PATH) @match`", "{PATH}", []),
        ("  match python.opener", "{PATH} {MODE}", []),
        ("  match `open($PATH)`\n  inside `with $LOCK: $$$`", "{LOCK}", []),
        # a define of another pack may bind anything: not checked here
        ("  match other.opener", "{WHATEVER}", []),
        # unbound
        ("  match `open($PATH)`", "reads {PATH} in {MODE}", ["10:3: message uses {MODE} but no pattern of this rule binds $MODE"]),
        ("  match `open($_)`", "{_}", ["10:3: message uses {_} but no pattern of this rule binds $_"]),
        ("  match query `(call) @match`", "{match}", ["10:3: message uses {match} but no pattern of this rule binds $match"]),
        # a negated pattern is never reported, so binds nothing to show
        (
            "  match `open($PATH)`\n  not inside `with $LOCK: $$$`",
            "{PATH} {LOCK}",
            ["11:3: message uses {LOCK} but no pattern of this rule binds $LOCK"],
        ),
        (
            "  match all { `open($PATH)` not `open($PATH, $MODE)` }",
            "{MODE}",
            ["10:3: message uses {MODE} but no pattern of this rule binds $MODE"],
        ),
    ],
)
def test_message_placeholders(patterns: str, message: str, errors: list[str]) -> None:
    text = (
        "pack python.files\n\n"
        "define python.opener = `open($PATH, $MODE)`\n\n"
        f"rule python.open.read {{\n{HEAD}{patterns}\n  message \"{message}\"\n}}\n"
    )
    assert errors_of(text) == [f"rules/python/files.fsr:{error}" for error in errors]


def test_entities_and_constraints_use_bound_metavariables() -> None:
    text = (
        f"rule python.open.read {{\n{HEAD}"
        "  match `open($PATH)` where $PATH is string where $MOD is string\n"
        "  not has (`$F.close()` where $F matching /f/)\n"
        "  where $MODE in [\"r\"]\n"
        "  entity file = $PTH\n"
        "  entity file = keyword file\n"
        "}\n"
        "define python.writer = `$W.write($DATA)` where $WRITER matching /w/\n"
    )
    assert errors_of(text) == [
        "rules/python/files.fsr:5:45: where uses $MOD but no pattern of this rule binds $MOD",
        "rules/python/files.fsr:7:3: where uses $MODE but no pattern of this rule binds $MODE",
        "rules/python/files.fsr:8:3: entity uses $PTH but no pattern of this rule binds $PTH",
        "rules/python/files.fsr:11:42: where uses $WRITER but no pattern of this define binds $WRITER",
    ]


def test_a_define_of_another_pack_may_bind_what_constraints_test() -> None:
    text = f"rule a.b {{\n{HEAD}  match `open($PATH)`\n  not inside other.locked\n  where $LOCK is string\n}}\n"
    assert errors_of(text) == []


@pytest.mark.parametrize(
    ("rule", "errors"),
    [
        (
            "  match `os.remove($P)`\n  example match `os.remove(p)`",
            [
                '4:9: this pattern has no language: add "language ..." to the rule or write python `...`',
                '5:17: this example has no language: add "language ..." to the rule or write python `...`',
            ],
        ),
        ("  match any { python `os.remove($P)` go `os.Remove($P)` }\n  example match python `os.remove(p)`", []),
        ("  match python kind call\n  inside kind with_statement", ['5:10: this pattern has no language: add "language ..." to the rule or write python `...`']),
        ("  match python.remove", ['1:1: rule a.b has no language: add "language ..."']),
        ("  language python go\n  match `remove($P)`\n  example match go `os.Remove(p)`", []),
        (
            "  language python go\n  match `remove($P)`\n  example match `os.remove(p)`",
            ["6:17: this example has no language and the rule has several (python, go): write python `...`"],
        ),
        (
            "  language python\n  match go `os.Remove($P)`\n  example no match java `remove(p);`",
            [
                "5:9: this pattern is go, not a language of the rule (python)",
                "6:25: this example is java, not a language of the rule (python)",
            ],
        ),
    ],
)
def test_every_snippet_has_a_language(rule: str, errors: list[str]) -> None:
    text = f"rule a.b {{\n  role sink\n  kind file\n{rule}\n}}\ndefine python.remove = `os.remove($P)`\n"
    assert errors_of(text) == [f"rules/python/files.fsr:{error}" for error in errors]


def test_errors_are_sorted_by_position() -> None:
    text = "rule b.c {\n  role sauce\n}\nrule a.b {\n  kind filez\n  match `x` `y`\n}\n"
    assert [error.split(": ")[0] for error in errors_of(text)] == [
        "rules/python/files.fsr:1:1",
        "rules/python/files.fsr:1:1",
        "rules/python/files.fsr:2:8",
        "rules/python/files.fsr:6:13",
    ]
