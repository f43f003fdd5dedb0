"""The bundled example end to end: its catalog joins its data-flow map and its report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _flowscan(*args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run([sys.executable, "-m", "flowscan", *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def example_map() -> dict:
    return orjson.loads(_flowscan("map", "examples", "--format", "json"))


def test_a_table_the_schema_declares_written_by_go_and_read_by_python_is_one_node_with_its_columns(example_map) -> None:
    orders = [n for n in example_map["nodes"] if n["id"] == "table:orders"]
    assert len(orders) == 1
    (declared,) = [c for c in orders[0]["catalog"] if c["type"] == "table"]
    assert [f["name"] for f in declared["fields"]][:3] == ["id", "customer_id", "status"]
    assert declared["origins"][0] == {"source": "ddl", "path": "examples/shopflow/models/schema.sql", "line": 10}
    writers = {e["source"] for e in example_map["edges"] if e["target"] == "table:orders" and e["access"] == "write"}
    readers = {e["target"] for e in example_map["edges"] if e["source"] == "table:orders"}
    assert "code:examples/shopflow/ingest-go/store.go#InsertOrder" in writers
    assert "code:examples/shopflow/etl/job.py#run" in readers
    assert {"source": "table:orders", "target": "table:customers", "kind": "foreign_key"}.items() <= next(
        r for r in example_map["relationships"] if r["source"] == "table:orders").items()


def test_the_topic_carries_its_registry_schema_and_the_route_its_spec_operation(example_map) -> None:
    nodes = {n["id"]: n for n in example_map["nodes"]}
    topic_items = {c["id"] for c in nodes["topic:order-events"]["catalog"]}
    assert "schema:com.shopflow.events.OrderPlaced" in topic_items
    route_items = [c["name"] for c in nodes["url:/invoices/{id}"]["catalog"]]
    assert route_items == ["GET /invoices/{id}"]


def test_the_design_document_shows_the_columns_of_the_datasets_a_pipeline_touches(tmp_path: Path) -> None:
    _flowscan("report", str(ROOT / "examples"), "-o", str(tmp_path / "report"))
    design = (tmp_path / "report" / "pipeline-design.md").read_text()
    assert "### Dataset schemas" in design
    assert "| `total_cents` | BIGINT | no |" in design


def test_every_item_and_relationship_uses_the_contract_s_vocabulary() -> None:
    from flowscan.catalog.model import ITEM_TYPES, RELATIONSHIP_KINDS

    data = orjson.loads(_flowscan("catalog", "examples", "tests/catalog/fixtures", "--format", "json"))
    assert {item["type"] for item in data["items"]} <= set(ITEM_TYPES)
    assert {r["kind"] for r in data["relationships"]} <= set(RELATIONSHIP_KINDS)
    assert len({r["kind"] for r in data["relationships"]}) >= 4


def test_no_secret_of_the_example_reaches_the_catalog() -> None:
    for fmt in ("text", "json", "markdown"):
        out = _flowscan("catalog", "examples", "--format", fmt)
        assert "local-only-password" not in out and "s3cret" not in out
        assert "order-events" in out
