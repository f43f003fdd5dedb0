"""Daily batch: raw clicks from web and app → deduplicated sessions per user, by plan."""

from __future__ import annotations

import logging

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from jobs.common import CLICK_SCHEMA, build_spark, job_settings

log = logging.getLogger("sessionize")

SESSION_GAP_SECONDS = 30 * 60


def load_clicks(spark: SparkSession, landing: str, day: str) -> DataFrame:
    web = spark.read.schema(CLICK_SCHEMA).json(f"{landing}/web/dt={day}/")
    app = spark.read.schema(CLICK_SCHEMA).parquet(f"{landing}/app/dt={day}/")
    return (
        web.withColumn("source", F.lit("web"))
        .unionByName(app.withColumn("source", F.lit("app")))
        .filter(F.col("user_id").isNotNull())
        .dropDuplicates(["event_id"])
    )


def load_accounts(spark: SparkSession, url: str, user: str, password: str) -> DataFrame:
    return (
        spark.read.format("jdbc")
        .option("url", url)
        .option("dbtable", "crm.accounts")
        .option("user", user)
        .option("password", password)
        .load()
        .select("id", "plan", "country")
    )


def sessionize(clicks: DataFrame) -> DataFrame:
    by_user = Window.partitionBy("user_id").orderBy("ts")
    marked = (
        clicks.withColumn("prev_ts", F.lag("ts").over(by_user))
        .withColumn(
            "new_session",
            F.when(
                F.col("prev_ts").isNull()
                | ((F.unix_timestamp("ts") - F.unix_timestamp("prev_ts")) > SESSION_GAP_SECONDS),
                1,
            ).otherwise(0),
        )
        .withColumn("session_no", F.sum("new_session").over(by_user))
    )
    return marked.groupBy("user_id", "session_no").agg(
        F.min("ts").alias("session_start"),
        F.max("ts").alias("session_end"),
        F.count("*").alias("clicks"),
        F.first("source").alias("source"),
    )


def run(day: str) -> None:
    settings = job_settings()
    spark = build_spark("clicks-sessionize")
    clicks = load_clicks(spark, settings.landing, day)
    accounts = load_accounts(spark, settings.crm_jdbc_url, settings.crm_user, settings.crm_password)

    sessions = sessionize(clicks).join(accounts, F.col("user_id") == F.col("id"), "left")
    sessions = sessions.withColumn("plan", F.coalesce("plan", F.lit("free"))).withColumn("day", F.lit(day))

    (
        sessions.write.mode("overwrite")
        .partitionBy("day", "plan")
        .parquet(f"{settings.curated}/sessions/")
    )
    sessions.write.mode("append").saveAsTable("marts.sessions")

    spark.sql(
        f"""
        INSERT INTO marts.plan_daily
        SELECT s.day, s.plan, count(*) AS sessions, sum(s.clicks) AS clicks
        FROM marts.sessions s
        WHERE s.day = '{day}'
        GROUP BY s.day, s.plan
        """
    )
    log.info("sessionized %s", day)
    spark.stop()
