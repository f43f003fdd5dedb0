"""Nightly partner sync: legacy ERP partners into the portal, then each partner's offer feed."""

from __future__ import annotations

import json
import logging
import os
from decimal import Decimal
from urllib.error import URLError
from urllib.request import Request, urlopen

import mysql.connector
from django.db import transaction
from prefect import flow, get_run_logger, task

from portal.models import Offer, Partner

LEGACY_PARTNERS_SQL = """
    SELECT p.partner_code, p.display_name, p.contact_email, p.feed_url, s.tier
    FROM erp_partners p
    LEFT JOIN erp_partner_status s ON s.partner_code = p.partner_code
    WHERE p.deleted = 0
"""


@task(retries=2, retry_delay_seconds=60)
def pull_legacy_partners() -> list[dict]:
    conn = mysql.connector.connect(
        host=os.environ["ERP_DB_HOST"],
        user=os.environ["ERP_DB_USER"],
        password=os.environ["ERP_DB_PASSWORD"],
        database="erp",
    )
    try:
        cursor = conn.cursor(dictionary=True)
        cursor.execute(LEGACY_PARTNERS_SQL)
        return cursor.fetchall()
    finally:
        conn.close()


@task
def upsert_partners(rows: list[dict]) -> int:
    with transaction.atomic():
        for row in rows:
            Partner.objects.update_or_create(
                code=row["partner_code"],
                defaults={
                    "name": row["display_name"],
                    "email": row["contact_email"],
                    "feed_url": row["feed_url"] or "",
                    "tier": row["tier"] or "standard",
                    "active": True,
                },
            )
    return len(rows)


@task(retries=3, retry_delay_seconds=30)
def fetch_feed(feed_url: str) -> list[dict]:
    req = Request(feed_url, headers={"Accept": "application/json", "User-Agent": "partner-portal/1.4"})
    with urlopen(req, timeout=30) as resp:
        return json.load(resp)["offers"]


@task
def store_offers(partner: Partner, offers: list[dict]) -> None:
    Offer.objects.filter(partner=partner).delete()
    Offer.objects.bulk_create(
        [Offer(partner=partner, sku=o["sku"], price=Decimal(str(o["price"])), stock=o.get("stock", 0)) for o in offers]
    )


@flow(name="partner-nightly-sync")
def nightly_sync() -> None:
    log = get_run_logger()
    synced = upsert_partners(pull_legacy_partners())
    log.info("synced %d partners", synced)
    for partner in Partner.objects.exclude(feed_url="").filter(active=True):
        try:
            store_offers(partner, fetch_feed(partner.feed_url))
        except URLError as exc:
            logging.getLogger(__name__).warning("feed of %s failed: %s", partner.code, exc)
