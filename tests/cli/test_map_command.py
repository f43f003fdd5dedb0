"""`flowscan map`: services in different languages meet at the datasets they share."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

GO_PRODUCER = '''package ingest

import (
	"context"

	"github.com/segmentio/kafka-go"
)

func NewPublisher() *kafka.Writer {
	return &kafka.Writer{
		Addr:  kafka.TCP("kafka:9092"),
		Topic: "orders",
	}
}

func Publish(ctx context.Context, w *kafka.Writer, payload []byte) error {
	return w.WriteMessages(ctx, kafka.Message{Value: payload})
}
'''

JAVA_CONSUMER = '''package shop.billing;

import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

@Component
public class OrderListener {
    @KafkaListener(topics = "orders", groupId = "billing")
    public void onOrder(String payload) {
        handle(payload);
    }
}
'''

PYTHON_JOB = '''import pandas as pd


def load_daily(engine):
    frame = pd.read_csv("exports/daily.csv")
    frame.to_sql("daily_sales", engine, if_exists="append")
'''

SQL_MODEL = '''select region, sum(amount) as revenue
from public.daily_sales
group by region
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("shop")
    files = {
        "ingest/publisher.go": GO_PRODUCER,
        "billing/src/OrderListener.java": JAVA_CONSUMER,
        "jobs/load_daily.py": PYTHON_JOB,
        "models/revenue_by_region.sql": SQL_MODEL,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def flowscan_map(project: Path, fmt: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flowscan", "map", ".", "--format", fmt],
        cwd=project, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_json_map_joins_services_through_shared_datasets(project: Path) -> None:
    graph = orjson.loads(flowscan_map(project, "json"))
    assert graph["version"] == 1
    nodes = {n["id"]: n for n in graph["nodes"]}
    edges = {(e["source"], e["target"], e["access"]) for e in graph["edges"]}
    go = "code:ingest/publisher.go#NewPublisher"
    java = "code:billing/src/OrderListener.java#OrderListener.onOrder"
    assert (go, "topic:orders", "write") in edges
    assert ("topic:orders", java, "read") in edges
    # a table written by Python and read by an SQL model, `public.` being the default schema
    assert ("code:jobs/load_daily.py#load_daily", "table:daily_sales", "write") in edges
    assert ("table:daily_sales", "code:models/revenue_by_region.sql#revenue_by_region", "read") in edges
    assert nodes["topic:orders"] == {"id": "topic:orders", "type": "dataset", "name": "orders", "kind": "stream"}
    assert nodes[java]["path"] == "billing/src/OrderListener.java" and nodes[java]["line"] == 8
    [edge] = [e for e in graph["edges"] if e["target"] == "topic:orders"]
    assert edge["evidence"] == [{"rule_id": edge["evidence"][0]["rule_id"], "path": "ingest/publisher.go", "line": 10}]


def test_mermaid_and_dot_show_the_same_graph(project: Path) -> None:
    mermaid = flowscan_map(project, "mermaid")
    assert mermaid.startswith("flowchart LR\n")
    assert '[("orders")]' in mermaid and '["OrderListener.onOrder<br/><small>OrderListener.java</small>"]' in mermaid
    ids = {line.split("[", 1)[0].strip(): line for line in mermaid.splitlines()[1:] if "[" in line}
    topic = next(i for i, line in ids.items() if '("orders")' in line)
    listener = next(i for i, line in ids.items() if "OrderListener.onOrder" in line)
    assert f"    {topic} -->|read| {listener}" in mermaid
    dot = flowscan_map(project, "dot")
    assert dot.startswith("digraph flowscan {")
    assert '"topic:orders" -> "code:billing/src/OrderListener.java#OrderListener.onOrder" [label="read"];' in dot
