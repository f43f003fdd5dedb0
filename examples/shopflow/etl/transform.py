"""Pure pandas transformations; nothing here touches I/O."""

import datetime as dt

import pandas as pd


def enrich_items(items: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    lines = items.merge(products, on="sku", how="left", validate="many_to_one")
    lines["category"] = lines["category"].fillna("unknown")
    lines["line_total_cents"] = lines["quantity"] * lines["unit_price_cents"]
    return lines


def drop_invalid(lines: pd.DataFrame, min_total: int) -> pd.DataFrame:
    lines = lines.dropna(subset=["order_id", "sku"])
    lines = lines[lines["quantity"] > 0]
    lines = lines.drop_duplicates(subset=["order_id", "sku"])
    return lines[lines["line_total_cents"] >= min_total]


def revenue_by_category(lines: pd.DataFrame) -> pd.DataFrame:
    daily = (
        lines.groupby("category", as_index=False)
        .agg(orders=("order_id", "nunique"), units=("quantity", "sum"),
             revenue_cents=("line_total_cents", "sum"))
        .sort_values("revenue_cents", ascending=False)
    )
    daily["share"] = daily["revenue_cents"] / daily["revenue_cents"].sum()
    return daily


def top_customers(orders: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    per_customer = orders.groupby(["customer_id", "email"])["total_cents"].sum().reset_index()
    return per_customer.nlargest(limit, "total_cents")


def summarise(orders: pd.DataFrame, daily: pd.DataFrame, day: dt.date) -> dict:
    return {
        "date": day.isoformat(),
        "orders": int(len(orders)),
        "revenue_cents": int(orders["total_cents"].sum()) if len(orders) else 0,
        "categories": daily["category"].tolist(),
    }
