"""The infrastructure readers: docker-compose, .env, Spring settings and Kubernetes, on an orders platform."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flowscan.catalog.files import named

from flowscan.catalog.build import build_catalog
from flowscan.cli import main
from flowscan.catalog.files import CatalogFile, catalog_file
from flowscan.catalog.model import Catalog, Field, Item, Part
from flowscan.catalog.readers import infra, infra_compose, infra_dotenv, infra_kubernetes, infra_spring
from flowscan.catalog.readers.infra_images import classify_image
from flowscan.catalog.readers.infra_values import effective, named_datasets, stored_value

PROJECT = Path(__file__).parent / "fixtures" / "infra" / "project"
#: every literal secret the fixtures hold: none may reach any output
SECRETS = ("Tr0ub4dor-3x", "Hunter2-fallback", "minio-secret-123", "Pr0d-Secret-77", "Kafka-Prod-Pw",
           "literal-token-should-not-leak", "not-in-a-configmap-please", "VHIwdWI0ZG9yLTN4", "b3JkZXJz",
           "sk_test_fixture_only_not_real", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(PROJECT)  # short display paths; the Kubernetes reader peeks at files by them
        return build_catalog([Path(".")], chosen=infra.READERS)


def item(catalog: Catalog | Part, type_: str, name: str) -> Item:
    matches = [i for i in catalog.items if i.type == type_ and i.name == name]
    assert len(matches) == 1, sorted(i.id for i in catalog.items)
    return matches[0]


def field(found: Item, name: str, description_part: str = "") -> Field:
    return next(f for f in found.fields if f.name == name and description_part in (f.description or ""))


def edges(catalog: Catalog | Part, source: str) -> set[tuple[str, str | None]]:
    return {(r.target, r.label) for r in catalog.relationships if r.source == source and r.kind == "configures"}


def one_file(tmp_path: Path, name: str, text: str) -> list[CatalogFile]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    found = catalog_file(path, name)
    assert isinstance(found, CatalogFile)
    return [found]


# --- docker-compose -----------------------------------------------------------------------


def test_compose_data_stores_are_classified_by_image_with_their_settings(catalog: Catalog) -> None:
    postgres = item(catalog, "service", "postgres")
    compose = next(o for o in postgres.origins if o.source == "compose")
    assert (compose.path, compose.line) == ("docker-compose.yml", 14)
    assert postgres.fact("technology") == "postgresql"
    assert postgres.fact("product") == "postgis"
    assert postgres.fact("image") == "postgis/postgis:16-3.4"
    assert postgres.fact("ports") == "5432:5432"
    assert postgres.fact("database") == "orders"  # ${POSTGRES_DB:-orders}: the default
    assert postgres.fact("user") == "orders"
    assert postgres.fact("password") == "***"
    assert postgres.fact("init_scripts") == "./db/init"
    assert "pgdata:/var/lib/postgresql/data" in (postgres.fact("volumes") or "")
    assert field(postgres, "POSTGRES_DB").default == "${POSTGRES_DB:-orders}"
    assert field(postgres, "POSTGRES_DB").line == 18
    assert field(postgres, "POSTGRES_PASSWORD", "").default == "***"

    assert item(catalog, "service", "kafka").fact("technology") == "kafka"
    assert item(catalog, "service", "kafka").fact("auto_create_topics") == "false"
    assert item(catalog, "service", "kafka").fact("depends_on") == "zookeeper"
    assert item(catalog, "service", "legacy-kafka").fact("image") == "wurstmeister/kafka:2.13-2.8.1"
    assert item(catalog, "service", "zookeeper").fact("technology") == "zookeeper"
    assert item(catalog, "service", "redis").fact("technology") == "redis"
    minio = item(catalog, "service", "minio")
    assert (minio.fact("technology"), minio.fact("product")) == ("object_store", "minio")
    assert minio.fact("ports") == "9000:9000, 9001:9001"  # long and short port syntax
    assert minio.fact("user") == "minio" and minio.fact("password") == "***"
    # a tool around a store is neither a store nor an application
    assert not [i for i in catalog.items if i.name == "kafka-ui"]


def test_kafka_create_topics_become_topics(catalog: Catalog) -> None:
    orders = item(catalog, "topic", "orders")
    assert [(o.source, o.path, o.line) for o in orders.origins] == [("compose", "docker-compose.yml", 50)]
    assert (orders.fact("partitions"), orders.fact("replicas"), orders.fact("cleanup.policy")) == ("6", "1", None)
    payments = item(catalog, "topic", "payments")
    assert (payments.fact("partitions"), payments.fact("replicas"), payments.fact("cleanup.policy")) == ("3", "1", "compact")
    assert item(catalog, "topic", "order-events.dlq").fact("broker") == "legacy-kafka"
    assert ("topic:payments", "KAFKA_CREATE_TOPICS") in edges(catalog, "service:legacy-kafka")


def test_applications_built_from_the_repository_and_what_they_use(catalog: Catalog) -> None:
    api = item(catalog, "service", "orders-api")
    assert api.fact("role") == "application"
    assert api.fact("build") == "./services/orders-api"
    assert api.fact("depends_on") == "postgres, kafka"
    assert api.fact("env_files") == ".env"
    # the base file and its override both describe the service
    assert {(o.path, o.line) for o in api.origins if o.source == "compose"} == {
        ("docker-compose.yml", 75), ("docker-compose.override.yml", 2)}
    assert field(api, "DATABASE_URL", "").default == "postgresql://orders:***@postgres:5432/orders"
    # merged in from the `x-app-env` anchor
    assert field(api, "KAFKA_BOOTSTRAP_SERVERS").default == "kafka:9092"
    assert edges(catalog, "service:orders-api") >= {
        ("service:postgres", "depends_on"), ("service:postgres", "DATABASE_URL"), ("service:kafka", "KAFKA_BOOTSTRAP_SERVERS"),
        ("service:redis", "REDIS_URL"), ("topic:orders", "ORDERS_TOPIC"), ("table:audit_log", "AUDIT_TABLE")}

    worker = item(catalog, "service", "invoice-worker")
    assert field(worker, "PAYMENTS_TOPIC").description == "default payments"
    # the DSN inside an interpolation default is masked too
    assert field(worker, "FALLBACK_DSN").default == "${FALLBACK_DSN:-postgresql://report:***@postgres:5432/orders}"
    assert field(worker, "AWS_SECRET_ACCESS_KEY").default == "***"
    assert edges(catalog, "service:invoice-worker") >= {
        ("topic:payments", "PAYMENTS_TOPIC"), ("bucket:invoices", "INVOICES_BUCKET"), ("service:minio", "S3_ENDPOINT"),
        ("service:minio", "depends_on"), ("service:postgres", "FALLBACK_DSN")}


def test_compose_problems_name_line_and_column(tmp_path: Path) -> None:
    broken = infra_compose.read(one_file(tmp_path, "docker-compose.yml", "services:\n  db:\n    image: postgres\n   bad: [\n"))
    assert len(broken.problems) == 1
    assert broken.problems[0].line == 4 and "not valid YAML" in broken.problems[0].message

    odd = infra_compose.read(one_file(tmp_path, "compose.yaml", (
        "services:\n  db: postgres\n  kafka:\n    image: bitnami/kafka\n"
        "    environment:\n      KAFKA_CREATE_TOPICS: \"orders:6:1,bad topic:x\"\n")))
    assert [(p.line, p.column) for p in odd.problems] == [(2, 7), (6, 40)]
    assert "service `db` should be a mapping" in odd.problems[0].message
    assert "`bad topic:x`" in odd.problems[1].message
    assert [i.name for i in odd.items if i.type == "topic"] == ["orders"]

    listed = infra_compose.read(one_file(tmp_path, "docker-compose.dev.yml", "services:\n  - db\n"))
    assert listed.problems[0].message == "`services:` should be a mapping of service names"


def test_compose_claims_only_compose_file_names() -> None:
    claimed = ["docker-compose.yml", "deploy/docker-compose.override.yaml", "compose.yaml", "compose.prod.yml",
               "docker-compose-ci.yml"]
    assert all(infra_compose.claims(named(p)) for p in claimed)
    assert not any(infra_compose.claims(named(p)) for p in ("openapi.yaml", "composer.json", "k8s/compose-job.json",
                                                     "my-compose.yml"))


def test_images_are_matched_on_their_own_name() -> None:
    assert classify_image("docker.io/bitnami/kafka:3.6@sha256:abc").technology == "kafka"  # type: ignore[union-attr]
    assert classify_image("confluentinc/cp-kafka:7.6.0").technology == "kafka"  # type: ignore[union-attr]
    assert classify_image("redpandadata/redpanda:v23").product == "redpanda"  # type: ignore[union-attr]
    assert classify_image("timescale/timescaledb:latest-pg16").technology == "postgresql"  # type: ignore[union-attr]
    assert classify_image("mcr.microsoft.com/mssql/server:2022-latest").technology == "sqlserver"  # type: ignore[union-attr]
    assert classify_image("postgres:${PG_VERSION:-16}").technology == "postgresql"  # type: ignore[union-attr]
    for tool in ("provectuslabs/kafka-ui", "confluentinc/cp-kafka-connect:7.6.0", "rediscommander/redis-commander",
                 "nginx:1.27", "ghcr.io/acme/orders-api:1.8.2"):
        assert classify_image(tool) is None, tool


# --- .env -----------------------------------------------------------------------------------


def test_dotenv_fields_with_lines_and_redacted_values(catalog: Catalog) -> None:
    env = item(catalog, "config", ".env")
    assert env.origins[0].source == "dotenv"
    assert [(f.name, f.line) for f in env.fields] == [
        ("DATABASE_URL", 2), ("ORDERS_TOPIC", 3), ("PAYMENTS_TOPIC", 4), ("REPORTS_BUCKET", 5), ("STRIPE_API_KEY", 6),
        ("JWT_PRIVATE_KEY", 7), ("GREETING", 10), ("FEATURE_FLAGS", 11), ("SENTRY_ENVIRONMENT", 12)]
    assert field(env, "DATABASE_URL").default == "postgresql://orders:***@localhost:5432/orders"  # `export` dropped
    assert field(env, "PAYMENTS_TOPIC").default == "payments"  # quotes and comment dropped
    assert field(env, "REPORTS_BUCKET").default == "acme-reports"
    assert field(env, "STRIPE_API_KEY").default == "***"
    assert field(env, "JWT_PRIVATE_KEY").default == "***"  # a multi-line quoted value
    assert field(env, "GREETING").default == 'Hello "world"\\nsecond line'
    assert field(env, "FEATURE_FLAGS").default == ""
    assert field(env, "SENTRY_ENVIRONMENT").default is None
    assert edges(catalog, "config:.env") == {("topic:orders", "ORDERS_TOPIC"), ("topic:payments", "PAYMENTS_TOPIC"),
                                             ("bucket:acme-reports", "REPORTS_BUCKET")}
    example = item(catalog, "config", ".env.example")
    assert field(example, "STRIPE_API_KEY").default == ""  # an empty placeholder is not a secret
    assert field(example, "DATABASE_URL").default == "postgresql://orders:***@localhost:5432/orders"


def test_dotenv_mistakes_are_problems_that_do_not_echo_the_line(tmp_path: Path) -> None:
    part = infra_dotenv.read(one_file(tmp_path, ".env.production", (
        "DB_HOST=db\nDB_PASSWORD hunter2\n  9LIVES=1\nNAME='unterminated\nOTHER=x\nQUOTED=\"a\" trailing\nLAST=ok\n")))
    assert [(p.line, p.column) for p in part.problems] == [(2, 13), (3, 3), (4, 6), (6, 12)]
    assert "expected `=` after `DB_PASSWORD`" in part.problems[0].message
    assert "unterminated single-quoted value" in part.problems[2].message
    assert not any("hunter2" in str(p) for p in part.problems)
    assert [f.name for f in part.items[0].fields] == ["DB_HOST", "OTHER", "LAST"]


def test_dotenv_claims() -> None:
    assert all(infra_dotenv.claims(named(p)) for p in (".env", "svc/.env.example", ".env.production", "config/app.env"))
    assert not any(infra_dotenv.claims(named(p)) for p in (".envrc", "env.py", ".env.py", "environment.yml"))


# --- Spring -----------------------------------------------------------------------------------

RESOURCES = "services/orders-api/src/main/resources"


def test_spring_yaml_is_flattened_with_profiles_and_topics(catalog: Catalog) -> None:
    config = item(catalog, "config", f"{RESOURCES}/application.yml")
    assert config.origins[0].source == "spring"
    assert field(config, "spring.datasource.url").line == 8
    assert field(config, "spring.datasource.password").default == "***"  # ${DB_PASSWORD:<literal>}
    assert field(config, "app.allowed-origins[1]").default == "https://admin.example.com"
    local = field(config, "spring.datasource.url", "profile local")
    assert (local.default, local.line) == ("jdbc:postgresql://localhost:5432/orders", 43)
    assert config.fact("datasource.url") == "jdbc:postgresql://postgres:5432/orders"
    assert config.fact("kafka.bootstrap-servers") == "${KAFKA_BOOTSTRAP_SERVERS:localhost:9092}"
    assert config.fact("kafka.consumer.group-id") == "orders-api"
    assert config.fact("topics") == "orders, payments, orders.dlq"
    assert config.fact("profiles") == "local"
    assert edges(catalog, config.id) == {
        ("topic:orders", "spring.kafka.template.default-topic"), ("topic:orders", "app.kafka.topics.orders"),
        ("topic:payments", "app.kafka.topics.payments"), ("topic:orders.dlq", "app.kafka.dead-letter-topic"),
        ("table:audit_log", "app.audit.table")}


def test_spring_properties_with_continuations_escapes_and_secrets(catalog: Catalog) -> None:
    config = item(catalog, "config", f"{RESOURCES}/application-prod.properties")
    assert config.fact("profile") == "prod"
    assert config.fact("datasource.url") == (
        "jdbc:postgresql://orders-db.prod.internal:5432/orders?sslmode=require&user=orders&password=***")
    assert config.fact("kafka.bootstrap-servers") == "kafka-0.kafka.prod.internal:9092,kafka-1.kafka.prod.internal:9092"
    assert field(config, "spring.datasource.password").default == "${DB_PASSWORD}"  # names where it comes from
    assert field(config, "spring.kafka.producer.properties.sasl.jaas.config").default == "***"
    assert field(config, "management.endpoints.web.exposure.include").default == "health:info"
    assert field(config, "app.kafka.orders-topic").line == 9
    assert edges(catalog, config.id) == {
        ("topic:orders", "app.kafka.topics.orders"), ("topic:orders", "app.kafka.orders-topic"),
        ("topic:invoices", "spring.cloud.stream.bindings.invoices-out-0.destination")}


def test_spring_claims_and_bad_yaml(tmp_path: Path) -> None:
    assert all(infra_spring.claims(named(p)) for p in ("src/main/resources/application.yml", "application-dev.yaml",
                                                "bootstrap.yml", "application.properties"))
    assert not any(infra_spring.claims(named(p)) for p in ("app.yml", "applications.yml", "application.json"))
    part = infra_spring.read(one_file(tmp_path, "application.yml", "spring:\n  datasource:\n    url: [x\n"))
    assert part.items == () and part.problems[0].line == 4


# --- Kubernetes -------------------------------------------------------------------------------


def test_configmaps_and_secrets(catalog: Catalog) -> None:
    config = item(catalog, "config", "configmap/orders-config")
    assert (config.origins[0].source, config.origins[0].path, config.origins[0].line) == (
        "kubernetes", "k8s/configmap.yaml", 1)
    assert config.fact("namespace") == "shop"
    assert field(config, "ORDERS_TOPIC").default == "orders"
    assert field(config, "SMTP_PASSWORD").default == "***"
    embedded = field(config, "application.properties")
    assert (embedded.type, embedded.default, embedded.description) == ("file", None, "3 lines")
    assert ("topic:orders", "ORDERS_TOPIC") in edges(catalog, config.id)

    secret = item(catalog, "config", "secret/orders-db")
    assert [(f.name, f.default, f.line) for f in secret.fields] == [
        ("username", None, 8), ("password", None, 9), ("database-url", None, 11)]
    assert secret.fact("type") == "Opaque"


def test_workloads_env_and_data_stores() -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(PROJECT)  # the manifests alone: compose describes the same services
        catalog = build_catalog([Path("k8s")], chosen=infra.READERS)
    api = item(catalog, "service", "orders-api")
    k8s = next(o for o in api.origins if o.source == "kubernetes")
    assert (k8s.path, k8s.line) == ("k8s/orders-api.yaml", 2)
    assert (api.fact("kind"), api.fact("replicas"), api.fact("namespace")) == ("Deployment", "3", "shop")
    assert api.fact("env_from") == "configmap/orders-config"
    from_map = field(api, "ORDERS_TOPIC", "configmap")
    assert (from_map.default, from_map.line) == ("orders", 38)  # resolved from the ConfigMap
    assert from_map.description == "from configmap/orders-config key ORDERS_TOPIC; container api"
    password = field(api, "DB_PASSWORD")
    assert password.default is None and password.description == "from secret/orders-db key password; container api"
    assert field(api, "ADMIN_TOKEN").default == "***"
    assert field(api, "POD_NAMESPACE").description == "from field metadata.namespace; container api"
    assert edges(catalog, "config:secret/orders-db") >= {("service:orders-api", "DB_PASSWORD"),
                                                         ("service:orders-api", "DATABASE_URL")}
    assert ("service:orders-api", "envFrom") in edges(catalog, "config:configmap/orders-config")

    postgres = item(catalog, "service", "postgres")
    k8s = next(o for o in postgres.origins if o.source == "kubernetes")
    assert (k8s.path, k8s.line) == ("k8s/postgres.yaml", 1)
    assert postgres.fact("kind") == "StatefulSet"
    assert postgres.fact("volume_claims") == "data 20Gi"


def test_strimzi_topics_and_helm_templates_are_left_alone(catalog: Catalog) -> None:
    assert not [o for i in catalog.items for o in i.origins if o.path.endswith(("kafka-topics.yaml", "deployment.yaml"))]
    assert not catalog.problems
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(PROJECT)
        assert not infra_kubernetes.claims(named("k8s/kafka-topics.yaml"))  # Strimzi's: the streams reader's
        assert not infra_kubernetes.claims(named("deploy/charts/orders-api/templates/deployment.yaml"))
        assert not infra_kubernetes.claims(named("deploy/charts/orders-api/Chart.yaml"))
        assert not infra_kubernetes.claims(named("docker-compose.yml"))


def test_templated_manifest_outside_a_chart_is_a_problem(tmp_path: Path) -> None:
    part = infra_kubernetes.read(one_file(tmp_path, "k8s/app.yaml", (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  X: 1\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n")))
    assert [i.name for i in part.items] == ["configmap/a"]  # the document before the error is kept
    assert (part.problems[0].line, part.problems[0].column) == (11, 9)
    assert "metadata.name is not a string" in part.problems[0].message


# --- values -------------------------------------------------------------------------------------


def test_stored_values_never_hold_secrets() -> None:
    assert stored_value("POSTGRES_PASSWORD", "hunter2") == "***"
    assert stored_value("POSTGRES_PASSWORD", "${PG_PASSWORD}") == "${PG_PASSWORD}"
    assert stored_value("POSTGRES_PASSWORD", "${PG_PASSWORD:-hunter2}") == "***"
    assert stored_value("spring.datasource.password", "${DB_PASSWORD:hunter2}", spring=True) == "***"
    assert stored_value("DATABASE_URL", "${URL:-mysql://app:hunter2@db/x}") == "${URL:-mysql://app:***@db/x}"
    assert stored_value("DSN", "host=db user=app password=hunter2") == "host=db user=app password=***"
    assert effective("${A:-${B:-x}}-y") == "x-y"
    assert effective("$$HOME/${DIR:?set DIR}") is None
    assert [n.target for n in named_datasets("ORDER_EVENTS_TOPICS", "orders, refunds")] == ["topic:orders", "topic:refunds"]
    assert [n.target for n in named_datasets("EXPORT_BUCKET", "s3://acme-exports/daily")] == ["bucket:acme-exports"]
    assert named_datasets("TOPIC_PARTITIONS", "6") == [] and named_datasets("ORDERS_TOPIC", "true") == []


# --- through the CLI ------------------------------------------------------------------------------


def test_cli_json_never_shows_a_secret() -> None:
    result = subprocess.run([sys.executable, "-m", "flowscan", "catalog", ".", "--format", "json"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for secret in SECRETS:
        assert secret not in result.stdout, secret
    data = json.loads(result.stdout)
    by_id = {i["id"]: i for i in data["items"]}
    assert by_id["service:postgres"]["facts"]["technology"] == "postgresql"
    assert by_id["topic:payments"]["facts"]["cleanup.policy"] == "compact"
    assert by_id["config:secret/orders-db"]["fields"][1] == {"name": "password", "line": 9,
                                                               "description": "secret: value not read"}


@pytest.mark.parametrize("output_format", ["text", "markdown"])
def test_cli_text_and_markdown_never_show_a_secret(output_format: str, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(PROJECT)
    assert main(["catalog", ".", "--format", output_format]) == 0
    shown = capsys.readouterr().out
    assert "postgres" in shown and "orders-api" in shown
    for secret in SECRETS:
        assert secret not in shown, secret


def test_aliases_that_refer_to_themselves_or_explode(tmp_path: Path) -> None:
    merged_into_itself = infra_compose.read(one_file(tmp_path, "docker-compose.yml", (
        "x-base: &base {image: postgres, <<: *base}\nservices:\n  db:\n    <<: *base\n")))
    assert [(i.name, i.fact("technology")) for i in merged_into_itself.items] == [("db", "postgresql")]

    laughs = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else 'a, a, a'}]\n" for i in range(8))
    part = infra_spring.read(one_file(tmp_path, "application.yaml", "a: &a [b, *a]\n---\n" + laughs))
    assert [p.line for p in part.problems] == [1, 3]
    assert all("document not read" in p.message for p in part.problems)
