"""Nightly orders ETL: wait for the FX export, run the Python job, refresh the marts."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

from etl.run import run_day

DEFAULT_ARGS = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "email_on_failure": True,
}

with DAG(
    dag_id="orders_daily",
    default_args=DEFAULT_ARGS,
    schedule="30 2 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["orders", "finance"],
) as dag:
    wait_for_fx = S3KeySensor(
        task_id="wait_for_fx_export",
        bucket_name="shop-raw",
        bucket_key="fx/{{ ds }}.json",
        poke_interval=300,
        timeout=60 * 60 * 3,
    )

    run_etl = PythonOperator(
        task_id="run_orders_etl",
        python_callable=run_day,
        op_kwargs={"day": "{{ ds }}"},
    )

    refresh_marts = SQLExecuteQueryOperator(
        task_id="refresh_marts",
        conn_id="warehouse",
        sql="REFRESH MATERIALIZED VIEW CONCURRENTLY mart.customer_ltv",
    )

    wait_for_fx >> run_etl >> refresh_marts
