"""HTTP API of the inventory service."""

from __future__ import annotations

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app import integrations, repository
from app.db import get_db, init_db
from app.settings import configure_logging

configure_logging()
app = FastAPI(title="inventory")


class ItemIn(BaseModel):
    sku: str
    name: str
    supplier_ref: str | None = None


class StockChange(BaseModel):
    delta: int
    reason: str = "manual"


@app.on_event("startup")
async def startup() -> None:
    init_db()
    await integrations.start_producer()


@app.get("/items/{sku}")
async def read_item(sku: str, db: Session = Depends(get_db)):
    cached = await integrations.cached_stock(sku)
    try:
        item = repository.get_item(db, sku)
    except repository.NotFound:
        raise HTTPException(status_code=404, detail="unknown sku")
    on_hand = cached if cached is not None else item.on_hand
    return {"sku": item.sku, "name": item.name, "on_hand": on_hand}


@app.get("/items")
def list_items(low_stock_below: int | None = None, db: Session = Depends(get_db)):
    return [{"sku": i.sku, "on_hand": i.on_hand} for i in repository.list_items(db, low_stock_below)]


@app.post("/items", status_code=201)
def create_item(payload: ItemIn, db: Session = Depends(get_db)):
    item = repository.create_item(db, payload.sku, payload.name, payload.supplier_ref)
    integrations.audit("create", item.sku, actor="api")
    return {"sku": item.sku}


@app.put("/items/{sku}/stock")
async def change_stock(sku: str, change: StockChange, db: Session = Depends(get_db)):
    item = repository.adjust_stock(db, sku, change.delta, change.reason)
    await integrations.remember_stock(sku, item.on_hand)
    await integrations.publish_stock_change(sku, item.on_hand, change.delta)
    return {"sku": sku, "on_hand": item.on_hand}


@app.delete("/items/{sku}", status_code=204)
async def remove_item(sku: str, db: Session = Depends(get_db)):
    repository.delete_item(db, sku)
    await integrations.forget_stock(sku)
    integrations.audit("delete", sku, actor="api")


@app.get("/items/{sku}/history")
def history(sku: str):
    return integrations.audit_trail(sku)
