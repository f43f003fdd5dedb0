"""Building a catalog: readers get the files they claim, items merge by id, nothing is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from flowscan.catalog.build import build_catalog, combine, merge
from flowscan.catalog.model import Catalog, Field, Index, Item, Origin, Part, Relationship
from flowscan.catalog.readers import Reader
from flowscan.catalog.serialize import catalog_from_data, catalog_to_data
from flowscan.config import Config


def _orders(source: str, path: str, *fields: Field, facts=()) -> Item:
    return Item("table", "public.Orders", (Origin(source, path, 3),), fields, facts=facts)


def test_items_with_one_id_merge_fields_facts_and_origins_in_order() -> None:
    from_migration = _orders("ddl", "db/V1__init.sql", Field("id", "bigint", False, primary_key=True, line=4),
                             Field("total", "numeric(10,2)", line=5))
    from_model = Item("table", "orders", (Origin("sqlalchemy", "app/models.py", 12),),
                      (Field("ID", "integer"), Field("total", None, nullable=False, default="0"), Field("note", "text", True)),
                      (Index("ix_orders_total", ("total",)),))
    live = Item("table", '"orders"', (Origin("postgresql", "postgresql://app:***@db/shop"),), facts=(("size_bytes", "8192"),))

    catalog = merge([Part((from_migration,)), Part((from_model,)), Part((live,))])

    (orders,) = catalog.items
    assert orders.id == "table:orders"
    assert [o.source for o in orders.origins] == ["ddl", "sqlalchemy", "postgresql"]
    assert [f.name for f in orders.fields] == ["id", "total", "note"]
    # the first source that knows an attribute wins; later ones fill what it left open
    assert orders.fields[0].type == "bigint" and orders.fields[0].primary_key
    assert orders.fields[1] == Field("total", "numeric(10,2)", False, "0", line=5)
    assert orders.indexes == (Index("ix_orders_total", ("total",)),)
    assert orders.fact("size_bytes") == "8192"


def test_each_reader_gets_the_files_it_claims_sorted_and_a_failing_reader_costs_only_its_own_files(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    for name in ("V2__b.sql", "V1__a.sql"):
        (tmp_path / "db" / name).write_text("-- sql\n")
    (tmp_path / "notes.md").write_text("hello\n")
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "V3__c.sql").write_text("-- never seen\n")
    seen: list[list[str]] = []

    def read_sql(files):
        seen.append([f.name for f in files])
        return Part((Item("table", "t", (Origin("test", files[0].display_path),)),))

    def explode(files):
        raise RuntimeError("bug in a reader")

    readers = (Reader("sql", lambda f: f.name.endswith(".sql"), read_sql), Reader("md", lambda f: f.name.endswith(".md"), explode))
    catalog = build_catalog([tmp_path], Config(path=tmp_path / "flowscan.toml"), readers)

    assert seen == [["V1__a.sql", "V2__b.sql"]]
    assert [i.id for i in catalog.items] == ["table:t"]
    (problem,) = catalog.problems
    assert problem.path.endswith("notes.md") and "md reader failed on 1 files" in problem.message
    assert catalog.files == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.sql").write_text("create table a (id int);")
    locked.chmod(0)
    try:
        catalog = build_catalog([tmp_path], Config(path=tmp_path / "flowscan.toml"), ())
    finally:
        locked.chmod(0o755)
    assert any("permission denied" in p.message for p in catalog.problems)


def test_the_json_contract_round_trips() -> None:
    catalog = Catalog(
        (_orders("ddl", "db/V1__init.sql", Field("id", "bigint", False, primary_key=True),
                 Field("customer_id", "bigint", references="customers.id"), facts=(("engine", "InnoDB"),)),),
        (Relationship("table:orders", "table:customers", "foreign_key", Origin("ddl", "db/V1__init.sql", 6),
                      "customer_id → customers.id"),),
    )
    data = orjson.loads(orjson.dumps(catalog_to_data(catalog)))
    assert data["items"][0]["id"] == "table:orders"
    assert data["items"][0]["facts"] == {"engine": "InnoDB"}
    assert catalog_from_data(data) == Catalog(catalog.items, catalog.relationships)


@pytest.mark.parametrize(
    ("data", "message"),
    [({"version": 2}, 'expected an object with "version": 1'),
     ({"version": 1, "items": [{"type": "table"}]}, "required field missing @ $.name")],
)
def test_a_catalog_that_is_not_ours_is_refused_in_words(data, message) -> None:
    with pytest.raises(ValueError, match=message.replace("$", r"\$")):
        catalog_from_data(data)


def test_combine_sums_files_and_merges_items() -> None:
    one = Catalog((_orders("ddl", "a.sql"),), files=2)
    two = Catalog((_orders("jpa", "A.java"),), files=3)
    combined = combine([one, two])
    assert combined.files == 5 and len(combined.items) == 1 and len(combined.items[0].origins) == 2


def _flowscan(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flowscan", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_catalog_command_reports_a_bad_saved_catalog_with_its_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "saved.json").write_text('{"version": 1,\n  "items": [}\n')
    done = _flowscan("catalog", ".", "--catalog", "saved.json", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("flowscan: saved.json:2:")
    assert "Traceback" not in done.stderr


def test_catalog_command_merges_a_saved_catalog_into_the_repository_s(tmp_path: Path) -> None:
    saved = Catalog((Item("table", "orders", (Origin("postgresql", "postgresql://app:***@db/shop"),),
                          (Field("id", "bigint", False, primary_key=True),), facts=(("size_bytes", "16384"),)),))
    (tmp_path / "live.json").write_bytes(orjson.dumps(catalog_to_data(saved)))
    (tmp_path / "src").mkdir()
    for fmt in ("text", "json", "markdown"):
        done = _flowscan("catalog", "src", "--catalog", "live.json", "--format", fmt, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "orders" in done.stdout and "16384" in done.stdout
    data = orjson.loads(_flowscan("catalog", "src", "--catalog", "live.json", "--format", "json", cwd=tmp_path).stdout)
    assert data["items"][0]["fields"] == [{"name": "id", "type": "bigint", "nullable": False, "primary_key": True}]


def test_introspect_needs_exactly_one_dsn(tmp_path: Path) -> None:
    done = _flowscan("introspect", cwd=tmp_path)
    assert done.returncode == 2 and "give a DSN or --from-env VAR" in done.stderr
    done = _flowscan("introspect", "--from-env", "FLOWSCAN_TEST_UNSET_DSN", cwd=tmp_path)
    assert done.returncode == 2 and "FLOWSCAN_TEST_UNSET_DSN is not set" in done.stderr


def test_a_sqlite_file_given_as_catalog_is_introspected_read_only(tmp_path: Path) -> None:
    import sqlite3

    database = tmp_path / "shop.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total NUMERIC NOT NULL)")
    before = database.read_bytes()
    (tmp_path / "src").mkdir()
    data = orjson.loads(_flowscan("catalog", "src", "--catalog", "shop.db", "--format", "json", cwd=tmp_path).stdout)
    (orders,) = data["items"]
    assert orders["id"] == "table:orders" and [f["name"] for f in orders["fields"]] == ["id", "total"]
    assert database.read_bytes() == before


def test_a_dsn_given_as_catalog_is_introspected_and_its_errors_are_words(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    done = _flowscan("catalog", "src", "--catalog", "mongodb+srv://app:hunter2@cluster0.example/shop", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "flowscan: MongoDB introspection is not supported yet\n"
    done = _flowscan("catalog", "src", "--catalog", "postgresql://app:hunter2@127.0.0.1:1/shop", cwd=tmp_path)
    assert done.returncode == 2 and "hunter2" not in done.stderr and "Traceback" not in done.stderr
