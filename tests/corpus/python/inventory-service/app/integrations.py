"""Everything outside the database: stock cache, change events, supplier API, audit trail."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import httpx
from aiokafka import AIOKafkaProducer
from pymongo import MongoClient
from redis import asyncio as aioredis

from app.settings import get_settings

log = logging.getLogger(__name__)
settings = get_settings()

cache = aioredis.from_url(settings.redis_url, decode_responses=True)
audit_db = MongoClient(settings.mongo_uri, serverSelectionTimeoutMS=2000)["inventory"]
_producer: AIOKafkaProducer | None = None


async def cached_stock(sku: str) -> int | None:
    value = await cache.get(f"stock:{sku}")
    return int(value) if value is not None else None


async def remember_stock(sku: str, on_hand: int) -> None:
    await cache.setex(f"stock:{sku}", 300, on_hand)


async def forget_stock(sku: str) -> None:
    await cache.delete(f"stock:{sku}")


async def start_producer() -> None:
    global _producer
    _producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_brokers,
        value_serializer=lambda v: json.dumps(v).encode("utf-8"),
        acks="all",
    )
    await _producer.start()


async def publish_stock_change(sku: str, on_hand: int, delta: int) -> None:
    event = {"sku": sku, "on_hand": on_hand, "delta": delta, "at": datetime.now(timezone.utc).isoformat()}
    await _producer.send_and_wait("inventory.stock-changed", event, key=sku.encode())
    if on_hand <= settings.low_stock_threshold:
        await cache.publish("low-stock", json.dumps(event))


def audit(action: str, sku: str, actor: str, details: dict | None = None) -> None:
    audit_db["audit_log"].insert_one(
        {"action": action, "sku": sku, "actor": actor, "details": details or {}, "at": datetime.now(timezone.utc)}
    )


def audit_trail(sku: str, limit: int = 50) -> list[dict]:
    cursor = audit_db["audit_log"].find({"sku": sku}, {"_id": 0}).sort("at", -1).limit(limit)
    return list(cursor)


async def fetch_supplier_catalog() -> list[dict]:
    headers = {"Authorization": f"Bearer {settings.supplier_api_token}"}
    async with httpx.AsyncClient(base_url=settings.supplier_api_url, headers=headers, timeout=20) as client:
        resp = await client.get("/v1/catalog", params={"fields": "ref,quantity"})
        resp.raise_for_status()
        return resp.json()["items"]


async def place_supplier_order(ref: str, quantity: int) -> str:
    headers = {"Authorization": f"Bearer {settings.supplier_api_token}"}
    async with httpx.AsyncClient(base_url=settings.supplier_api_url, headers=headers, timeout=20) as client:
        resp = await client.post("/v1/orders", json={"ref": ref, "quantity": quantity})
        resp.raise_for_status()
        return resp.json()["order_id"]
