"""Business rules: convert to EUR, apply corrections, roll up by country and segment."""

from __future__ import annotations

import pandas as pd


def to_eur(orders: pd.DataFrame, rates: dict[str, float]) -> pd.DataFrame:
    fx = pd.Series(rates, name="rate").rename_axis("currency").reset_index()
    converted = orders.merge(fx, on="currency", how="left")
    missing = converted[converted["rate"].isna()]
    if not missing.empty:
        raise ValueError(f"no FX rate for {sorted(missing['currency'].unique())}")
    converted["total_eur"] = converted["total_cents"] / 100 / converted["rate"]
    return converted


def apply_adjustments(orders: pd.DataFrame, adjustments: pd.DataFrame) -> pd.DataFrame:
    if adjustments.empty:
        return orders
    adjustments = adjustments.groupby("order_id", as_index=False)["delta_cents"].sum()
    merged = orders.merge(adjustments, left_on="id", right_on="order_id", how="left", suffixes=("", "_adj"))
    merged["delta_cents"] = merged["delta_cents"].fillna(0)
    merged["total_eur"] += merged["delta_cents"] / 100
    return merged


def daily_summary(orders: pd.DataFrame, countries: tuple[str, ...]) -> pd.DataFrame:
    scoped = orders[orders["country"].isin(countries)] if countries else orders
    summary = (
        scoped.groupby(["country", "segment"], as_index=False)
        .agg(orders=("id", "nunique"), revenue_eur=("total_eur", "sum"))
        .sort_values("revenue_eur", ascending=False)
    )
    summary["revenue_eur"] = summary["revenue_eur"].round(2)
    return summary

