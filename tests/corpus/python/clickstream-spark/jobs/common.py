"""Shared pieces of the clickstream Spark jobs: the session, schemas, settings."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pyspark.sql import SparkSession
from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

# the landing and curated buckets are mounted on every cluster node
LANDING_MOUNT = "/mnt/landing/clicks"
CURATED_MOUNT = "/mnt/curated/clicks"

CLICK_SCHEMA = StructType(
    [
        StructField("event_id", StringType(), False),
        StructField("user_id", StringType(), True),
        StructField("url", StringType(), True),
        StructField("referrer", StringType(), True),
        StructField("device", StringType(), True),
        StructField("ts", TimestampType(), False),
        StructField("duration_ms", LongType(), True),
    ]
)


@dataclass(frozen=True)
class JobSettings:
    landing: str
    curated: str
    brokers: str
    crm_jdbc_url: str
    crm_user: str
    crm_password: str


def job_settings() -> JobSettings:
    return JobSettings(
        landing=LANDING_MOUNT,
        curated=CURATED_MOUNT,
        brokers=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        crm_jdbc_url=os.environ["CRM_JDBC_URL"],
        crm_user=os.environ["CRM_DB_USER"],
        crm_password=os.environ["CRM_DB_PASSWORD"],
    )


def build_spark(app_name: str, shuffle_partitions: int = 64) -> SparkSession:
    return (
        SparkSession.builder.appName(app_name)
        .config("spark.sql.shuffle.partitions", shuffle_partitions)
        .config("spark.sql.session.timeZone", "UTC")
        .enableHiveSupport()
        .getOrCreate()
    )
