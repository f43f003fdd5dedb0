"""Rule files as users write them, and the model objects they become."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscan.grammar import load_pack, parse_pack
from flowscan.grammar.model import (
    AllOf,
    AnyOf,
    Code,
    CodePattern,
    Define,
    EntitySpec,
    Example,
    IsString,
    KindPattern,
    MatchesRegex,
    Not,
    OneOf,
    Pack,
    QueryPattern,
    Refined,
    RefPattern,
    Regex,
    Relation,
    Rule,
    Span,
)

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> Pack:
    pack, errors = load_pack(FIXTURES / name)
    assert errors == []
    assert pack is not None
    return pack


def rule(pack: Pack, rule_id: str) -> Rule:
    (found,) = (r for r in pack.rules if r.id == rule_id)
    return found


def code(text: str, line: int, column: int, end_column: int, language: str | None = None) -> CodePattern:
    """A one-line snippet pattern whose backticks span `column` to `end_column`."""
    span = Span(line, column, line, end_column)
    return CodePattern(Code(text, language, span), span)


@pytest.fixture(scope="module")
def files() -> Pack:
    return load("python_files.fsr")


def test_pack_header_and_contents(files: Pack) -> None:
    assert files.path == str(FIXTURES / "python_files.fsr")
    assert (files.name, files.title) == ("python.files", "Files written from Python")
    assert [d.name for d in files.defines] == ["python.file-write", "python.retried-function"]
    assert [r.id for r in files.rules] == [
        "python.file.write",
        "python.pandas.replace-table",
        "python.requests.no-timeout",
        "python.open.literal-path",
        "python.kafka.send",
    ]


def test_define_of_any_with_a_refined_item(files: Pack) -> None:
    mode = Span(6, 29, 6, 68)
    assert files.defines[0] == Define(
        "python.file-write",
        AnyOf(
            (
                Refined(
                    code("open($PATH, $MODE, $$$)", 6, 3, 28),
                    constraints=(
                        IsString("MODE", False, mode),
                        MatchesRegex("MODE", Regex("[wax+]", Span(6, 60, 6, 68)), False, mode),
                    ),
                    span=Span(6, 3, 6, 68),
                ),
                code("$DF.to_csv($PATH, $$$)", 7, 3, 27),
                code("$DF.to_parquet($PATH, $$$)", 8, 3, 31),
            ),
            Span(5, 28, 9, 2),
        ),
        Span(5, 1, 9, 2),
    )


def test_define_with_a_refined_relation_target_over_two_lines(files: Pack) -> None:
    target = Refined(
        code("@$RETRY($$$)", 13, 8, 22),
        constraints=(MatchesRegex("RETRY", Regex("(?i)retry|backoff", Span(13, 45, 13, 64)), False, Span(13, 23, 13, 64)),),
        span=Span(13, 8, 13, 64),
    )
    assert files.defines[1].pattern == Refined(
        KindPattern("decorated_definition", None, Span(12, 34, 12, 59)),
        relations=(Relation("has", False, target, Span(13, 3, 13, 65)),),
        span=Span(12, 34, 13, 65),
    )


def test_every_rule_clause(files: Pack) -> None:
    write = rule(files, "python.file.write")
    assert (write.languages, write.role, write.kind, write.tech, write.severity) == (
        ("python",),
        "sink",
        "file",
        "builtins",
        "warning",
    )
    assert write.match == RefPattern("python.file-write", Span(21, 9, 21, 26))
    assert write.relations == (
        Relation("inside", True, RefPattern("python.retried-function", Span(22, 14, 22, 37)), Span(22, 3, 22, 37)),
    )
    assert write.constraints == (OneOf("PATH", ("/dev/null", "-"), True, Span(23, 3, 23, 40)),)
    assert write.entities == (EntitySpec("file", "PATH", None, "write", Span(24, 3, 24, 28)),)
    assert write.message == "writes {PATH} outside a retried function"
    assert write.message_span == Span(25, 3, 25, 53)
    assert write.fixes == ("retry",)
    assert write.doc == "A file write that fails the whole run on the first I/O error."
    assert write.span == Span(15, 1, 39, 2)
    assert write.path == files.path


def test_multi_line_examples_drop_the_fence_lines(files: Pack) -> None:
    match, no_match = rule(files, "python.file.write").examples
    assert match == Example(
        Code('with open("out/report.csv", "w") as fh:  # <-\n    fh.write(text)', None, Span(29, 17, 32, 4)),
        True,
        Span(29, 3, 32, 4),
    )
    # the indentation of the closing fence goes with it; the code's own is the engine's
    assert no_match.expect_match is False
    assert no_match.code.text == (
        "    @retry(stop=stop_after_attempt(3))\n"
        "    def save(text):\n"
        '        with open("out/report.csv", "w") as fh:\n'
        "            fh.write(text)"
    )


def test_rule_level_refinements_and_default_severity(files: Pack) -> None:
    replace = rule(files, "python.pandas.replace-table")
    assert replace.severity == "info"
    # `matching` on a line of its own refines the match: a Refined holds the text regex
    assert replace.match == Refined(
        code("$DF.to_sql($TABLE, $$$)", 46, 9, 34),
        text_regex=Regex("if_exists\\s*=\\s*[\"']replace[\"']", Span(47, 12, 47, 45)),
        span=Span(46, 9, 46, 34),
    )
    assert replace.constraints == (
        OneOf("TABLE", ("fact_orders", "fact_payments"), False, Span(48, 3, 48, 52)),
        MatchesRegex("DF", Regex("^_", Span(49, 26, 49, 30)), True, Span(49, 3, 49, 30)),
    )
    assert replace.relations == (
        Relation("follows", True, code("$DF = validate($DF)", 50, 15, 36), Span(50, 3, 50, 36)),
        Relation("precedes", False, code("$CONN.commit()", 51, 12, 28), Span(51, 3, 51, 28)),
    )
    assert replace.entities == (EntitySpec("table", "TABLE", None, None, Span(52, 3, 52, 24)),)


def test_all_any_not_and_grouping(files: Pack) -> None:
    no_timeout = rule(files, "python.requests.no-timeout")
    assert no_timeout.tech == "requests"  # written as a string
    assert no_timeout.match == AllOf(
        (
            AnyOf(
                (code("requests.get($URL, $$$)", 67, 7, 32), code("requests.post($URL, $$$)", 68, 7, 33)),
                Span(66, 5, 69, 6),
            ),
            Not(code("requests.$METHOD($URL, $$$, timeout=$T, $$$)", 70, 9, 55), Span(70, 5, 70, 55)),
            Not(
                Refined(
                    code("requests.get($URL, $$$)", 71, 10, 35),
                    relations=(
                        Relation(
                            "inside", False, KindPattern("with_statement", None, Span(71, 43, 71, 62)), Span(71, 36, 71, 62)
                        ),
                    ),
                    span=Span(71, 10, 71, 62),
                ),
                Span(71, 5, 71, 63),
            ),
        ),
        Span(65, 9, 72, 4),
    )


def test_every_relation_at_rule_level(files: Pack) -> None:
    relations = rule(files, "python.requests.no-timeout").relations
    assert [(r.relation, r.negated) for r in relations] == [
        ("inside", False),
        ("has", False),
        ("has", True),
        ("follows", False),
        ("follows", True),
        ("precedes", True),
    ]
    assert relations[2] == Relation("has", True, KindPattern("lambda", None, Span(74, 27, 74, 38)), Span(74, 19, 74, 38))


def test_query_pattern_with_triple_backticks(files: Pack) -> None:
    literal = rule(files, "python.open.literal-path")
    assert literal.match == QueryPattern(
        Code(
            '(call\n  function: (identifier) @f\n  arguments: (argument_list . (string) @PATH)\n  (#eq? @f "open")) @match',
            None,
            Span(91, 15, 96, 4),
        ),
        Span(91, 9, 96, 4),
    )
    # one space inside each backtick is dropped, as in Markdown
    assert literal.examples[0].code.text == 'text = open("config/settings.json").read()'


def test_parenthesised_match_keyword_entity_and_tagged_example(files: Pack) -> None:
    send = rule(files, "python.kafka.send")
    assert isinstance(send.match, Refined)
    assert send.match.base == code("$PRODUCER.send($TOPIC, $$$)", 110, 10, 39)
    # the `inside` after the parenthesis is a clause of the rule, not of the match
    assert send.relations == (Relation("inside", False, code("with $LOCK: $$$", 111, 12, 29), Span(111, 5, 111, 29)),)
    topic = Span(112, 3, 112, 50)
    assert send.constraints == (
        IsString("TOPIC", True, topic),
        MatchesRegex("TOPIC", Regex("(?i)topic", Span(112, 39, 112, 50)), False, topic),
    )
    assert send.entities[1] == EntitySpec("queue", None, "topic", "both", Span(114, 3, 114, 36))
    assert send.examples[0].code == Code('producer.send("order-events", value=payload)', "python", Span(117, 24, 117, 70))


def test_cross_language_rule() -> None:
    pack = load("cross_language.fsr")
    env = rule(pack, "config.connection-env")
    assert env.languages == ("python", "go", "rust", "java")
    assert isinstance(env.match, AnyOf)
    assert [(item.code.language, item.code.text) for item in env.match.items if isinstance(item, CodePattern)] == [
        ("python", "os.getenv($NAME, $$$)"),
        ("python", "os.environ[$NAME]"),
        ("go", "os.Getenv($NAME)"),
        ("rust", "std::env::var($NAME)"),
        ("java", "System.getenv($NAME)"),
    ]
    # the tag is part of the pattern's span, not of the code's
    assert env.match.items[2] == CodePattern(Code("os.Getenv($NAME)", "go", Span(12, 12, 12, 30)), Span(12, 5, 12, 30))
    assert [(e.code.language, e.expect_match) for e in env.examples] == [("python", True), ("go", True), ("java", False)]


def test_double_backticks_hold_go_raw_strings() -> None:
    raw = rule(load("cross_language.fsr"), "go.sql.raw-query")
    assert raw.tech == "database/sql"
    assert raw.match == code("$DB.Query(`$SQL`, $$$)", 31, 9, 35)
    assert [e.code.text for e in raw.examples] == [
        "rows, err := db.Query(`SELECT id FROM orders`, day)",
        "rows, err := db.Query(`\n    SELECT id, total\n    FROM orders  -- a raw string over several lines\n`, day)",
        "values := r.URL.Query()",
    ]
    assert raw.examples[1].code.span == Span(35, 17, 40, 4)


def test_languages_in_front_of_kind_and_query() -> None:
    insert = rule(load("cross_language.fsr"), "sql.insert")
    assert insert.languages == ()
    assert insert.match == KindPattern("insert", "sql", Span(49, 9, 49, 24))
    (has,) = insert.relations
    assert has.target == QueryPattern(
        Code("(object_reference name: (identifier) @TABLE)", "sql", Span(50, 17, 50, 65)), Span(50, 7, 50, 65)
    )


def test_references_to_other_packs_are_not_checked_by_parse_pack() -> None:
    embedded = rule(load("cross_language.fsr"), "python.sql.embedded")
    assert embedded.match == RefPattern("python.sql-call", Span(62, 9, 62, 24))


def test_the_smallest_files() -> None:
    assert parse_pack("", "empty.fsr") == (Pack("empty.fsr"), [])
    assert parse_pack("# nothing yet\n", "c.fsr") == (Pack("c.fsr"), [])
    assert parse_pack("pack files", "p.fsr") == (Pack("p.fsr", name="files"), [])


def test_windows_line_ends_and_byte_order_mark() -> None:
    text = "\ufeffrule a.b {\r\n  language python role source kind file\r\n  match ```\r\nf($X)\r\n```\r\n}\r\n"
    pack, errors = parse_pack(text, "w.fsr")
    assert errors == []
    assert pack is not None
    assert pack.rules[0].match == CodePattern(Code("f($X)", None, Span(3, 9, 5, 4)), Span(3, 9, 5, 4))


@pytest.mark.parametrize(
    ("snippet", "text"),
    [
        ("`f($X)`", "f($X)"),
        ("` f($X) `", "f($X)"),
        ("`  f($X)`", "  f($X)"),  # a space at one end only is kept
        ("`` `x` ``", "`x`"),
        ("``a`b``", "a`b"),
        ("`a``b`", "a``b"),  # a longer run does not close a single backtick
        ("```f(``x``)```", "f(``x``)"),
        ("```\n  f(\n    $X)\n  ```", "  f(\n    $X)"),
        ("`# not a comment`", "# not a comment"),
    ],
)
def test_code_between_backticks(snippet: str, text: str) -> None:
    pack, errors = parse_pack(f"define a.b = {snippet}", "c.fsr")
    assert errors == []
    assert pack is not None
    pattern = pack.defines[0].pattern
    assert isinstance(pattern, CodePattern)
    assert pattern.code.text == text


@pytest.mark.parametrize(
    ("written", "value"),
    [
        (r'"plain"', "plain"),
        (r'"say \"hi\""', 'say "hi"'),
        (r'"a\\b"', "a\\b"),
        (r'"tab\there\nnext"', "tab\there\nnext"),
        (r'"# kept"', "# kept"),
    ],
)
def test_string_escapes(written: str, value: str) -> None:
    pack, errors = parse_pack(f"rule a.b {{ language python role source kind file match `x` doc {written} }}", "s.fsr")
    assert errors == []
    assert pack is not None
    assert pack.rules[0].doc == value


@pytest.mark.parametrize(
    ("written", "source"),
    [
        (r"/a\/b/", "a/b"),  # `\/` only keeps the slash from closing the regex
        (r"/\d+\.csv$/", r"\d+\.csv$"),
        (r"/[#]x/", "[#]x"),
    ],
)
def test_regex_sources(written: str, source: str) -> None:
    pack, errors = parse_pack(f"define a.b = `f($X)` where $X matching {written}", "r.fsr")
    assert errors == []
    assert pack is not None
    pattern = pack.defines[0].pattern
    assert isinstance(pattern, Refined)
    (constraint,) = pattern.constraints
    assert isinstance(constraint, MatchesRegex)
    assert constraint.regex.source == source


def test_keywords_are_names_where_no_keyword_fits() -> None:
    # `kind`, `string`, `in` and `match` are keywords, yet fine as node kinds
    pack, errors = parse_pack("define a.b = any { kind string kind in python kind match }", "k.fsr")
    assert errors == []
    assert pack is not None
    pattern = pack.defines[0].pattern
    assert isinstance(pattern, AnyOf)
    assert [(p.kind, p.language) for p in pattern.items if isinstance(p, KindPattern)] == [
        ("string", None),
        ("in", None),
        ("match", "python"),
    ]


def test_postfix_refinements_chain_and_text_regexes_nest() -> None:
    pack, errors = parse_pack("define a.b = `f($X)` matching /f/ has `$X` matching /g/ where $X is string", "n.fsr")
    assert errors == []
    assert pack is not None
    pattern = pack.defines[0].pattern
    assert isinstance(pattern, Refined) and isinstance(pattern.base, Refined)
    assert pattern.text_regex is not None and pattern.text_regex.source == "g"
    assert pattern.base.text_regex is not None and pattern.base.text_regex.source == "f"
    assert [r.relation for r in pattern.base.relations] == ["has"]
    assert [type(c) for c in pattern.base.constraints] == [IsString]


def test_a_rule_names_several_fix_templates_in_one_clause() -> None:
    text = (
        "rule python.pandas.read {\n  language python\n  role source\n  kind file\n"
        "  match `pandas.read_csv($PATH)`\n  fix retry validate\n    scaffold\n}\n"
    )
    pack, errors = parse_pack(text, "rules/python/files.fsr")
    assert errors == []
    assert pack is not None and pack.rules[0].fixes == ("retry", "validate", "scaffold")


def test_a_rule_without_fix_templates_has_none() -> None:
    pack, errors = parse_pack(
        "rule python.open.read { language python role source kind file match `open($P)` }", "rules/x.fsr"
    )
    assert errors == [] and pack is not None and pack.rules[0].fixes == ()
