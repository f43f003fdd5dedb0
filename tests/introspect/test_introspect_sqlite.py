"""SQLite: a small app database file, read without a single byte of it changing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import orjson
import pytest
from flowscan.catalog.model import Field, Index
from flowscan.catalog.serialize import catalog_from_data
from flowscan.introspect import IntrospectionError, introspect, sqlite
from introspect_cli import assert_refused, flowscan, flowscan_each

SCHEMA = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    plan VARCHAR(20) NOT NULL DEFAULT 'free',
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    total NUMERIC(10, 2),
    note
);
CREATE INDEX orders_by_customer ON orders (customer_id, id);
CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders WHERE total > 100;
CREATE TABLE promotions (code TEXT PRIMARY KEY);
CREATE VIEW promotion_codes AS SELECT code FROM promotions;
DROP TABLE promotions;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
    INSERT INTO customers (email) SELECT 'customer' || i || '@example.com' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
    INSERT INTO orders (customer_id, total) SELECT 1 + i % 300, i * 0.5 FROM n;
ANALYZE;
"""


@pytest.fixture
def app_db(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.close()
    return path


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir())}


def test_tables_views_keys_and_counts(app_db: Path) -> None:
    catalog = introspect(str(app_db))
    assert sorted((i.type, i.name) for i in catalog.items) == [
        ("table", "customers"), ("table", "orders"), ("view", "big_orders")]
    customers = catalog.item("table:customers")
    assert customers is not None
    assert customers.fields == (
        Field("id", "INTEGER", nullable=True, primary_key=True),
        Field("email", "TEXT", nullable=False, unique=True),
        Field("plan", "VARCHAR(20)", nullable=False, default="'free'"),
        Field("created_at", "DATETIME", nullable=True, default="CURRENT_TIMESTAMP"),
    )
    assert customers.fact("rows") == "300"
    assert int(customers.fact("size_bytes") or 0) >= 4096
    orders = catalog.item("table:orders")
    assert orders is not None
    assert [(f.name, f.type, f.references) for f in orders.fields] == [
        ("id", "INTEGER", None), ("customer_id", "INTEGER", "customers.id"), ("total", "NUMERIC(10, 2)", None),
        ("note", None, None)]
    assert orders.indexes == (Index("orders_by_customer", ("customer_id", "id")),)
    assert orders.fact("rows") == "1000"
    assert [(r.source, r.target, r.kind, r.label) for r in catalog.relationships] == [
        ("table:orders", "table:customers", "foreign_key", "customer_id → id")]
    assert {o.source for i in catalog.items for o in i.origins} == {"sqlite"}
    assert [p.message for p in catalog.problems] == [
        "cannot read view main.promotion_codes: no such table: main.promotions"]


def test_the_file_is_left_exactly_as_it_was(app_db: Path) -> None:
    before = snapshot(app_db.parent)
    ran = flowscan("introspect", str(app_db), "--format", "json")
    assert ran.code == 0, ran.stderr
    introspect(f"sqlite:///{app_db}")
    assert snapshot(app_db.parent) == before  # same bytes, same mtime, no -journal left beside it
    names = [i["name"] for i in orjson.loads(ran.stdout)["items"]]
    assert names == ["customers", "orders", "big_orders"]
    assert catalog_from_data(orjson.loads(ran.stdout)).item("table:orders") is not None


def test_a_wal_database_gets_no_wal_files(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL)")
    connection.execute("INSERT INTO events (kind) VALUES ('signup'), ('login')")
    connection.commit()
    connection.close()
    before = snapshot(tmp_path)
    assert list(before) == ["events.sqlite3"]
    catalog = introspect(str(path))
    events = catalog.item("table:events")
    assert events is not None and events.fact("rows") == "2"
    assert snapshot(tmp_path) == before


def test_a_wal_database_in_use_is_read_with_what_is_not_yet_checkpointed(tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY)")
    writer.execute("INSERT INTO jobs VALUES (1), (2), (3)")
    writer.commit()
    try:
        jobs = introspect(str(path)).item("table:jobs")
        assert jobs is not None and jobs.fact("rows") == "3"
    finally:
        writer.close()


def test_writes_are_refused(app_db: Path) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with sqlite.connect(app_db, 5.0) as connection:
        with pytest.raises(DBAPIError, match="readonly|read-only|query_only"):
            connection.execute(text("INSERT INTO customers (email) VALUES ('mallory@example.com')"))
        with pytest.raises(DBAPIError, match="readonly|read-only|query_only"):
            connection.execute(text("PRAGMA query_only = OFF")).close()
            connection.execute(text("CREATE TABLE intruder (id INTEGER)"))


def test_large_tables_are_counted_up_to_a_bound(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite, "COUNT_LIMIT", 500)
    catalog = introspect(str(app_db))
    orders = catalog.item("table:orders")
    assert orders is not None
    assert (orders.fact("rows"), orders.fact("rows_at_least"), orders.fact("row_estimate")) == (None, "500", "1000")
    customers = catalog.item("table:customers")
    assert customers is not None and customers.fact("rows") == "300"


def test_a_statement_past_the_deadline_is_stopped(app_db: Path) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    deadline = sqlite.Deadline(0.0)  # already passed
    with sqlite.connect(app_db, 5.0, deadline) as connection, pytest.raises(DBAPIError, match="interrupted"):
        connection.execute(text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                                "SELECT count(*) FROM n")).scalar()


def test_missing_and_foreign_files_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "junk.db").write_bytes(b"this is a text file, not a database\n" * 40)
    runs = flowscan_each([
        ["introspect", str(tmp_path / "missing.db")],
        ["introspect", f"sqlite:///{tmp_path}/missing.sqlite"],
        ["introspect", str(tmp_path / "junk.db")],
    ])
    assert_refused(runs[0], f"no SQLite database at {tmp_path}/missing.db: the file does not exist")
    assert_refused(runs[1], f"no SQLite database at {tmp_path}/missing.sqlite: the file does not exist")
    assert_refused(runs[2], f"{tmp_path}/junk.db is not a SQLite database")
    assert sorted(os.listdir(tmp_path)) == ["junk.db"]


def test_an_unreadable_file_is_refused_in_words(app_db: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    app_db.chmod(0)
    try:
        with pytest.raises(IntrospectionError, match="cannot open the SQLite database"):
            introspect(str(app_db))
    finally:
        app_db.chmod(0o644)
