"""Entities named through env vars and config keys resolve to what the repository sets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

PRODUCER = '''import os

from kafka import KafkaProducer


def publish(rows):
    producer = KafkaProducer(bootstrap_servers=os.environ["KAFKA_BROKERS"])
    for row in rows:
        producer.send(os.environ["ORDERS_TOPIC"], value=row)
'''

CONSUMER = '''package shop.billing;

import org.springframework.kafka.annotation.KafkaListener;

public class OrderListener {
    @KafkaListener(topics = "${billing.orders-topic}", groupId = "billing")
    public void onOrder(String payload) {
        handle(payload);
    }
}
'''

COMPOSE = '''services:
  ingest:
    image: shop/ingest
    environment:
      ORDERS_TOPIC: orders.v1
      KAFKA_BROKERS: kafka:9092
  kafka:
    image: bitnami/kafka
'''


def test_env_vars_and_spring_placeholders_join_through_their_values(tmp_path: Path) -> None:
    (tmp_path / "ingest").mkdir()
    (tmp_path / "ingest" / "publish.py").write_text(PRODUCER)
    (tmp_path / "billing" / "src" / "main" / "resources").mkdir(parents=True)
    (tmp_path / "billing" / "src" / "OrderListener.java").write_text(CONSUMER)
    (tmp_path / "billing" / "src" / "main" / "resources" / "application.properties").write_text(
        "spring.kafka.bootstrap-servers=kafka:9092\nbilling.orders-topic=orders.v1\n"
    )
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    done = subprocess.run(
        [sys.executable, "-m", "flowscan", "map", ".", "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    graph = orjson.loads(done.stdout)
    edges = {(e["source"], e["target"], e["access"]) for e in graph["edges"]}
    assert ("code:ingest/publish.py#publish", "topic:orders.v1", "write") in edges
    assert ("topic:orders.v1", "code:billing/src/OrderListener.java#OrderListener.onOrder", "read") in edges
