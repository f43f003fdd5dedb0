"""A live database's catalog joins the map and the report: datasets carry the real columns and sizes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import orjson
from introspect_cli import flowscan

JOB = textwrap.dedent('''
    import pandas as pd


    def nightly(engine):
        orders = pd.read_sql("select id, customer_id, total from orders", engine)
        orders["total"] = orders["total"].fillna(0)
        orders.to_sql("order_totals", engine, if_exists="append", index=False)
''')

LOAD = textwrap.dedent('''
    def archive(cursor):
        cursor.execute("insert into orders (id, customer_id, total, channel) select id, customer_id, total, 'web' from staging")
''')


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "job.py").write_text(JOB)
    (project / "load.py").write_text(LOAD)
    return project


def test_map_with_a_postgres_dsn_gives_the_table_its_real_columns_and_size(postgres_server, tmp_path: Path) -> None:
    project = _project(tmp_path)
    ran = flowscan("map", str(project), "--catalog", postgres_server.dsn())
    assert ran.code == 0, ran.stderr
    nodes = {n["id"]: n for n in orjson.loads(ran.stdout)["nodes"]}
    (live,) = [item for item in nodes["table:orders"]["catalog"] if item["origins"][0]["source"] == "postgresql"]
    assert [f["name"] for f in live["fields"]] == ["id", "customer_id", "status", "total", "placed_at"]
    assert int(live["facts"]["size_bytes"]) > 0
    assert postgres_server.reader_password not in ran.stdout


def test_the_design_document_takes_its_schemas_from_the_live_database(postgres_server, tmp_path: Path) -> None:
    project = _project(tmp_path)
    out = tmp_path / "report"
    ran = flowscan("report", str(project), "-o", str(out), "--catalog", postgres_server.dsn())
    assert ran.code == 0, ran.stderr
    design = (out / "pipeline-design.md").read_text()
    assert "### Dataset schemas" in design
    assert "| `customer_id` | bigint | no |  | `customers.id` |" in design
    # the load writes a column the live table does not have
    assert "**not columns of `orders`** per postgresql://flowscan_reader:***@127.0.0.1" in design
    assert "`channel`" in design
    assert postgres_server.reader_password not in design
