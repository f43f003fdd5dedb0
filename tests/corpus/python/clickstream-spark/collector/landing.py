"""Land raw click events from Kafka as gzipped JSON lines in the landing bucket.

Offsets are committed to Kafka only after a file is safely in GCS; the local SQLite
ledger remembers which files were uploaded so a restart does not upload twice.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import time
from pathlib import Path

from confluent_kafka import Consumer, KafkaException
from flask import Flask, jsonify
from google.cloud import storage

BATCH_SIZE = 50_000
FLUSH_SECONDS = 300

probe = Flask("landing-probe")
_state = {"buffered": 0, "last_upload": None}


@probe.route("/healthz")
def healthz():
    return jsonify(status="ok", buffered=_state["buffered"], last_upload=_state["last_upload"])


class Ledger:
    def __init__(self, path: str = "var/landing-ledger.db") -> None:
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS uploads (name TEXT PRIMARY KEY, events INTEGER, uploaded_at REAL)"
        )

    def seen(self, name: str) -> bool:
        cur = self.db.execute("SELECT 1 FROM uploads WHERE name = ?", (name,))
        return cur.fetchone() is not None

    def record(self, name: str, events: int) -> None:
        with self.db:
            self.db.execute("INSERT INTO uploads (name, events, uploaded_at) VALUES (?, ?, ?)", (name, events, time.time()))


def write_batch(events: list[dict], spool: Path) -> Path:
    spool.mkdir(parents=True, exist_ok=True)
    path = spool / f"clicks-{int(time.time() * 1000)}.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for event in events:
            out.write(json.dumps(event, separators=(",", ":")) + "\n")
    return path


def run() -> None:
    consumer = Consumer(
        {
            "bootstrap.servers": os.environ["KAFKA_BOOTSTRAP_SERVERS"],
            "group.id": "clicks-landing",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe(["clicks.raw"])
    bucket = storage.Client().bucket(os.environ.get("LANDING_BUCKET", "acme-clicks-landing"))
    ledger = Ledger()
    spool = Path("var/spool")
    batch: list[dict] = []
    started = time.monotonic()
    try:
        while True:
            msg = consumer.poll(1.0)
            if msg is not None:
                if msg.error():
                    raise KafkaException(msg.error())
                batch.append(json.loads(msg.value()))
                _state["buffered"] = len(batch)
            if len(batch) >= BATCH_SIZE or (batch and time.monotonic() - started > FLUSH_SECONDS):
                path = write_batch(batch, spool)
                if not ledger.seen(path.name):
                    day = time.strftime("%Y-%m-%d", time.gmtime())
                    bucket.blob(f"web/dt={day}/{path.name}").upload_from_filename(str(path))
                    ledger.record(path.name, len(batch))
                    _state["last_upload"] = path.name
                consumer.commit(asynchronous=False)
                path.unlink()
                batch, started = [], time.monotonic()
    finally:
        consumer.close()
