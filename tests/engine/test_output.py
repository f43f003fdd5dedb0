"""The text and JSON reports, checked against golden output."""

from __future__ import annotations

import orjson
import pytest

from flowscan.findings import Entity, Finding, Position, ScanError, ScanResult, Skipped, Stats
from flowscan.output import FORMATS
from flowscan.output.json import render_json
from flowscan.output.text import render_text


def finding(rule_id: str, path: str, line: int, column: int, **changes: object) -> Finding:
    values: dict[str, object] = {
        "rule_id": rule_id,
        "path": path,
        "language": "python",
        "start": Position(line, column),
        "end": Position(line, column + 20),
        "role": "source",
        "kind": "database",
        "tech": "psycopg2",
        "severity": "info",
        "message": "reads table orders",
        "entities": (),
    }
    values.update(changes)
    return Finding(**values)  # type: ignore[arg-type]


# Given out of order on purpose: every output sorts.
RESULT = ScanResult(
    findings=(
        finding(
            "python.pandas.write-file", "services/orders/etl.py", 31, 5,
            role="sink", kind="object_store", tech="pandas", severity="warning",
            message="writes orders to s3://lake/orders/",
            entities=(Entity("bucket", "lake", "write"),),
        ),
        finding(
            "python.dbapi.connect", "services/orders/etl.py", 12, 8,
            role="connection", tech="psycopg2", severity="error",
            message="connects to postgresql://etl:hunter2@warehouse/sales",
            entities=(Entity("dsn", "postgresql://etl:hunter2@warehouse/sales"),),
        ),
        finding(
            "go.sql.open", "services/billing/main.go", 9, 12,
            language="go", role="connection", tech="database/sql", severity="hint", message="opens postgres",
        ),
        finding(
            "python.dbapi.execute", "services/orders/etl.py", 12, 8,
            role="source", tech="psycopg2",
            message="reads table orders:\n    select id, total\n    from orders",
            entities=(Entity("table", "orders", "read"),),
        ),
    ),
    errors=(
        ScanError("services/orders/legacy.py", 0, "rule python.pandas.read-file timed out after 5 s"),
        ScanError("sql/views.sql", 14, "statement could not be parsed"),
    ),
    skipped=(
        Skipped("data/dump.sql", "larger than 2000000 bytes"),
        Skipped("assets/logo.py", "binary file"),
    ),
    stats=Stats(files=42, lines=5310, seconds=1.23456),
)


def test_plain_text_golden() -> None:
    assert render_text(RESULT, color=False) == (
        "services/billing/main.go:9:12: connection/database database/sql — opens postgres [go.sql.open]\n"
        "services/orders/etl.py:12:8: connection/database psycopg2 — connects to postgresql://etl:***@warehouse/sales [python.dbapi.connect]\n"
        "services/orders/etl.py:12:8: source/database psycopg2 — reads table orders: select id, total from orders [python.dbapi.execute]\n"
        "services/orders/etl.py:31:5: sink/object_store pandas — writes orders to s3://lake/orders/ [python.pandas.write-file]\n"
        "services/orders/legacy.py: error: rule python.pandas.read-file timed out after 5 s\n"
        "sql/views.sql:14: error: statement could not be parsed\n"
        "assets/logo.py: skipped: binary file\n"
        "data/dump.sql: skipped: larger than 2000000 bytes\n"
        "4 findings in 42 files (5310 lines, 1.23 s); 2 errors, 2 files skipped\n"
    )


def test_color_text_golden() -> None:
    assert render_text(RESULT, color=True) == (
        "\x1b[1m\x1b[4mservices/billing/main.go\x1b[0m\n"
        "  \x1b[2m9:12\x1b[0m  \x1b[2mhint   \x1b[0m  connection/database database/sql — opens postgres \x1b[2m[go.sql.open]\x1b[0m\n"
        "\n"
        "\x1b[1m\x1b[4mservices/orders/etl.py\x1b[0m\n"
        "  \x1b[2m12:8\x1b[0m  \x1b[1;31merror  \x1b[0m  connection/database psycopg2 — connects to "
        "postgresql://etl:***@warehouse/sales \x1b[2m[python.dbapi.connect]\x1b[0m\n"
        "  \x1b[2m12:8\x1b[0m  \x1b[36minfo   \x1b[0m  source/database psycopg2 — reads table orders: select id, total from orders "
        "\x1b[2m[python.dbapi.execute]\x1b[0m\n"
        "  \x1b[2m31:5\x1b[0m  \x1b[33mwarning\x1b[0m  sink/object_store pandas — writes orders to s3://lake/orders/ "
        "\x1b[2m[python.pandas.write-file]\x1b[0m\n"
        "\n"
        "\x1b[31m\x1b[1m2 errors:\x1b[0m\n"
        "  services/orders/legacy.py: rule python.pandas.read-file timed out after 5 s\n"
        "  sql/views.sql:14: statement could not be parsed\n"
        "\n"
        "\x1b[1mSkipped 2 files:\x1b[0m\n"
        "  assets/logo.py: \x1b[2mbinary file\x1b[0m\n"
        "  data/dump.sql: \x1b[2mlarger than 2000000 bytes\x1b[0m\n"
        "\n"
        "\x1b[1m4 findings in 42 files (5310 lines, 1.23 s); 2 errors, 2 files skipped\x1b[0m\n"
    )


def test_empty_scan_is_just_the_summary() -> None:
    result = ScanResult(stats=Stats(files=1, lines=1, seconds=0.004))
    assert render_text(result, color=False) == "0 findings in 1 file (1 line, 0.00 s)\n"
    assert render_text(result, color=True) == "\x1b[1m0 findings in 1 file (1 line, 0.00 s)\x1b[0m\n"


def test_color_mode_keeps_the_skipped_list_short() -> None:
    skipped = tuple(Skipped(f"assets/img{n:02}.py", "binary file") for n in range(13))
    text = render_text(ScanResult(skipped=skipped), color=True)
    assert "Skipped 13 files:" in text
    assert "assets/img09.py" in text and "assets/img10.py" not in text
    assert "… and 3 more (the JSON output lists them all)" in text
    plain = render_text(ScanResult(skipped=skipped), color=False)
    assert plain.count(": skipped: binary file\n") == 13


def test_a_finding_without_tech() -> None:
    result = ScanResult(findings=(finding("sql.table.create", "schema.sql", 1, 1, language="sql", tech="",
                                          role="sink", message="creates table orders"),))
    assert render_text(result, color=False).splitlines()[0] == (
        "schema.sql:1:1: sink/database — creates table orders [sql.table.create]"
    )


def test_json_golden() -> None:
    document = orjson.loads(render_json(RESULT))
    assert document == {
        "version": 1,
        "findings": [
            {
                "rule_id": "go.sql.open", "path": "services/billing/main.go", "language": "go",
                "start": {"line": 9, "column": 12}, "end": {"line": 9, "column": 32},
                "role": "connection", "kind": "database", "tech": "database/sql", "severity": "hint",
                "message": "opens postgres", "entities": [],
            },
            {
                "rule_id": "python.dbapi.connect", "path": "services/orders/etl.py", "language": "python",
                "start": {"line": 12, "column": 8}, "end": {"line": 12, "column": 28},
                "role": "connection", "kind": "database", "tech": "psycopg2", "severity": "error",
                "message": "connects to postgresql://etl:***@warehouse/sales",
                "entities": [{"type": "dsn", "name": "postgresql://etl:***@warehouse/sales", "access": None}],
            },
            {
                "rule_id": "python.dbapi.execute", "path": "services/orders/etl.py", "language": "python",
                "start": {"line": 12, "column": 8}, "end": {"line": 12, "column": 28},
                "role": "source", "kind": "database", "tech": "psycopg2", "severity": "info",
                # JSON keeps the message as the rule wrote it, line breaks included
                "message": "reads table orders:\n    select id, total\n    from orders",
                "entities": [{"type": "table", "name": "orders", "access": "read"}],
            },
            {
                "rule_id": "python.pandas.write-file", "path": "services/orders/etl.py", "language": "python",
                "start": {"line": 31, "column": 5}, "end": {"line": 31, "column": 25},
                "role": "sink", "kind": "object_store", "tech": "pandas", "severity": "warning",
                "message": "writes orders to s3://lake/orders/",
                "entities": [{"type": "bucket", "name": "lake", "access": "write"}],
            },
        ],
        "errors": [
            {"path": "services/orders/legacy.py", "line": 0,
             "message": "rule python.pandas.read-file timed out after 5 s"},
            {"path": "sql/views.sql", "line": 14, "message": "statement could not be parsed"},
        ],
        "skipped": [
            {"path": "assets/logo.py", "reason": "binary file"},
            {"path": "data/dump.sql", "reason": "larger than 2000000 bytes"},
        ],
        "stats": {"files": 42, "lines": 5310, "seconds": 1.235},
    }


def test_json_key_order_follows_the_contract() -> None:
    text = render_json(RESULT).decode()
    document = orjson.loads(text)
    assert list(document) == ["version", "findings", "errors", "skipped", "stats"]
    assert list(document["findings"][0]) == [
        "rule_id", "path", "language", "start", "end", "role", "kind", "tech", "severity", "message", "entities",
    ]
    assert text.endswith("}\n")


def test_json_of_an_empty_scan() -> None:
    assert orjson.loads(render_json(ScanResult())) == {
        "version": 1, "findings": [], "errors": [], "skipped": [],
        "stats": {"files": 0, "lines": 0, "seconds": 0.0},
    }


@pytest.mark.parametrize("color", [False, True])
def test_formats_table(color: bool) -> None:
    assert set(FORMATS) == {"text", "json", "sarif"}
    assert FORMATS["text"](RESULT, color=color) == render_text(RESULT, color)
    # JSON has no colours: the flag is accepted and ignored
    assert FORMATS["json"](RESULT, color=color) == render_json(RESULT).decode()
