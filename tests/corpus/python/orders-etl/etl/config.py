"""Settings for the nightly orders ETL: a YAML file for the job, the environment for secrets."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "etl.yaml"


@dataclass(frozen=True)
class Settings:
    source_dsn: str
    warehouse_url: str
    reports_bucket: str
    fx_api_url: str
    output_dir: Path
    countries: tuple[str, ...] = field(default_factory=tuple)
    batch_size: int = 5000


def load_settings(path: Path = DEFAULT_CONFIG) -> Settings:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    job = raw.get("job", {})
    return Settings(
        source_dsn=os.environ["ORDERS_DB_DSN"],
        warehouse_url=os.environ.get("WAREHOUSE_URL", "postgresql://etl@localhost/warehouse"),
        reports_bucket=os.getenv("REPORTS_BUCKET", "shop-reports"),
        fx_api_url=job.get("fx_api_url", "https://fx.example.com/v2/rates"),
        output_dir=Path(job.get("output_dir", "out")),
        countries=tuple(job.get("countries", [])),
        batch_size=int(os.getenv("ETL_BATCH_SIZE", "5000")),
    )


def setup_logging(log_dir: Path) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_dir / "orders_etl.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
