"""Nightly shopflow ETL: a day's order lines from Postgres and the product catalogue CSV
become revenue per product category, appended to the warehouse table
`daily_category_revenue` (read by the dbt model `category_revenue_weekly`) and kept as
parquet on S3.

Run with ``python -m etl.job --date 2024-05-01`` from ``examples/shopflow``.
"""

import argparse
import datetime as dt
import json
import logging
import os

import pandas as pd
import requests
from sqlalchemy import create_engine

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
log = logging.getLogger("shopflow.etl")

# The default is only for local docker-compose; production sets DATABASE_URL.
DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://etl:s3cret@db:5432/shop")

ORDER_LINES_SQL = """
    SELECT i.order_id, i.sku, i.quantity, i.unit_price_cents, o.customer_id
    FROM order_items i
    JOIN orders o ON o.id = i.order_id
    WHERE o.created_at >= %(start)s AND o.created_at < %(end)s
      AND o.status <> 'cancelled'
"""


def load_config(path: str = "etl/config.json") -> dict:
    with open(path) as fh:
        config = json.load(fh)
    config.setdefault("min_line_total_cents", 1)
    return config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="shopflow daily category revenue")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today() - dt.timedelta(days=1))
    parser.add_argument("--config", default="etl/config.json")
    parser.add_argument("--dry-run", action="store_true")
    return parser.parse_args()


def run(day: dt.date, config: dict, dry_run: bool = False) -> pd.DataFrame:
    engine = create_engine(DATABASE_URL)
    start = dt.datetime.combine(day, dt.time.min)
    lines = pd.read_sql(ORDER_LINES_SQL, engine, params={"start": start, "end": start + dt.timedelta(days=1)})
    products = pd.read_csv("data/products.csv", dtype={"sku": str}, usecols=["sku", "name", "category", "active"])
    products = products[products["active"]]

    lines = lines.merge(products, on="sku", how="left", validate="many_to_one")
    lines["category"] = lines["category"].fillna("unknown")
    lines["line_total_cents"] = lines["quantity"] * lines["unit_price_cents"]
    lines = lines[lines["line_total_cents"] >= config["min_line_total_cents"]]
    daily = lines.groupby("category", as_index=False).agg(
        orders=("order_id", "nunique"),
        units=("quantity", "sum"),
        revenue_cents=("line_total_cents", "sum"),
    )
    daily["day"] = day
    log.info("%s: %d order lines in %d categories", day, len(lines), len(daily))
    if dry_run:
        return daily

    daily.to_sql("daily_category_revenue", engine, if_exists="append", index=False)
    daily.to_parquet("s3://shopflow-reports/category_revenue/", partition_cols=["day"], index=False)
    requests.post(config["summary_endpoint"], json={"day": day.isoformat(), "categories": len(daily)}, timeout=10)
    return daily


def main() -> None:
    args = parse_args()
    run(args.date, load_config(args.config), dry_run=args.dry_run)


if __name__ == "__main__":
    main()
