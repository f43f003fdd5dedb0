"""Nightly shopflow ETL: orders from Postgres + product catalogue CSV -> daily reports.

Run with ``python -m etl.job --date 2024-05-01`` from ``examples/shopflow``.
"""

import argparse
import datetime as dt
import json
import logging
import os

from etl import extract, load, transform

logging.basicConfig(
    filename="etl.log",
    level=logging.INFO,
    format="%(asctime)s %(levelname)s %(name)s %(message)s",
)
log = logging.getLogger("shopflow.etl")

# The default is only for local docker-compose; production sets DATABASE_URL.
DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://etl:s3cret@db:5432/shop")


def load_config(path: str = "etl/config.json") -> dict:
    with open(path) as fh:
        config = json.load(fh)
    config.setdefault("report_bucket", "shopflow-reports")
    config.setdefault("min_order_total", 0)
    return config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="shopflow daily orders ETL")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--config", default="etl/config.json")
    parser.add_argument("--dry-run", action="store_true")
    return parser.parse_args()


def run(day: dt.date, config: dict, dry_run: bool = False) -> dict:
    log.info("starting run for %s", day)
    conn = extract.connect(DATABASE_URL)
    try:
        orders = extract.fetch_orders(conn, day)
        items = extract.fetch_order_items(conn, day)
    finally:
        conn.close()
    products = extract.read_products(config.get("products_csv", "data/products.csv"))

    lines = transform.enrich_items(items, products)
    lines = transform.drop_invalid(lines, config["min_order_total"])
    daily = transform.revenue_by_category(lines)
    top = transform.top_customers(orders, limit=config.get("top_customers", 10))
    summary = transform.summarise(orders, daily, day)

    if dry_run:
        log.info("dry run, summary: %s", summary)
        return summary

    local_path = load.write_parquet(daily, day, config.get("out_dir", "out"))
    load.upload_report(local_path, config["report_bucket"], day)
    load.write_to_warehouse(daily, DATABASE_URL)
    load.write_top_customers_csv(top, os.path.join(config.get("out_dir", "out"), "top.csv"))
    load.post_summary(config["summary_endpoint"], summary)
    load.publish_events(config.get("kafka_brokers", "kafka:9092"), orders)
    log.info("finished run for %s", day)
    return summary


def main() -> None:
    args = parse_args()
    config = load_config(args.config)
    run(args.date, config, dry_run=args.dry_run)


if __name__ == "__main__":
    main()
