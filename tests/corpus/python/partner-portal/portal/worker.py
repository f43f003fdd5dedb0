"""Feed worker: takes uploaded partner feeds off RabbitMQ and loads them into the legacy ERP."""

from __future__ import annotations

import csv
import io
import json
import logging
import os

import pika
import pymysql
from azure.storage.blob import ContainerClient

log = logging.getLogger("feed-worker")

INSERT_OFFER = (
    "INSERT INTO erp_partner_offers (partner_code, sku, price, stock) VALUES (%s, %s, %s, %s) "
    "ON DUPLICATE KEY UPDATE price = VALUES(price), stock = VALUES(stock)"
)


def parse_feed(text: str, partner_code: str) -> list[tuple]:
    rows = []
    for line in csv.DictReader(io.StringIO(text)):
        try:
            rows.append((partner_code, line["sku"].strip(), float(line["price"]), int(line.get("stock") or 0)))
        except (KeyError, ValueError):
            log.warning("skipping bad line in %s feed: %r", partner_code, line)
    return rows


class FeedWorker:
    def __init__(self) -> None:
        self.container = ContainerClient.from_connection_string(
            os.environ["AZURE_STORAGE_CONNECTION_STRING"], container_name="partner-feeds"
        )
        self.erp = pymysql.connect(
            host=os.environ["ERP_DB_HOST"],
            user=os.environ["ERP_DB_USER"],
            password=os.environ["ERP_DB_PASSWORD"],
            database="erp",
            autocommit=False,
        )

    def handle(self, channel, method, properties, body: bytes) -> None:
        message = json.loads(body)
        blob_name = message["blob"]
        text = self.container.download_blob(blob_name).readall().decode("utf-8")
        rows = parse_feed(text, partner_code=blob_name.split("/", 1)[0])
        try:
            with self.erp.cursor() as cur:
                cur.executemany(INSERT_OFFER, rows)
            self.erp.commit()
        except pymysql.MySQLError:
            self.erp.rollback()
            channel.basic_nack(delivery_tag=method.delivery_tag, requeue=False)
            raise
        channel.basic_ack(delivery_tag=method.delivery_tag)
        log.info("loaded %d offers from %s", len(rows), blob_name)


def main() -> None:
    worker = FeedWorker()
    connection = pika.BlockingConnection(pika.URLParameters(os.environ["RABBITMQ_URL"]))
    channel = connection.channel()
    channel.queue_declare(queue="feed-uploads", durable=True)
    channel.basic_qos(prefetch_count=1)
    channel.basic_consume(queue="feed-uploads", on_message_callback=worker.handle)
    channel.start_consuming()
