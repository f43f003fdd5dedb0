"""Pull the day's orders from the shop database and the FX rates they need."""

from __future__ import annotations

import json
import logging
import pickle
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import boto3
import pandas as pd
import psycopg2
import psycopg2.extras
import requests

log = logging.getLogger(__name__)

ORDERS_SQL = """
    SELECT o.id, o.customer_id, o.country, o.currency, o.total_cents, o.created_at, c.segment
    FROM orders o
    JOIN customers c ON c.id = o.customer_id
    WHERE o.created_at::date = %(day)s AND o.status <> 'cancelled'
"""

REFUNDS_SQL = "SELECT order_id, amount_cents, reason FROM refunds WHERE refunded_on = %(day)s"

FX_CACHE = Path(".cache/fx.pickle")


@contextmanager
def source_connection(dsn: str):
    conn = psycopg2.connect(dsn, connect_timeout=10, application_name="orders-etl")
    try:
        yield conn
    finally:
        conn.close()


def fetch_orders(dsn: str, day: date) -> pd.DataFrame:
    with source_connection(dsn) as conn:
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(ORDERS_SQL, {"day": day})
            rows = cur.fetchall()
            cur.execute(REFUNDS_SQL, {"day": day})
            refunds = cur.fetchall()
    orders = pd.DataFrame(rows)
    log.info("fetched %d orders and %d refunds for %s", len(orders), len(refunds), day)
    if refunds:
        orders = orders.merge(pd.DataFrame(refunds), left_on="id", right_on="order_id", how="left")
    return orders


def fetch_fx_rates(api_url: str, day: date) -> dict[str, float]:
    if FX_CACHE.exists():
        with FX_CACHE.open("rb") as fh:
            cached = pickle.load(fh)
        if cached.get("day") == day.isoformat():
            return cached["rates"]
    resp = requests.get(api_url, params={"base": "EUR", "date": day.isoformat()}, timeout=15)
    resp.raise_for_status()
    rates = resp.json()["rates"]
    FX_CACHE.parent.mkdir(parents=True, exist_ok=True)
    with open(FX_CACHE, "wb") as fh:
        pickle.dump({"day": day.isoformat(), "rates": rates}, fh)
    return rates


def fetch_manual_adjustments(bucket: str, day: date) -> pd.DataFrame:
    """Finance drops a JSON file of manual corrections into the raw bucket now and then."""
    s3 = boto3.client("s3")
    key = f"adjustments/{day:%Y/%m/%d}.json"
    try:
        obj = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return pd.DataFrame(columns=["order_id", "delta_cents"])
    payload = json.loads(obj["Body"].read())
    return pd.DataFrame(payload["adjustments"])


def load_segments(path: str = "reference/segments.csv") -> pd.DataFrame:
    segments = pd.read_csv(path, dtype={"segment": "string"})
    return segments.drop_duplicates(subset=["segment"])
