"""Inline `flowscan: ignore` comments in each language's comment syntax."""

from __future__ import annotations

import textwrap

from flowscan.suppress import is_suppressed, suppressed_lines


def table_of(code: str, prefix: str) -> dict[int, frozenset[str] | None]:
    return suppressed_lines(textwrap.dedent(code).lstrip("\n").encode(), prefix)


def test_files_without_the_marker_have_no_suppressions() -> None:
    assert suppressed_lines(b"import psycopg2\nconn = psycopg2.connect(DSN)  # noqa\n", "#") == {}
    assert suppressed_lines(b"", "#") == {}


def test_python_trailing_and_standalone_comments() -> None:
    table = table_of(
        """
        import psycopg2
        import pandas as pd

        conn = psycopg2.connect(DSN)  # flowscan: ignore
        # flowscan: ignore[python.pandas.*, python.dbapi.connect]

        orders = pd.read_sql("select * from orders", conn)
        orders.to_parquet("s3://lake/orders.parquet")  # flowscan: ignore[python.pandas.write-file]
        """,
        "#",
    )
    assert table == {
        4: None,
        5: frozenset({"python.pandas.*", "python.dbapi.connect"}),
        # the standalone comment covers the next non-blank line
        7: frozenset({"python.pandas.*", "python.dbapi.connect"}),
        8: frozenset({"python.pandas.write-file"}),
    }
    assert is_suppressed(4, "python.dbapi.connect", table)
    assert is_suppressed(7, "python.pandas.read-sql", table)
    assert is_suppressed(7, "python.dbapi.connect", table)
    assert not is_suppressed(7, "python.sqlalchemy.engine", table)
    assert is_suppressed(8, "python.pandas.write-file", table)
    assert not is_suppressed(8, "python.s3.put", table)
    assert not is_suppressed(1, "python.dbapi.connect", table)


def test_stacked_comments_and_explanations_above_a_statement_all_apply() -> None:
    table = table_of(
        """
        def load():
            # flowscan: ignore[python.kafka.*]
            # The producer is a test double here; see conftest.
            # flowscan: ignore[python.dbapi.*]
            producer.send("orders", payload)
        """,
        "#",
    )
    assert table[5] == frozenset({"python.kafka.*", "python.dbapi.*"})
    assert is_suppressed(5, "python.kafka.send", table)
    assert is_suppressed(5, "python.dbapi.execute", table)


def test_go_line_and_block_comments() -> None:
    table = table_of(
        """
        func open() (*sql.DB, error) {
            // flowscan: ignore[go.sql.open]
            db, err := sql.Open("postgres", dsn)
            rows, _ := db.Query("select id from orders") /* flowscan: ignore */
            return db, err
        }
        """,
        "//",
    )
    assert table == {2: frozenset({"go.sql.open"}), 3: frozenset({"go.sql.open"}), 4: None}


def test_java_comment_after_code() -> None:
    table = table_of(
        """
        @KafkaListener(topics = "order-events") // flowscan: ignore[java.kafka.listener]
        public void onOrder(String payload) {}
        """,
        "//",
    )
    assert table == {1: frozenset({"java.kafka.listener"})}


def test_sql_double_dash() -> None:
    table = table_of(
        """
        -- flowscan: ignore[sql.table.create]
        CREATE TABLE staging.orders (id int);
        INSERT INTO analytics.order_facts SELECT * FROM staging.orders; -- flowscan: ignore
        """,
        "--",
    )
    assert table == {1: frozenset({"sql.table.create"}), 2: frozenset({"sql.table.create"}), 3: None}


def test_after_another_tool_comment_on_the_same_line() -> None:
    table = table_of('conn = connect(DSN)  # type: ignore[arg-type]  # flowscan: ignore[db.*]\n', "#")
    assert table == {1: frozenset({"db.*"})}


def test_prose_and_other_comment_styles_do_not_suppress() -> None:
    table = table_of(
        """
        # TODO: decide whether flowscan: ignore is right here
        conn = connect(DSN)
        // flowscan: ignore
        log("flowscan: ignore is documented in README")
        # flowscan: ignored
        x = 1
        """,
        "#",
    )
    assert table == {}


def test_no_space_and_empty_brackets() -> None:
    table = table_of("a = 1  #flowscan:ignore\nb = 2  # flowscan: ignore[]\nc = 3  # flowscan: ignore[ a , ,b ]\n", "#")
    assert table == {1: None, 2: None, 3: frozenset({"a", "b"})}


def test_a_bare_ignore_on_the_same_line_as_a_list_wins() -> None:
    table = table_of(
        """
        # flowscan: ignore[python.pandas.*]
        df = pd.read_csv(path)  # flowscan: ignore
        """,
        "#",
    )
    assert table == {1: frozenset({"python.pandas.*"}), 2: None}


def test_crlf_line_endings() -> None:
    source = b"# flowscan: ignore[a]\r\n\r\nconn = connect()\r\nx = 1 # flowscan: ignore\r\n"
    assert suppressed_lines(source, "#") == {1: frozenset({"a"}), 3: frozenset({"a"}), 4: None}


def test_a_standalone_comment_on_the_last_line_covers_only_itself() -> None:
    assert suppressed_lines(b"x = 1\n# flowscan: ignore\n\n", "#") == {2: None}


def test_invalid_utf8_in_a_rule_list_does_not_raise() -> None:
    assert suppressed_lines(b"x = 1  # flowscan: ignore[caf\xe9]\n", "#") == {1: frozenset({"caf\ufffd"})}
