"""Streaming: raw click events from Kafka, enriched with the product catalogue, back to Kafka."""

from __future__ import annotations

from pyspark.sql import functions as F

from jobs.common import CLICK_SCHEMA, build_spark, job_settings


def main() -> None:
    settings = job_settings()
    spark = build_spark("clicks-enrich", shuffle_partitions=16)

    catalogue = spark.read.table("catalog.products").select("product_id", "category", "brand")

    # latest only: the nightly batch job backfills whatever the stream missed
    raw = spark.readStream \
        .format("kafka") \
        .option("kafka.bootstrap.servers", settings.brokers) \
        .option("subscribe", "clicks.raw") \
        .option("startingOffsets", "latest") \
        .load()

    clicks = (
        raw.select(F.from_json(F.col("value").cast("string"), CLICK_SCHEMA).alias("c"))
        .select("c.*")
        .withColumn("product_id", F.regexp_extract("url", r"/p/(\d+)", 1))
        .where(F.col("product_id") != "")
    )

    enriched = clicks.join(F.broadcast(catalogue), "product_id", "left")

    query = (
        enriched.select(F.col("user_id").alias("key"), F.to_json(F.struct("*")).alias("value"))
        .writeStream.format("kafka")
        .option("kafka.bootstrap.servers", settings.brokers)
        .option("topic", "clicks.enriched")
        .option("checkpointLocation", f"{settings.curated}/_checkpoints/enrich")
        .outputMode("append")
        .start()
    )
    query.awaitTermination()


if __name__ == "__main__":
    main()
