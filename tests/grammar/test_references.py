"""check_references: named patterns and rule ids across all the packs loaded together."""

from __future__ import annotations

from pathlib import Path

from flowscan.grammar import check_references, load_pack, parse_pack
from flowscan.grammar.model import Pack

FIXTURES = Path(__file__).parent / "fixtures"


def pack(text: str, path: str) -> Pack:
    parsed, errors = parse_pack(text, path)
    assert parsed is not None
    return parsed


def messages(packs: list[Pack]) -> list[str]:
    return [str(error) for error in check_references(packs)]


def test_a_define_of_another_pack_resolves() -> None:
    packs = [load_pack(FIXTURES / name)[0] for name in ("cross_language.fsr", "python_db.fsr", "python_files.fsr")]
    assert None not in packs
    assert messages(packs) == []  # type: ignore[arg-type]


def test_unknown_pattern_names_the_closest_define() -> None:
    cross = load_pack(FIXTURES / "cross_language.fsr")[0]
    assert cross is not None
    typo = pack("define python.sql-cal = `x`\n", "rules/python/typo.fsr")
    assert messages([cross, typo]) == [
        f'{FIXTURES / "cross_language.fsr"}:62:9: unknown pattern "python.sql-call": no define has this name;'
        ' did you mean "python.sql-cal"?'
    ]
    assert messages([cross]) == [
        f'{FIXTURES / "cross_language.fsr"}:62:9: unknown pattern "python.sql-call": no define has this name'
    ]


def test_references_inside_patterns_and_relations() -> None:
    text = (
        "define a.b = any { `x` not.there }\n"
        "rule r.one {\n  language python role source kind file\n"
        "  match all { a.b not (`y` inside nowhere.else) }\n"
        "  not has missing.one\n}\n"
    )
    assert messages([pack(text, "p.fsr")]) == [
        'p.fsr:1:24: unknown pattern "not.there": no define has this name',
        'p.fsr:4:35: unknown pattern "nowhere.else": no define has this name',
        'p.fsr:5:11: unknown pattern "missing.one": no define has this name',
    ]


def test_rule_ids_are_unique_across_packs() -> None:
    rule = "rule python.open.read {\n  language python role source kind file match `open($P)`\n}\n"
    first, second = pack(rule, "rules/a.fsr"), pack("\n\n" + rule, "rules/b.fsr")
    assert messages([first, second]) == [
        'rules/b.fsr:3:1: duplicate rule id "python.open.read" (also defined at rules/a.fsr:1:1)'
    ]
    # within one pack, parse_pack reports it: not again here
    same, errors = parse_pack(rule + rule, "rules/c.fsr")
    assert same is not None and len(errors) == 1
    assert messages([same]) == []


def test_defines_are_unique_across_packs() -> None:
    first = pack("define python.sql-call = `$C.execute($S)`\n", "rules/a.fsr")
    second = pack("# same name\ndefine python.sql-call = `$C.executemany($S)`\n", "rules/b.fsr")
    assert messages([first, second]) == ['rules/b.fsr:2:1: define "python.sql-call" is also defined at rules/a.fsr:1:1']


def test_a_define_may_not_name_itself() -> None:
    loop = pack("define a.one = any { `x` a.two }\ndefine a.two = a.one has `y`\ndefine a.self = all { a.self }\n", "l.fsr")
    assert messages([loop]) == [
        'l.fsr:1:26: pattern "a.one" refers to itself (a.one → a.two → a.one)',
        'l.fsr:2:16: pattern "a.two" refers to itself (a.two → a.one → a.two)',
        'l.fsr:3:23: pattern "a.self" refers to itself (a.self → a.self)',
    ]
