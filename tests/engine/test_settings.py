"""Reading what a repository sets its env vars and config keys to."""

from __future__ import annotations

from pathlib import Path

from flowscan.settings import load_settings, resolve_placeholder


def test_every_kind_of_settings_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# local\nexport DATABASE_URL='postgresql://app@db/shop'\nEXPORT_BUCKET=shop-exports\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  api:\n    environment:\n      - ORDERS_TOPIC=orders.v2\n      - EMPTY=\n"
    )
    config = tmp_path / "svc" / "src" / "main" / "resources"
    config.mkdir(parents=True)
    (config / "application.yml").write_text("billing:\n  invoices:\n    table: billing.invoices\n  retries: 3\n")
    (tmp_path / "settings.py").write_text('RAW_BUCKET = "shop-raw"  # landing zone\nDEBUG = True\n')
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / ".env").write_text("ORDERS_TOPIC=not-this-one\n")
    settings = load_settings([tmp_path])
    assert settings == {
        "DATABASE_URL": "postgresql://app@db/shop",
        "EXPORT_BUCKET": "shop-exports",
        "ORDERS_TOPIC": "orders.v2",
        "billing.invoices.table": "billing.invoices",
        "billing.retries": "3",
        "RAW_BUCKET": "shop-raw",
    }


def test_spring_placeholders_with_and_without_defaults() -> None:
    settings = {"orders.topic": "orders.v1"}
    assert resolve_placeholder("${orders.topic}", settings) == "orders.v1"
    assert resolve_placeholder("${missing:fallback}", settings) == "fallback"
    assert resolve_placeholder("${missing}", settings) is None
    assert resolve_placeholder("orders", settings) is None
