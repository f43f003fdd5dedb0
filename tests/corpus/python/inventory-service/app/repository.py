"""Reads and writes of items and stock movements, all through one ORM session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.db import Item, StockMovement


class NotFound(Exception):
    pass


def get_item(db: Session, sku: str) -> Item:
    item = db.get(Item, sku)
    if item is None:
        raise NotFound(sku)
    return item


def list_items(db: Session, low_stock_below: int | None = None, limit: int = 100) -> list[Item]:
    stmt = select(Item).order_by(Item.sku).limit(limit)
    if low_stock_below is not None:
        stmt = stmt.where(Item.on_hand < low_stock_below)
    return list(db.scalars(stmt))


def create_item(db: Session, sku: str, name: str, supplier_ref: str | None) -> Item:
    item = Item(sku=sku, name=name, supplier_ref=supplier_ref, on_hand=0)
    db.add(item)
    db.commit()
    return item


def adjust_stock(db: Session, sku: str, delta: int, reason: str) -> Item:
    item = get_item(db, sku)
    item.on_hand += delta
    item.updated_at = datetime.utcnow()
    db.add(StockMovement(sku=sku, delta=delta, reason=reason))
    db.commit()
    return item


def delete_item(db: Session, sku: str) -> None:
    item = get_item(db, sku)
    db.delete(item)
    db.commit()


def movements_since(db: Session, sku: str, since: datetime) -> list[StockMovement]:
    return (
        db.query(StockMovement)
        .filter(StockMovement.sku == sku, StockMovement.at >= since)
        .order_by(StockMovement.at.desc())
        .all()
    )


def sync_from_supplier(db: Session, catalog: list[dict]) -> int:
    """Supplier quantities win: overwrite on_hand for every SKU the supplier knows."""
    updated = 0
    for entry in catalog:
        result = db.execute(
            text("UPDATE items SET on_hand = :qty, updated_at = now() WHERE supplier_ref = :ref"),
            {"qty": entry["quantity"], "ref": entry["ref"]},
        )
        updated += result.rowcount
    db.commit()
    return updated
