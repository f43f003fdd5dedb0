"""`flowscan report` on small projects written to a temporary folder: what each document says,
and that it says it only when the code shows it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

GO_PRODUCER = '''package ingest

import (
	"context"

	"github.com/segmentio/kafka-go"
)

func NewPublisher() *kafka.Writer {
	return &kafka.Writer{
		Addr:  kafka.TCP("kafka:9092"),
		Topic: "orders",
	}
}

func Publish(ctx context.Context, w *kafka.Writer, payload []byte) error {
	return w.WriteMessages(ctx, kafka.Message{Value: payload})
}
'''

JAVA_CONSUMER = '''package shop.billing;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

@Component
public class OrderListener {
    private final JdbcTemplate jdbcTemplate;

    public OrderListener(JdbcTemplate jdbcTemplate) {
        this.jdbcTemplate = jdbcTemplate;
    }

    @KafkaListener(topics = "orders", groupId = "billing")
    public void onOrder(String payload) {
        jdbcTemplate.update("INSERT INTO invoices (order_id, payload) VALUES (?, ?)", payload, payload);
    }
}
'''

PYTHON_JOB = '''import os

import pandas as pd
from sqlalchemy import create_engine

WAREHOUSE_URL = os.getenv("WAREHOUSE_URL", "postgresql://loader:hunter2@warehouse.internal:5432/analytics")

SALES_SQL = """
    SELECT s.id, s.customer_id, s.region, s.amount
    FROM sales s
    JOIN customers c ON c.id = s.customer_id
    WHERE s.amount > 0
"""


def load_daily():
    engine = create_engine(WAREHOUSE_URL)
    sales = pd.read_sql(SALES_SQL, engine)
    targets = pd.read_csv("exports/targets.csv")
    daily = sales.merge(targets, on="region")
    daily = daily.groupby("region", as_index=False).agg(amount=("amount", "sum"))
    daily.to_sql("daily_sales", engine, if_exists="append")


if __name__ == "__main__":
    load_daily()
'''

SQL_MODEL = '''{{ config(materialized='table') }}

select region, sum(amount) as revenue
from {{ ref('daily_sales') }}
group by region
'''

SECRET = "hunter2"


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _report(project: Path, out: Path) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "flowscan", "report", ".", "-o", str(out)],
        cwd=project, capture_output=True, text=True, timeout=300,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1714521600"},
    )
    assert done.returncode == 0, done.stderr
    written = [Path(line).name for line in done.stdout.split()]
    assert written == ["pipeline-design.md", "data-quality.json", "operations-runbook.md", "openlineage.json"]
    return {name: (out / name).read_text() for name in written}


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict[str, str]:
    root = _write(tmp_path_factory.mktemp("shop"), {
        "ingest/publisher.go": GO_PRODUCER,
        "billing/src/OrderListener.java": JAVA_CONSUMER,
        "jobs/load_daily.py": PYTHON_JOB,
        "models/revenue_by_region.sql": SQL_MODEL,
    })
    return _report(root, tmp_path_factory.mktemp("shop-report"))


@pytest.fixture(scope="module")
def batch_only(tmp_path_factory) -> dict[str, str]:
    root = _write(tmp_path_factory.mktemp("batch"), {
        "jobs/load_daily.py": PYTHON_JOB,
        "models/revenue_by_region.sql": SQL_MODEL,
    })
    return _report(root, tmp_path_factory.mktemp("batch-report"))


def _section(markdown: str, heading: str) -> str:
    start = markdown.index(heading)
    following = re.search(r"\n#{2,3} ", markdown[start + len(heading):])
    return markdown[start: start + len(heading) + (following.start() if following else len(markdown))]


def _pipeline(markdown: str, name: str) -> str:
    start = re.search(rf"\n## Pipeline {re.escape(name)}( \(.*\))?\n", markdown).start()
    following = markdown.find("\n## ", start + 1)
    return markdown[start: following if following >= 0 else len(markdown)]


def _mermaid(markdown: str) -> str:
    [block] = re.findall(r"```mermaid\n(.*?)```", markdown, re.S)
    return block


def _mermaid_edges(block: str) -> set[tuple[str, str, str]]:
    """(source label, access, target label) of a rendered flowchart."""
    labels = {m.group(1): m.group(2) for m in re.finditer(r'^\s+(n\d+)\[\(?"([^"<]+)', block, re.M)}
    return {
        (labels[a], access, labels[b])
        for a, access, b in re.findall(r"^\s+(n\d+) -->\|(\w+)\| (n\d+)$", block, re.M)
    }


# --- pipeline-design.md ----------------------------------------------------------------------


def test_design_names_the_pipelines_and_classifies_them_with_evidence(shop: dict[str, str]) -> None:
    design = shop["pipeline-design.md"]
    assert re.findall(r"^## Pipeline (.+)$", design, re.M) == ["daily_sales", "orders"]
    assert "| [daily_sales](#pipeline-daily_sales) | ETL | batch |" in design
    assert "| [orders](#pipeline-orders) | EL | stream |" in design
    batch = _section(_pipeline(design, "daily_sales"), "### Classification")
    # pandas transforms before the load make it ETL, with the line of each
    assert "transforms in python before loading: joins `sales` with `targets` (`jobs/load_daily.py:20`)" in batch
    assert "reads database: reads sales, customers (`jobs/load_daily.py:18`)" in batch
    stream = _section(_pipeline(design, "orders"), "### Classification")
    assert "consumes orders continuously (`billing/src/OrderListener.java:15`)" in stream


def test_design_diagrams_have_the_cross_language_edges(shop: dict[str, str]) -> None:
    design = shop["pipeline-design.md"]
    overall = _mermaid_edges(re.findall(r"```mermaid\n(.*?)```", design, re.S)[0])
    stream = _mermaid_edges(_mermaid(_pipeline(design, "orders")))
    batch = _mermaid_edges(_mermaid(_pipeline(design, "daily_sales")))
    assert stream == {
        ("NewPublisher", "write", "orders"),
        ("orders", "read", "OrderListener.onOrder"),
        ("OrderListener.onOrder", "write", "invoices"),
    }
    assert ("load_daily", "write", "daily_sales") in batch and ("daily_sales", "read", "revenue_by_region") in batch
    assert ("sales", "read", "load_daily") in batch and ("exports/targets.csv", "read", "load_daily") in batch
    assert overall == stream | batch


def test_design_sources_carry_connection_details_redacted(shop: dict[str, str]) -> None:
    sources = _section(_pipeline(shop["pipeline-design.md"], "daily_sales"), "### Sources")
    assert "| `exports/targets.csv` | file | `load_daily` | `jobs/load_daily.py:19` | outside the scanned code | — |" in sources
    assert (
        "| `sales` | database table | `load_daily` | `jobs/load_daily.py:18` | outside the scanned code | "
        "sqlalchemy (`jobs/load_daily.py:17`); `postgresql://loader:***@warehouse.internal:5432/analytics` "
        "(`jobs/load_daily.py:6`); env `WAREHOUSE_URL` |"
    ) in sources
    # a dataset the pipeline writes before it reads it names its writer
    assert "| `daily_sales` | database table | `revenue_by_region` | `models/revenue_by_region.sql:4` | `load_daily` |" in sources
    stream = _section(_pipeline(shop["pipeline-design.md"], "orders"), "### Sources")
    assert "| `orders` | stream | `OrderListener.onOrder` |" in stream and "brokers `kafka:9092` (named by its producer) |" in stream


def test_design_transformations_show_sql_join_keys_and_business_rules(shop: dict[str, str]) -> None:
    transforms = _section(_pipeline(shop["pipeline-design.md"], "daily_sales"), "### Transformations and business rules")
    assert "`jobs/load_daily.py:18` SQL joins over `sales`, `customers` on `customers.id = sales.customer_id`" in transforms
    assert "`jobs/load_daily.py:18` keeps rows of `sales` where `s.amount > 0`" in transforms
    assert "`jobs/load_daily.py:20` joins `sales` with `targets`: `merge(targets, on=\"region\")`; join key `region`" in transforms
    assert "`models/revenue_by_region.sql:5` SQL aggregates over `daily_sales` grouped by `daily_sales.region`" in transforms
    stream = _section(_pipeline(shop["pipeline-design.md"], "orders"), "### Transformations and business rules")
    assert "No transformation was found" in stream


def test_design_destinations_say_what_goes_where(shop: dict[str, str]) -> None:
    batch = _section(_pipeline(shop["pipeline-design.md"], "daily_sales"), "### Destinations and schema mappings")
    assert "| `daily_sales` | database table | `load_daily` | append: it appends: a re-run adds the same rows again |" in batch
    assert "- `sales` → `load_daily` → `daily_sales` through 4 steps (`jobs/load_daily.py:18` → `jobs/load_daily.py:22`)" in batch
    stream = _section(_pipeline(shop["pipeline-design.md"], "orders"), "### Destinations and schema mappings")
    assert "- `invoices` (`billing/src/OrderListener.java:17`): writes `order_id`, `payload`" in stream
    assert "| `orders` | stream | `NewPublisher` | publish:" in stream


def test_recommendations_follow_from_what_each_pipeline_does(shop: dict[str, str]) -> None:
    stream = _section(_pipeline(shop["pipeline-design.md"], "orders"), "### Recommendations")
    assert "Add a dead-letter topic for the consumer of `orders`" in stream
    assert "  - consumes Kafka messages (`billing/src/OrderListener.java:15`)" in stream
    # the consumer's plain INSERT is written again by a redelivered message
    assert "Make the write to `invoices` idempotent" in stream and "a redelivered message writes it again" in stream
    assert "pandas" not in stream
    batch = _section(_pipeline(shop["pipeline-design.md"], "daily_sales"), "### Recommendations")
    assert "dead-letter" not in batch  # a batch pipeline consumes no stream
    # the unguarded warehouse write, with its line
    assert "Retry these reads and writes" in batch
    assert "  - sink writes a DataFrame to table daily_sales (`jobs/load_daily.py:22`)" in batch
    assert "Make the write to `daily_sales` idempotent" in batch
    assert "Declare `daily_sales` a dbt source with a freshness check" in batch
    assert "pandas DataFrames" in batch
    assert "Parquet" not in batch  # nothing writes CSV to an object store


def test_recommendations_are_absent_when_their_situation_is(batch_only: dict[str, str]) -> None:
    design = batch_only["pipeline-design.md"]
    assert "**batch**" in design and "**stream**" not in design
    assert "dead-letter" not in design
    assert "Parquet" not in design  # nothing writes CSV to an object store
    assert "pandas DataFrames" in design  # a batch job on pandas: Polars or Spark when it grows


# --- data-quality.json ---------------------------------------------------------------------------


def test_data_quality_has_the_join_keys_as_not_null_candidates(shop: dict[str, str]) -> None:
    document = orjson.loads(shop["data-quality.json"])
    assert document["version"] == 1
    datasets = {d["id"]: d for d in document["datasets"]}
    sales, customers = datasets["table:sales"], datasets["table:customers"]
    not_null = {tuple(r["columns"]) for r in sales["rules"] if r["check"] == "not_null"}
    assert ("customer_id",) in not_null
    [relationship] = [r for r in sales["rules"] if r["check"] == "relationship"]
    assert relationship["references"] == "customers.id"
    assert relationship["evidence"] == [{"path": "jobs/load_daily.py", "line": 18}]
    assert {"check": "unique", "columns": ["id"]}.items() <= next(
        r for r in customers["rules"] if r["check"] == "unique"
    ).items()
    [condition] = [r for r in sales["rules"] if r["check"] == "row_condition"]
    assert condition["condition"] == "s.amount > 0"
    columns = {c["name"]: c["used_in"] for c in sales["columns"]}
    assert columns["customer_id"] == ["select", "join"] and "where" in columns["amount"]
    # the DataFrame join key reaches the CSV it was read from
    targets = datasets["file:exports/targets.csv"]
    assert any(r["check"] == "not_null" and r["columns"] == ["region"] for r in targets["rules"])


def test_data_quality_freshness_follows_how_each_write_runs(shop: dict[str, str]) -> None:
    datasets = {d["id"]: d for d in orjson.loads(shop["data-quality.json"])["datasets"]}
    [invoices] = datasets["table:invoices"]["freshness"]
    assert invoices["mode"] == "stream" and invoices["writer"] == "OrderListener.onOrder"
    [daily] = datasets["table:daily_sales"]["freshness"]
    assert daily["mode"] == "batch"
    assert {"path": "jobs/load_daily.py", "line": 22} in daily["evidence"]
    [volume] = datasets["table:daily_sales"]["volume"]
    assert volume["check"] == "row_count" and volume["write"] == "append" and volume["counted_in_code"] is False
    assert datasets["table:daily_sales"]["namespace"] == "postgres://warehouse.internal:5432"


# --- operations-runbook.md --------------------------------------------------------------------


def test_runbook_lists_entry_points_env_vars_alerts_and_recovery(shop: dict[str, str]) -> None:
    batch = _pipeline(shop["operations-runbook.md"], "daily_sales")
    stream = _pipeline(shop["operations-runbook.md"], "orders")
    assert "## Pipeline daily_sales (ETL, batch)" in batch and "## Pipeline orders (EL, stream)" in stream
    assert "  - `load_daily.py` runs as a script (`jobs/load_daily.py:25`)" in _section(batch, "### How it runs")
    assert "  - dbt model `revenue_by_region` (`models/revenue_by_region.sql:1`)" in batch
    assert "  - consumes orders as group `billing` (`billing/src/OrderListener.java:15`)" in _section(stream, "### How it runs")
    depends = _section(batch, "### What it depends on")
    assert (
        "- `WAREHOUSE_URL` (`jobs/load_daily.py:6` default `postgresql://loader:***@warehouse.internal:5432/analytics`)"
        in depends
    )
    assert "- `exports/targets.csv` (file) (written outside the scanned code)" in depends
    assert "lag of consumer group `billing` on `orders`" in _section(stream, "### What to alert on")
    alerts = _section(batch, "### What to alert on")
    assert "- `daily_sales` written by `load_daily` (`jobs/load_daily.py:22`): nothing around it catches its errors" in alerts
    recovery = _section(batch, "### Recovering from failures")
    assert "**A run fails half-way.**" in recovery and "A consumer stops" not in recovery
    assert "- `daily_sales` (`jobs/load_daily.py:22`): not safe to write again" in recovery
    assert "dbt run --select revenue_by_region+" in recovery
    recovery = _section(stream, "### Recovering from failures")
    assert "**A consumer stops or crashes.**" in recovery
    assert "- `invoices` (`billing/src/OrderListener.java:17`): not safe to write again" in recovery


def test_runbook_of_a_batch_project_has_no_consumer_steps(batch_only: dict[str, str]) -> None:
    runbook = batch_only["operations-runbook.md"]
    assert "Consumer lag" not in runbook and "A consumer stops" not in runbook
    assert "**A run fails half-way.**" in runbook


# --- openlineage.json ----------------------------------------------------------------------------


def test_openlineage_events_parse_into_the_client_models(shop: dict[str, str], parse_events) -> None:
    events = parse_events(shop["openlineage.json"])
    jobs = {event.job.name: event for event in events}
    listener = jobs["billing/src/OrderListener.java#OrderListener.onOrder"]
    assert [(d.namespace, d.name) for d in listener.inputs] == [("kafka://kafka:9092", "orders")]
    assert [(d.namespace, d.name) for d in listener.outputs] == [("postgres://warehouse.internal:5432", "invoices")]
    assert listener.job.facets["jobType"].processingType == "STREAMING"
    loader = jobs["jobs/load_daily.py#load_daily"]
    assert {(d.namespace, d.name) for d in loader.inputs} == {
        ("file", "exports/targets.csv"),
        ("postgres://warehouse.internal:5432", "sales"),
        ("postgres://warehouse.internal:5432", "customers"),
    }
    assert [d.name for d in loader.outputs] == ["daily_sales"]
    assert loader.job.facets["jobType"].processingType == "BATCH"
    publisher = jobs["ingest/publisher.go#NewPublisher"]
    assert [(d.namespace, d.name) for d in publisher.outputs] == [("kafka://kafka:9092", "orders")]
    model = jobs["models/revenue_by_region.sql#revenue_by_region"]
    assert [d.name for d in model.inputs] == ["daily_sales"]
    # a dbt model builds the relation named after it, with the columns its SELECT produces
    [built] = model.outputs
    assert built.name == "revenue_by_region"
    assert [f.name for f in built.facets["schema"].fields] == ["region", "revenue"]
    assert "sum(amount)" in model.job.facets["sql"].query
    assert all(event.eventTime == "2024-05-01T00:00:00Z" for event in events)


# --- secrets ---------------------------------------------------------------------------------------


def test_no_document_carries_the_planted_password(shop: dict[str, str], batch_only: dict[str, str]) -> None:
    for name, text in {**shop, **{f"batch/{k}": v for k, v in batch_only.items()}}.items():
        assert SECRET not in text, name


def test_report_on_the_example_project(tmp_path: Path, parse_events) -> None:
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "flowscan", "report", "examples", "-o", str(out)],
        cwd=root, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    design = (out / "pipeline-design.md").read_text()
    # one pipeline joins the Go ingest, the Java and Rust consumers, the Python ETL and the dbt models
    assert design.count("\n## Pipeline ") == 1
    edges = _mermaid_edges(re.findall(r"```mermaid\n(.*?)```", design, re.S)[1])
    assert ("NewOutboxRelay", "write", "order-events") in edges
    assert ("order-events", "read", "OrderEventsListener.onOrder") in edges
    assert ("order-events", "read", "main") in edges
    assert ("InsertOrder", "write", "orders") in edges and ("orders", "read", "run") in edges
    assert ("run", "write", "daily_category_revenue") in edges
    assert ("daily_category_revenue", "read", "category_revenue_weekly") in edges
    assert "Write `s3://shopflow-marketing/exports/top_customers.csv` as Parquet instead of CSV" in design
    assert "Add a dead-letter topic for the consumer of `order-events`: nothing in `examples/shopflow/billing-java`" in design
    assert "consumer-rs` sets" not in design  # the Rust consumer quarantines what it cannot decode
    for name in ("pipeline-design.md", "data-quality.json", "operations-runbook.md", "openlineage.json"):
        assert "s3cret" not in (out / name).read_text(), name
    jobs = {event.job.name.rsplit("/", 1)[-1]: event for event in parse_events((out / "openlineage.json").read_text())}
    assert "schema.sql#schema" not in jobs  # CREATE TABLE declares columns; it moves no data
    assert [d.name for d in jobs["stg_orders.sql#stg_orders"].inputs] == ["orders"]
    assert [d.namespace for d in jobs["job.py#run"].outputs] == ["s3://shopflow-reports", "postgres://db:5432"]
