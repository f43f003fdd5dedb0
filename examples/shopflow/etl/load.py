"""Writing side of the ETL: parquet, S3, the warehouse, an HTTP API and Kafka."""

import json
import logging
import os

import boto3
import requests
from kafka import KafkaProducer
from sqlalchemy import create_engine

log = logging.getLogger("shopflow.etl.load")


def write_parquet(daily, day, out_dir: str = "out") -> str:
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"orders-{day:%Y-%m-%d}.parquet")
    daily.to_parquet(path, index=False)
    return path


def write_parquet_direct(daily) -> None:
    # Needs s3fs; kept for the ad-hoc backfill notebook.
    daily.to_parquet("s3://shopflow-reports/daily/orders.parquet")


def upload_report(local_path: str, bucket: str, day) -> None:
    s3 = boto3.client("s3")
    key = f"daily/{day:%Y/%m/%d}/{os.path.basename(local_path)}"
    s3.upload_file(local_path, bucket, key)
    log.info("uploaded s3://%s/%s", bucket, key)


def write_to_warehouse(daily, dsn: str) -> None:
    engine = create_engine(dsn)
    daily.to_sql("daily_category_revenue", engine, if_exists="append", index=False)


def write_top_customers_csv(top, path: str) -> None:
    with open(path, "w") as fh:
        fh.write("customer_id,email,total_cents\n")
        for row in top.itertuples(index=False):
            fh.write(f"{row.customer_id},{row.email},{row.total_cents}\n")


def post_summary(endpoint: str, summary: dict) -> None:
    resp = requests.post(endpoint, json=summary, timeout=10)
    resp.raise_for_status()


def publish_events(brokers: str, orders) -> int:
    producer = KafkaProducer(
        bootstrap_servers=brokers.split(","),
        value_serializer=lambda v: json.dumps(v, default=str).encode("utf-8"),
    )
    sent = 0
    for record in orders.to_dict(orient="records"):
        producer.send("order-events", key=str(record["id"]).encode(), value=record)
        sent += 1
    producer.flush()
    producer.close()
    return sent
