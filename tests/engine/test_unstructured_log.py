"""`pipeline.unstructured-log`: pipeline steps that log values only inside formatted text.

The snippets run through the built-in rules, as a scan would: a function is a pipeline
step because the real rules find it reading or writing a dataset, or declaring a task.
"""

from __future__ import annotations

import signal
import textwrap
from pathlib import Path

import pytest

from flowscan.analyze import analyze_file
from flowscan.compiler import RuleSet
from flowscan.config import Config, load_config
from flowscan.findings import Finding
from flowscan.scanner import load_ruleset, rule_files, scan

RULE = "pipeline.unstructured-log"
EXTENSIONS = {"python": "py", "go": "go", "java": "java", "rust": "rs"}
PYTHON_HINT = (
    'log fields (logger.info("rows loaded", extra={"rows": n})) so runs can be queried'
)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    ruleset, errors = load_ruleset(rule_files([]))
    assert not errors
    return ruleset


def hints(rules: RuleSet, code: str, language: str = "python") -> list[Finding]:
    source = textwrap.dedent(code).lstrip("\n").encode()
    found = analyze_file(source, f"jobs/step.{EXTENSIONS[language]}", language, rules).findings
    return [f for f in found if f.rule_id == RULE]


def where(found: list[Finding]) -> list[tuple[int, int, str]]:
    return [(f.start.line, f.start.column, f.message) for f in found]


# --- Python ---------------------------------------------------------------------------------

PANDAS_ETL = '''
import logging

import pandas as pd

logger = logging.getLogger(__name__)


def load_orders(day: str, engine) -> int:
    orders = pd.read_csv(f"exports/orders-{day}.csv", parse_dates=["created_at"])
    logger.info(f"read {len(orders)} orders for {day}")
    orders = orders[orders["status"] != "cancelled"]
    logger.info("kept %d orders after filtering" % len(orders))
    orders.to_sql("orders", engine, if_exists="append", index=False)
    logger.info("loaded orders for " + day)
    return len(orders)
'''


def test_a_pandas_etl_with_formatted_log_messages_gets_one_hint_at_its_first_call(rules: RuleSet) -> None:
    found = hints(rules, PANDAS_ETL)
    assert where(found) == [(10, 5, f"logs 3 messages as formatted text in a pipeline step: {PYTHON_HINT}")]
    (hint,) = found
    assert (hint.severity, hint.role, hint.kind, hint.tech, hint.language) == ("hint", "pipeline", "log", "logging", "python")
    assert hint.end.line == 10 and hint.end.column == 56  # the whole call, not the function


def test_structlog_loguru_extra_and_lazy_templates_are_not_reported(rules: RuleSet) -> None:
    code = '''
    import logging

    import pandas as pd
    import structlog
    from loguru import logger as loguru_logger

    logger = logging.getLogger(__name__)
    log = structlog.get_logger()


    def load_orders(day: str, engine) -> int:
        orders = pd.read_csv(f"exports/orders-{day}.csv")
        log.info("orders_read", day=day, rows=len(orders))
        log.bind(day=day).info(f"filtering {len(orders)} orders")
        loguru_logger.info("Loaded {rows} orders", rows=len(orders))
        orders.to_sql("orders", engine, if_exists="append", index=False)
        logger.info("orders loaded", extra={"day": day, "rows": len(orders)})
        logger.info("loaded %d orders for %s", len(orders), day)
        logger.warning("no refunds file for %s", day, exc_info=False)
        logger.info("done")
        return len(orders)
    '''
    assert hints(rules, code) == []


def test_a_utility_that_moves_no_data_is_not_a_pipeline_step(rules: RuleSet) -> None:
    code = '''
    import logging

    logger = logging.getLogger(__name__)


    def human_size(n: int) -> str:
        logger.debug(f"formatting {n} bytes")
        print(f"size is {n}")
        return f"{n / 1024:.1f} KiB"
    '''
    assert hints(rules, code) == []


def test_print_of_progress_is_reported_but_printed_output_and_file_writes_are_not(rules: RuleSet) -> None:
    code = '''
    import json
    import sys

    import pandas as pd


    def export_revenue(day: str) -> None:
        sales = pd.read_parquet(f"lake/sales/{day}.parquet")
        daily = sales.groupby("region").agg(revenue=("amount", "sum"))
        print(daily.head())
        print(f"{'region':<12}{'revenue':>12}")
        print(json.dumps({"event": "exported", "rows": len(daily)}))
        with open(f"out/revenue-{day}.txt", "w") as out:
            for region, row in daily.iterrows():
                print(region, row.revenue, file=out)
        print(f"exported {len(daily)} regions for {day}", file=sys.stderr)
        print("done")
    '''
    assert where(hints(rules, code)) == [
        (16, 5, f"prints a message as formatted text in a pipeline step: {PYTHON_HINT}")
    ]


def test_plain_file_io_is_a_step_only_when_it_moves_data(rules: RuleSet) -> None:
    # open() reads settings and writes temporary files as often as it moves data: it makes a
    # step when the file is a data format or what it reads flows on in the function
    code = '''
    import csv
    import logging
    import re
    from pathlib import Path

    log = logging.getLogger(__name__)
    EMAIL = re.compile(r"[^@ ]+@[^@ ]+")


    def read_template(name: str) -> str:
        with open(f"templates/{name}.sql") as handle:
            text = handle.read()
        log.debug(f"read template {name} ({len(text)} characters)")
        return text


    def export_customers(rows: list[dict]) -> None:
        with open("out/customers.csv", "w", newline="") as handle:
            csv.DictWriter(handle, fieldnames=["id", "email"]).writerows(rows)
        log.info(f"exported {len(rows)} customers")


    def mask_emails(source: str, target: Path) -> None:
        text = Path(source).read_text(encoding="utf-8")
        masked = EMAIL.sub("***", text)
        target.write_text(masked, encoding="utf-8")
        log.info(f"masked {source} into {target}")
    '''
    assert [f.start.line for f in hints(rules, code)] == [20, 27]


def test_orchestration_tasks_and_dbt_python_models_are_steps_without_io_of_their_own(rules: RuleSet) -> None:
    airflow = '''
    import logging

    from airflow.decorators import task

    log = logging.getLogger(__name__)


    @task(retries=2)
    def pick_partitions(ds: str) -> list[str]:
        partitions = [f"dt={ds}/hour={h:02d}" for h in range(24)]
        log.info("picked {} partitions".format(len(partitions)))
        return partitions
    '''
    assert [f.start.line for f in hints(rules, airflow)] == [11]
    dbt = '''
    def model(dbt, session):
        dbt.config(materialized="table")
        orders = dbt.ref("stg_orders")
        print(f"building customer totals from {orders.count()} orders")
        return orders.groupBy("customer_id").count()
    '''
    assert [f.start.line for f in hints(rules, dbt)] == [4]


def test_request_handlers_are_services_not_pipeline_steps(rules: RuleSet) -> None:
    code = '''
    import logging

    from fastapi import FastAPI
    import pandas as pd

    app = FastAPI()
    logger = logging.getLogger(__name__)


    @app.get("/reports/{day}")
    def report(day: str):
        frame = pd.read_parquet(f"lake/reports/{day}.parquet")
        logger.info(f"serving {len(frame)} rows")
        return frame.to_dict(orient="records")


    def orders_view(request, day):
        frame = pd.read_csv(f"exports/orders-{day}.csv")
        logger.info(f"serving {len(frame)} orders")
        return frame
    '''
    assert hints(rules, code) == []


def test_nested_functions_are_steps_of_their_own(rules: RuleSet) -> None:
    code = '''
    import logging

    import pandas as pd

    logger = logging.getLogger(__name__)


    def load(day: str, engine) -> None:
        def describe(frame) -> str:
            logger.debug(f"describing {len(frame)} rows")
            return str(frame.shape)

        orders = pd.read_csv(f"exports/orders-{day}.csv")
        logger.info("orders read", extra={"shape": describe(orders)})
        orders.to_sql("orders", engine)
    '''
    assert hints(rules, code) == []


def test_methods_of_a_decorated_class_are_steps_and_its_class_body_is_not(rules: RuleSet) -> None:
    # a read in the body of a decorated class once sent the search for its function round
    # and round between the decorators and the class: the alarm turns a hang into a failure
    code = '''
    import logging
    import os
    from dataclasses import dataclass

    import pandas as pd

    log = logging.getLogger(__name__)


    @dataclass
    class OrdersJob:
        source: str
        dsn: str = os.environ["DATABASE_URL"]

        def run(self) -> None:
            orders = pd.read_csv(self.source)
            log.info(f"loading {len(orders)} orders from {self.source}")
            orders.to_sql("orders", self.dsn)
    '''
    signal.signal(signal.SIGALRM, _too_slow)
    signal.alarm(10)
    try:
        assert [f.start.line for f in hints(rules, code)] == [17]
    finally:
        signal.alarm(0)


def test_linking_a_read_in_a_decorated_class_body_finishes_and_places_it_in_the_file() -> None:
    code = b'''import os
from dataclasses import dataclass


@dataclass
class Settings:
    dsn: str = os.environ["DATABASE_URL"]
'''
    rules, _ = load_ruleset([p for p in rule_files([]) if p.parent.name == "python" and p.name == "config.fsr"])
    signal.signal(signal.SIGALRM, _too_slow)
    signal.alarm(10)
    try:
        analysis = analyze_file(code, "app/settings.py", "python", rules, link=True)
    finally:
        signal.alarm(0)
    assert [(p.finding.start.line, p.unit.kind, p.unit.name) for p in analysis.placements] == [(7, "module", "settings")]


def _too_slow(signum: int, frame: object) -> None:
    raise AssertionError("the analysis did not finish in 10 s")


def test_a_suppression_on_the_first_call_silences_the_step(rules: RuleSet) -> None:
    code = PANDAS_ETL.replace(
        'logger.info(f"read {len(orders)} orders for {day}")',
        'logger.info(f"read {len(orders)} orders for {day}")  # flowscan: ignore[pipeline.unstructured-log]',
    )
    assert hints(rules, code) == []


# --- Go -------------------------------------------------------------------------------------

GO_HINT = 'log fields (slog.Info("rows loaded", "rows", n)) so runs can be queried'


def test_a_go_export_job_with_log_printf_gets_a_hint(rules: RuleSet) -> None:
    code = '''
    package export

    import (
    	"context"
    	"database/sql"
    	"fmt"
    	"log"
    	"os"
    )

    func ExportInvoices(ctx context.Context, db *sql.DB, path string) error {
    	rows, err := db.QueryContext(ctx, "SELECT id, customer_id, total FROM invoices WHERE exported = false")
    	if err != nil {
    		return fmt.Errorf("query invoices: %w", err)
    	}
    	defer rows.Close()
    	f, err := os.Create(path)
    	if err != nil {
    		return err
    	}
    	defer f.Close()
    	n := 0
    	for rows.Next() {
    		var id, customer string
    		var total float64
    		if err := rows.Scan(&id, &customer, &total); err != nil {
    			log.Printf("skip invoice: %v", err)
    			continue
    		}
    		fmt.Fprintf(f, "%s,%s,%.2f\\n", id, customer, total)
    		fmt.Printf("%-12s %10.2f\\n", id, total)
    		n++
    	}
    	log.Printf("exported %d invoices to %s", n, path)
    	fmt.Println("done")
    	return nil
    }
    '''
    assert where(hints(rules, code, "go")) == [
        (27, 4, f"logs 2 messages as formatted text in a pipeline step: {GO_HINT}")
    ]


def test_a_log_logger_made_with_log_new_counts_as_the_standard_logger(rules: RuleSet) -> None:
    code = '''
    package sync

    import (
    	"context"
    	"database/sql"
    	"log"
    	"os"
    )

    var logger = log.New(os.Stderr, "sync ", log.LstdFlags)

    func Purge(ctx context.Context, db *sql.DB, days int) error {
    	res, err := db.ExecContext(ctx, "DELETE FROM sessions WHERE seen_at < now() - $1 * interval '1 day'", days)
    	if err != nil {
    		return err
    	}
    	n, _ := res.RowsAffected()
    	logger.Printf("purged %d sessions", n)
    	return nil
    }
    '''
    assert [(f.start.line, f.tech) for f in hints(rules, code, "go")] == [(18, "log")]


def test_a_consumer_that_also_serves_its_metrics_is_a_step(rules: RuleSet) -> None:
    code = '''
    package main

    import (
    	"context"
    	"log"
    	"net/http"

    	"github.com/segmentio/kafka-go"
    )

    func main() {
    	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
    	go http.ListenAndServe(":9100", nil)
    	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{"kafka:9092"}, GroupID: "billing", Topic: "payments.settled"})
    	for {
    		m, err := r.ReadMessage(context.Background())
    		if err != nil {
    			log.Fatalf("read: %v", err)
    		}
    		log.Printf("settled payment %s at offset %d", m.Key, m.Offset)
    	}
    }
    '''
    assert [(f.start.line, f.message.split(":")[0]) for f in hints(rules, code, "go")] == [
        (18, "logs 2 messages as formatted text in a pipeline step")
    ]


def test_slog_zerolog_and_http_handlers_are_not_reported(rules: RuleSet) -> None:
    slog = '''
    package export

    import (
    	"context"
    	"database/sql"
    	"log/slog"
    )

    func Count(ctx context.Context, db *sql.DB, logger *slog.Logger) error {
    	rows, err := db.QueryContext(ctx, "SELECT id FROM invoices")
    	if err != nil {
    		return err
    	}
    	defer rows.Close()
    	n := 0
    	for rows.Next() {
    		n++
    	}
    	slog.Info("invoices counted", "rows", n)
    	logger.Info("invoices counted", slog.Int("rows", n))
    	return nil
    }
    '''
    zerolog = '''
    package export

    import (
    	"context"
    	"database/sql"

    	"github.com/rs/zerolog/log"
    )

    func Count(ctx context.Context, db *sql.DB) error {
    	rows, err := db.QueryContext(ctx, "SELECT id FROM invoices")
    	if err != nil {
    		log.Printf("query failed: %v", err)
    		return err
    	}
    	defer rows.Close()
    	log.Info().Int("rows", 1).Msg("invoices counted")
    	return nil
    }
    '''
    # a zerolog.Logger has Printf too: beside zerolog, `logger.Printf` is not guessed to be log's
    zerolog_logger = '''
    package export

    import (
    	"context"
    	"database/sql"
    	"log"
    	"os"

    	"github.com/rs/zerolog"
    )

    var logger = zerolog.New(os.Stderr).With().Timestamp().Logger()

    func Count(ctx context.Context, db *sql.DB) error {
    	rows, err := db.QueryContext(ctx, "SELECT id FROM invoices")
    	if err != nil {
    		logger.Printf("query failed: %v", err)
    		return err
    	}
    	defer rows.Close()
    	return nil
    }

    func MustOpen(dsn string) *sql.DB {
    	db, err := sql.Open("postgres", dsn)
    	if err != nil {
    		log.Fatal(err)
    	}
    	return db
    }
    '''
    handler = '''
    package api

    import (
    	"database/sql"
    	"log"
    	"net/http"
    )

    type server struct{ db *sql.DB }

    func (s *server) orders(w http.ResponseWriter, r *http.Request) {
    	rows, err := s.db.QueryContext(r.Context(), "SELECT id FROM orders")
    	if err != nil {
    		log.Printf("list orders: %v", err)
    		http.Error(w, "unavailable", http.StatusServiceUnavailable)
    		return
    	}
    	defer rows.Close()
    }
    '''
    # a service's main: migrations, then routes; no data read, so no pipeline step
    service = '''
    package main

    import (
    	"log"
    	"os"

    	"github.com/gin-gonic/gin"
    	"gorm.io/driver/postgres"
    	"gorm.io/gorm"
    )

    func main() {
    	db, err := gorm.Open(postgres.Open(os.Getenv("DATABASE_URL")), &gorm.Config{})
    	if err != nil {
    		log.Fatalf("connect postgres: %v", err)
    	}
    	if err := db.AutoMigrate(&Order{}); err != nil {
    		log.Fatalf("migrate: %v", err)
    	}
    	router := gin.New()
    	router.GET("/orders", listOrders(db))
    	log.Fatal(router.Run(":" + os.Getenv("PORT")))
    }
    '''
    for code in (slog, zerolog, zerolog_logger, handler, service):
        assert hints(rules, code, "go") == []


# --- Java -----------------------------------------------------------------------------------

JAVA_HINT = 'log fields (log.atInfo().addKeyValue("rows", n).log("rows loaded")) so runs can be queried'


def test_a_spring_batch_step_concatenating_its_messages_gets_a_hint(rules: RuleSet) -> None:
    code = '''
    package com.acme.billing.batch;

    import org.slf4j.Logger;
    import org.slf4j.LoggerFactory;
    import org.springframework.batch.core.StepContribution;
    import org.springframework.batch.core.scope.context.ChunkContext;
    import org.springframework.batch.core.step.tasklet.Tasklet;
    import org.springframework.batch.repeat.RepeatStatus;
    import org.springframework.jdbc.core.JdbcTemplate;

    public class SettlementTasklet implements Tasklet {
        private static final Logger log = LoggerFactory.getLogger(SettlementTasklet.class);
        private final JdbcTemplate jdbc;

        public SettlementTasklet(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @Override
        public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
            String day = (String) chunkContext.getStepContext().getJobParameters().get("day");
            int settled = jdbc.update("UPDATE payments SET settled = true WHERE settle_day = ?", day);
            log.info("settled " + settled + " payments for " + day);
            log.info(String.format("settlement of %s done", day));
            System.out.println("settlement finished for " + day);
            return RepeatStatus.FINISHED;
        }
    }
    '''
    assert where(hints(rules, code, "java")) == [
        (23, 9, f"logs 3 messages as formatted text in a pipeline step: {JAVA_HINT}")
    ]


def test_parameterized_slf4j_structured_arguments_and_controllers_are_not_reported(rules: RuleSet) -> None:
    # SLF4J's `{}` keeps the template apart from its arguments, as logging's `%s` does:
    # both are accepted, consistently
    code = '''
    package com.acme.billing.batch;

    import static net.logstash.logback.argument.StructuredArguments.kv;

    import org.slf4j.Logger;
    import org.slf4j.LoggerFactory;
    import org.springframework.jdbc.core.JdbcTemplate;
    import org.springframework.web.bind.annotation.GetMapping;
    import org.springframework.web.bind.annotation.PathVariable;
    import org.springframework.web.bind.annotation.RestController;

    @RestController
    public class SettlementService {
        private static final Logger log = LoggerFactory.getLogger(SettlementService.class);
        private final JdbcTemplate jdbc;

        public SettlementService(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        public int settle(String day) {
            int settled = jdbc.update("UPDATE payments SET settled = true WHERE settle_day = ?", day);
            log.info("settled {} payments for {}", settled, day);
            log.info("settlement of " + day + " done", kv("rows", settled));
            return settled;
        }

        @GetMapping("/settlements/{day}")
        public Integer count(@PathVariable String day) {
            Integer n = jdbc.queryForObject("SELECT count(*) FROM payments WHERE settle_day = ?", Integer.class, day);
            log.info("counted " + n + " settlements");
            return n;
        }
    }
    '''
    assert hints(rules, code, "java") == []


# --- Rust -----------------------------------------------------------------------------------

RUST_HINT = 'log fields (tracing::info!(rows = n, "rows loaded")) so runs can be queried'


def test_a_rust_consumer_printing_its_progress_gets_a_hint(rules: RuleSet) -> None:
    code = '''
    use rdkafka::consumer::{Consumer, StreamConsumer};
    use rdkafka::Message;

    pub async fn consume(consumer: StreamConsumer, pool: sqlx::PgPool) -> anyhow::Result<()> {
        consumer.subscribe(&["payments"])?;
        let mut stored = 0u64;
        loop {
            let msg = consumer.recv().await?;
            let payload = msg.payload().unwrap_or_default();
            sqlx::query("INSERT INTO payments_raw (body) VALUES ($1)").bind(payload).execute(&pool).await?;
            stored += 1;
            if stored % 1000 == 0 {
                println!("stored {stored} payments, last offset {}", msg.offset());
            }
            println!("done");
        }
    }
    '''
    assert where(hints(rules, code, "rust")) == [
        (13, 13, f"prints a message as formatted text in a pipeline step: {RUST_HINT}")
    ]


def test_log_macros_with_formatted_text_are_reported_and_tracing_fields_are_not(rules: RuleSet) -> None:
    formatted = '''
    use std::fs;

    pub fn load_rates() -> anyhow::Result<Vec<String>> {
        let text = fs::read_to_string("data/fx_rates.csv")?;
        let rates: Vec<String> = text.lines().skip(1).map(str::to_owned).collect();
        log::info!("loaded {} fx rates", rates.len());
        Ok(rates)
    }
    '''
    assert [(f.start.line, f.tech, f.message.split(":")[0]) for f in hints(rules, formatted, "rust")] == [
        (6, "log", "logs a message as formatted text in a pipeline step")
    ]
    fields = '''
    use std::fs;
    use tracing::{info, warn};

    pub fn load_rates() -> anyhow::Result<Vec<String>> {
        let path = "data/fx_rates.csv";
        let text = fs::read_to_string("data/fx_rates.csv")?;
        let rates: Vec<String> = text.lines().skip(1).map(str::to_owned).collect();
        if rates.is_empty() {
            warn!(%path, "no fx rates");
        }
        info!(rows = rates.len(), "fx rates loaded from {path}");
        println!("rates ready");
        Ok(rates)
    }
    '''
    assert hints(rules, fields, "rust") == []


# --- configuration --------------------------------------------------------------------------


def python_data_rules() -> list[Path]:
    """The packs that see PANDAS_ETL's reads and writes: compiling all of them takes a second."""
    return [p for p in rule_files([]) if p.parent.name == "python" and p.name in ("files.fsr", "database.fsr")]


def test_the_check_is_a_hint_by_default_and_configured_like_any_rule() -> None:
    default, _ = load_ruleset(python_data_rules())
    assert default.checks[RULE] == "hint"
    regraded, _ = load_ruleset(python_data_rules(), Config(severity={"pipeline.unstructured-*": "info"}))
    assert [f.severity for f in hints(regraded, PANDAS_ETL)] == ["info"]
    for disabled in (Config(disable=(RULE,)), Config(disable=("pipeline.*",)), Config(enable=("python.*",))):
        ruleset, _ = load_ruleset(python_data_rules(), disabled)
        assert RULE not in ruleset.checks
        assert hints(ruleset, PANDAS_ETL) == []
    unchecked, _ = load_ruleset(python_data_rules(), checks=False)
    assert hints(unchecked, PANDAS_ETL) == []


def test_flowscan_toml_regrades_the_check_and_scans_describe_it(tmp_path: Path) -> None:
    (tmp_path / "flowscan.toml").write_text('[severity]\n"pipeline.unstructured-log" = "warning"\n')
    (tmp_path / "etl.py").write_text(textwrap.dedent(PANDAS_ETL).lstrip("\n"))
    config, errors = load_config(tmp_path)
    assert not errors
    rules, errors = load_ruleset(python_data_rules(), config)
    assert not errors
    result = scan([tmp_path], rules, config, jobs=1)
    assert [(f.start.line, f.severity) for f in result.findings if f.rule_id == RULE] == [(10, "warning")]
    (info,) = [r for r in result.rules if r.id == RULE]
    assert (info.role, info.kind, info.severity) == ("pipeline", "log", "warning")
    assert info.doc is not None and "fields" in info.doc
