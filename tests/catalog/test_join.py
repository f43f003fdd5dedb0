"""The catalog joins the data-flow map: one node per dataset, with its columns and every edge."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from flowscan.catalog.join import join_catalog, route_key
from flowscan.catalog.model import Catalog, Field, Item, Origin, Relationship
from flowscan.flowgraph import Edge, Evidence, FlowGraph, Node
from flowscan.output.graph import render_dot, render_mermaid, to_map_document

ORDERS = Item("table", "public.orders", (Origin("ddl", "db/V1__init.sql", 1), Origin("ddl", "db/V3__notes.sql", 2)),
              (Field("id", "bigint", False, primary_key=True, line=2),
               Field("customer_id", "bigint", False, references="customers.id", line=3)),
              facts=(("size_bytes", "1200000"),))
CUSTOMERS = Item("table", "customers", (Origin("ddl", "db/V1__init.sql", 8),), (Field("id", "bigint", False, primary_key=True),))
GET_ORDER = Item("operation", "GET /v1/orders/{orderId}", (Origin("openapi", "api/openapi.yaml", 14),),
                 (Field("path.orderId", "string", False),), facts=(("method", "GET"), ("path", "/orders/{orderId}"), ("base_path", "/v1")))
FK = Relationship("table:orders", "table:customers", "foreign_key", Origin("ddl", "db/V1__init.sql", 3), "customer_id → customers.id")


def _graph() -> FlowGraph:
    writer = Node("code:ingest/store.go#Save", "code", "Save", "function", "ingest/store.go", 10)
    reader = Node("code:etl/job.py#load", "code", "load", "function", "etl/job.py", 5)
    route = Node("url:/orders/<order_id>", "dataset", "/orders/<order_id>", "api")
    client = Node("url:https://shop.example/v1/orders/42", "dataset", "https://shop.example/v1/orders/42", "api")
    orders = Node("table:orders", "dataset", "orders", "database")
    return FlowGraph(
        (writer, reader, orders, route, client),
        (Edge(writer.id, orders.id, "write", (Evidence("go.sql.exec", "ingest/store.go", 12),)),
         Edge(orders.id, reader.id, "read", (Evidence("python.pandas.read-sql", "etl/job.py", 6),))),
    )


def test_a_declared_table_written_by_one_service_and_read_by_another_is_one_node_with_its_columns_and_both_edges() -> None:
    joined = join_catalog(_graph(), Catalog((ORDERS, CUSTOMERS, GET_ORDER), (FK,)))

    orders = [n for n in joined.nodes if n.id == "table:orders"]
    assert len(orders) == 1
    assert orders[0].catalog == (ORDERS,)
    assert {(e.source, e.target) for e in joined.edges if "table:orders" in (e.source, e.target)} == {
        ("code:ingest/store.go#Save", "table:orders"), ("table:orders", "code:etl/job.py#load")}
    # a table only the catalog knows is still on the map, with the key that points at it
    customers = joined.node("table:customers")
    assert customers is not None and customers.path == "db/V1__init.sql" and customers.line == 8
    assert joined.relationships == (FK,)


def test_operations_meet_the_routes_that_serve_them_and_the_urls_that_call_them() -> None:
    joined = join_catalog(_graph(), Catalog((GET_ORDER,)))
    assert joined.node("url:/orders/<order_id>").catalog == (GET_ORDER,)
    assert joined.node("url:https://shop.example/v1/orders/42").catalog == (GET_ORDER,)
    assert joined.node("url:/v1/orders/{orderId}") is None  # operations are not datasets of their own


def test_route_keys_ignore_parameter_spelling() -> None:
    assert {route_key(p) for p in ("/orders/{orderId}", "/orders/<int:id>/", "/orders/:id", "/orders/{id:[0-9]+}")} == {"/orders/{}"}
    assert route_key("/") == "/"


def test_schemas_travel_with_the_topics_they_describe() -> None:
    topic = Node("topic:order-events", "dataset", "order-events", "stream")
    schema = Item("schema", "shop.events.OrderCreated", (Origin("avro", "schemas/order-events-value.avsc", 1),),
                  (Field("order_id", "long", False),))
    graph = FlowGraph((topic,), ())
    joined = join_catalog(graph, Catalog((schema,), (Relationship(schema.id, "topic:order-events", "schema_of",
                                                                    Origin("avro", "schemas/order-events-value.avsc", 1)),)))
    assert joined.node("topic:order-events").catalog == (schema,)


def test_map_outputs_show_what_the_catalog_adds() -> None:
    joined = join_catalog(_graph(), Catalog((ORDERS, CUSTOMERS, GET_ORDER), (FK,)))
    document = orjson.loads(orjson.dumps(to_map_document(joined)))
    orders = next(n for n in document["nodes"] if n["id"] == "table:orders")
    assert [f["name"] for f in orders["catalog"][0]["fields"]] == ["id", "customer_id"]
    assert document["relationships"][0]["kind"] == "foreign_key"
    mermaid = render_mermaid(joined)
    assert "orders<br/><small>2 columns · 1.2 MB</small>" in mermaid
    assert "-.->|references|" in mermaid
    assert 'style=dashed' in render_dot(joined)


def test_map_command_joins_a_saved_live_catalog(tmp_path: Path) -> None:
    (tmp_path / "job.py").write_text(
        "import pandas as pd\n\n\ndef load(engine):\n    return pd.read_sql('select id, total from orders', engine)\n")
    from flowscan.catalog.serialize import catalog_to_data

    (tmp_path / "live.json").write_bytes(orjson.dumps(catalog_to_data(Catalog((ORDERS,)))))
    done = subprocess.run([sys.executable, "-m", "flowscan", "map", "job.py", "--catalog", "live.json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    nodes = {n["id"]: n for n in orjson.loads(done.stdout)["nodes"]}
    assert nodes["table:orders"]["catalog"][0]["facts"] == {"size_bytes": "1200000"}
    assert [e["target"] for e in orjson.loads(done.stdout)["edges"]] == ["code:job.py#load"]
