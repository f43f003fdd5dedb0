"""Reading side of the ETL: Postgres orders and the product catalogue CSV."""

import datetime as dt
import logging

import pandas as pd
import psycopg2
import psycopg2.extras

log = logging.getLogger("shopflow.etl.extract")

ORDERS_SQL = """
    SELECT o.id, o.customer_id, o.created_at, o.status, o.total_cents,
           c.email, c.country
    FROM orders o
    JOIN customers c ON c.id = o.customer_id
    WHERE o.created_at >= %s AND o.created_at < %s
      AND o.status <> 'cancelled'
"""


def connect(dsn: str):
    conn = psycopg2.connect(dsn)
    conn.set_session(readonly=True)
    return conn


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min)
    return start, start + dt.timedelta(days=1)


def fetch_orders(conn, day: dt.date) -> pd.DataFrame:
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(ORDERS_SQL, _day_bounds(day))
        rows = cur.fetchall()
    log.info("fetched %d orders for %s", len(rows), day)
    return pd.DataFrame(rows)


def fetch_order_items(conn, day: dt.date) -> pd.DataFrame:
    cur = conn.cursor()
    cur.execute(
        "SELECT i.order_id, i.sku, i.quantity, i.unit_price_cents "
        "FROM order_items i INNER JOIN orders o ON o.id = i.order_id "
        "WHERE o.created_at >= %s AND o.created_at < %s",
        _day_bounds(day),
    )
    columns = [d[0] for d in cur.description]
    frame = pd.DataFrame(cur.fetchall(), columns=columns)
    cur.close()
    return frame


def read_products(path: str = "data/products.csv") -> pd.DataFrame:
    products = pd.read_csv(path, dtype={"sku": str}, usecols=["sku", "name", "category", "active"])
    return products[products["active"]]


def read_default_products() -> pd.DataFrame:
    return pd.read_csv("data/products.csv")
