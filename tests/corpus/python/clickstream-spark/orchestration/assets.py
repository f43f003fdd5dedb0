"""Dagster wiring: the Spark jobs as assets, plus a small polars report for the growth team."""

from __future__ import annotations

import subprocess

import polars as pl
from dagster import AssetExecutionContext, Definitions, ScheduleDefinition, asset, define_asset_job

REPORTS_DIR = "/srv/reports/clicks"


@asset(group_name="clicks")
def sessions(context: AssetExecutionContext) -> None:
    day = context.partition_key if context.has_partition_key else context.run.run_id[:10]
    subprocess.run(["spark-submit", "--deploy-mode", "cluster", "jobs/sessionize.py", "--day", day], check=True)


@asset(group_name="clicks", deps=[sessions])
def device_report(context: AssetExecutionContext) -> None:
    frame = pl.read_parquet("/mnt/curated/clicks/sessions/*/*/*.parquet")
    report = (
        frame.filter(pl.col("clicks") > 1)
        .group_by("source", "plan")
        .agg(pl.len().alias("sessions"), pl.col("clicks").mean().alias("avg_clicks"))
        .sort("sessions", descending=True)
    )
    report.write_csv(f"{REPORTS_DIR}/device_report.csv")
    context.log.info("device report: %d rows", report.height)


daily = define_asset_job("clicks_daily", selection=[sessions, device_report])

defs = Definitions(
    assets=[sessions, device_report],
    schedules=[ScheduleDefinition(job=daily, cron_schedule="0 4 * * *")],
)
