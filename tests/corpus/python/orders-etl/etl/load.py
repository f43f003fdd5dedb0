"""Write the day's results: warehouse tables, a parquet/CSV report pack on S3, an event."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import date
from pathlib import Path

import boto3
import pandas as pd
from kafka import KafkaProducer
from sqlalchemy import create_engine, text

log = logging.getLogger(__name__)

UPSERT_SUMMARY = text(
    """
    INSERT INTO mart.daily_country_revenue (day, country, segment, orders, revenue_eur)
    SELECT :day, country, segment, orders, revenue_eur FROM staging.daily_summary
    ON CONFLICT (day, country, segment) DO UPDATE
        SET orders = EXCLUDED.orders, revenue_eur = EXCLUDED.revenue_eur
    """
)


class WarehouseLoader:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_pre_ping=True, future=True)

    def load_summary(self, summary: pd.DataFrame, day: date) -> None:
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM staging.daily_summary"))
            summary.to_sql("daily_summary", conn, schema="staging", if_exists="append", index=False)
            conn.execute(UPSERT_SUMMARY, {"day": day})
        log.info("loaded %d summary rows for %s", len(summary), day)


def write_report_pack(summary: pd.DataFrame, out_dir: Path, day: date) -> list[Path]:
    day_dir = out_dir / day.isoformat()
    day_dir.mkdir(parents=True, exist_ok=True)
    summary_path = day_dir / "summary.parquet"
    summary.to_parquet(summary_path, index=False)
    with pd.ExcelWriter(day_dir / "summary.xlsx") as writer:
        summary.to_excel(writer, sheet_name="summary", index=False)
    manifest = {"day": day.isoformat(), "files": ["summary.parquet", "summary.xlsx"]}
    with open(day_dir / "manifest.json", "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
    return [summary_path, day_dir / "summary.xlsx", day_dir / "manifest.json"]


def publish_reports(files: list[Path], bucket: str, day: date) -> None:
    s3 = boto3.client("s3", region_name="eu-central-1")
    for path in files:
        key = f"daily/{day.isoformat()}/{path.name}"
        s3.upload_file(str(path), bucket, key)
        log.info("uploaded s3://%s/%s", bucket, key)


def publish_csv_extract(summary: pd.DataFrame, bucket: str, day: date) -> None:
    """Partners pull a flat CSV; it never touches the local disk."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["country", "segment", "revenue_eur"])
    for row in summary.itertuples(index=False):
        writer.writerow([row.country, row.segment, f"{row.revenue_eur:.2f}"])
    boto3.client("s3").put_object(
        Bucket=bucket,
        Key=f"partners/{day.isoformat()}.csv",
        Body=buf.getvalue().encode("utf-8"),
        ContentType="text/csv",
    )


def announce(day: date, brokers: str) -> None:
    producer = KafkaProducer(
        bootstrap_servers=brokers.split(","),
        value_serializer=lambda v: json.dumps(v).encode("utf-8"),
    )
    try:
        producer.send("etl.orders.completed", {"day": day.isoformat(), "status": "ok"})
        producer.flush(timeout=10)
    finally:
        producer.close()
