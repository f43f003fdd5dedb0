"""Service settings from the environment (a .env file in development)."""

from __future__ import annotations

import logging
import os
from functools import lru_cache

from dotenv import load_dotenv
from pydantic import BaseModel

load_dotenv()


class Settings(BaseModel):
    database_url: str
    redis_url: str
    kafka_brokers: str
    supplier_api_url: str
    supplier_api_token: str
    mongo_uri: str
    low_stock_threshold: int = 5


@lru_cache
def get_settings() -> Settings:
    return Settings(
        database_url=os.environ["DATABASE_URL"],
        redis_url=os.getenv("REDIS_URL", "redis://localhost:6379/0"),
        kafka_brokers=os.getenv("KAFKA_BROKERS", "localhost:9092"),
        supplier_api_url=os.environ["SUPPLIER_API_URL"],
        supplier_api_token=os.environ["SUPPLIER_API_TOKEN"],
        mongo_uri=os.getenv("MONGO_URI", "mongodb://localhost:27017"),
        low_stock_threshold=int(os.getenv("LOW_STOCK_THRESHOLD", "5")),
    )


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        filename=os.getenv("LOG_FILE", "/var/log/inventory/service.log"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
