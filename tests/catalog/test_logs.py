"""The logging readers: Python, logback and log4j2 configurations, and log files read from a sample."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from flowscan.catalog.files import named

from flowscan.catalog.build import build_catalog
from flowscan.catalog.files import CatalogFile, catalog_file
from flowscan.catalog.model import Catalog, Field, Item, Part
from flowscan.catalog.readers import logs, logs_files, logs_java, logs_python

PROJECT = Path(__file__).parent / "fixtures" / "logs" / "project"
RESOURCES = "src/main/resources"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(PROJECT)  # short display paths; claims peek at YAML and INI heads by them
        return build_catalog([Path(".")], chosen=logs.READERS)


def item(catalog: Catalog | Part, name: str) -> Item:
    matches = [i for i in catalog.items if i.type == "log" and i.name == name]
    assert len(matches) == 1, sorted(i.name for i in catalog.items)
    return matches[0]


def field(found: Item, name: str) -> Field:
    return next(f for f in found.fields if f.name == name)


def one_file(tmp_path: Path, name: str, content: str | bytes) -> list[CatalogFile]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    found = catalog_file(path, name)
    assert isinstance(found, CatalogFile)
    return [found]


# --- Python ------------------------------------------------------------------------------------


def test_dict_config_in_code_with_json_formatter(catalog: Catalog) -> None:
    setup = item(catalog, "app/logging_setup.py")
    assert (setup.origins[0].source, setup.origins[0].line) == ("logging-config", 8)
    assert setup.fact("format") == "json"
    assert setup.fact("pattern") == "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
    assert setup.fact("destinations") == ("console (stdout); rolling file logs/orders-worker.log (max 10 MB, 5 backups); "
                                          "syslog logs.internal:514")
    assert setup.fact("levels") == "root=INFO, sqlalchemy.engine=WARNING, orders=DEBUG"
    assert [(f.name, f.type, f.line) for f in setup.fields] == [
        ("stdout", "StreamHandler", 22), ("file", "RotatingFileHandler", 28), ("syslog", "SysLogHandler", 35)]
    assert field(setup, "stdout").description == "console (stdout); json; level INFO"
    # a value the tree cannot give is kept as written
    assert 'level os.environ.get("SYSLOG_LEVEL", "WARNING")' in (field(setup, "syslog").description or "")
    assert not [i for i in catalog.items if i.name == "app/models.py"]


def test_file_config_django_settings_and_run_time_configs(tmp_path: Path) -> None:
    part = logs_python.read(one_file(tmp_path, "cli.py", (
        "import logging.config\n\n\ndef main():\n    logging.config.fileConfig('config/logging.ini')\n")))
    assert [(i.fact("config_file"), i.origins[0].line) for i in part.items] == [("config/logging.ini", 5)]

    part = logs_python.read(one_file(tmp_path, "boot.py", (
        "import yaml\nfrom logging.config import dictConfig\n"
        "dictConfig(yaml.safe_load(open('logging.yaml')))\n")))
    assert part.items[0].fact("config") == "built at run time: yaml.safe_load(open('logging.yaml'))"

    part = logs_python.read(one_file(tmp_path, "shop/settings.py", (
        "LOGGING = dict(\n    version=1,\n    handlers={'console': {'class': 'logging.StreamHandler'},\n"
        "              'sentry': {'class': 'sentry_sdk.integrations.logging.EventHandler'}},\n"
        "    root={'handlers': ['console'], 'level': 'WARNING'},\n)\n")))
    django = part.items[0]
    assert django.fact("destinations") == "console (stderr); EventHandler"
    assert django.fact("levels") == "root=WARNING"
    assert [(f.name, f.line) for f in django.fields] == [("console", 3), ("sentry", 4)]
    assert part.problems == ()


def test_file_config_ini(catalog: Catalog) -> None:
    ini = item(catalog, "config/logging.ini")
    assert ini.origins[0].line == 2
    assert ini.fact("format") == "json"
    assert ini.fact("destinations") == "console (stderr); rolling file logs/audit.log (every 1 midnight, 30 backups)"
    assert ini.fact("levels") == "root=WARN, alembic=INFO, orders.audit=DEBUG"
    assert [(f.name, f.type, f.line) for f in ini.fields] == [
        ("console", "StreamHandler", 26), ("audit", "TimedRotatingFileHandler", 32)]


def test_yaml_dict_config(catalog: Catalog) -> None:
    uvicorn = item(catalog, "config/uvicorn-logging.yaml")
    assert uvicorn.fact("format") == "pattern"
    assert uvicorn.fact("destinations") == "console (stdout); console (stderr)"
    assert uvicorn.fact("levels") == "uvicorn.error=INFO, uvicorn.access=INFO"
    assert field(uvicorn, "default").line == 16


def test_python_claims(tmp_path: Path) -> None:
    files = one_file(tmp_path, "logging.yaml", "version: 1\nhandlers:\n  h: {class: logging.NullHandler}\n")
    files += one_file(tmp_path, "changelog.yaml", "version: 1\nentries: []\n")
    files += one_file(tmp_path, "tox.ini", "[tox]\nenvlist = py311\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        assert logs_python.claims(named("logging.yaml")) and logs_python.claims(named("app/x.py"))
        assert not logs_python.claims(named("changelog.yaml")) and not logs_python.claims(named("tox.ini"))
        assert not logs_python.claims(named("log4j2.yaml"))


# --- logback and log4j2 --------------------------------------------------------------------------


def test_logback_with_logstash_encoder(catalog: Catalog) -> None:
    logback = item(catalog, f"{RESOURCES}/logback-spring.xml")
    assert (logback.origins[0].source, logback.origins[0].line) == ("logback", 2)
    assert logback.fact("format") == "json"
    assert logback.fact("pattern") == "%d{yyyy-MM-dd HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n"
    assert logback.fact("levels") == ("org.hibernate.SQL=DEBUG, com.acme.orders=INFO, root (profile prod)=INFO, "
                                      "root (profile !prod)=DEBUG")
    assert [(f.name, f.type, f.line) for f in logback.fields] == [
        ("CONSOLE", "ConsoleAppender", 7), ("FILE", "RollingFileAppender", 13),
        ("LOGSTASH", "LogstashTcpSocketAppender", 26), ("ASYNC_FILE", "AsyncAppender", 31)]
    # `LOG_PATH = ${LOG_PATH:-logs}` is `logs`
    assert field(logback, "FILE").description == (
        "rolling file logs/orders-api.log (SizeAndTimeBasedRollingPolicy, logs/orders-api.%d{yyyy-MM-dd}.%i.log.gz, "
        "max 100MB, keep 14, total 5GB); pattern %d{yyyy-MM-dd HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n")
    assert field(logback, "LOGSTASH").description == "tcp logstash.internal:5000; json"
    assert field(logback, "ASYNC_FILE").description == "async → FILE"


def test_log4j2_xml_with_pattern_layout_rolling_file_and_kafka(catalog: Catalog) -> None:
    log4j2 = item(catalog, f"{RESOURCES}/log4j2.xml")
    assert log4j2.origins[0].source == "log4j2"
    assert log4j2.fact("format") == "json"  # the Kafka appender's JsonTemplateLayout
    assert log4j2.fact("pattern") == "%d{ISO8601} %-5p [%t] %c{1.} - %m%n"
    assert log4j2.fact("levels") == "com.acme.billing=debug, root=info"
    assert [(f.name, f.type, f.line) for f in log4j2.fields] == [
        ("Console", "Console", 8), ("RollingFile", "RollingFile", 11), ("Audit", "Kafka", 22)]
    assert field(log4j2, "RollingFile").description == (
        "rolling file /var/log/billing/billing.log (/var/log/billing/billing-%d{yyyy-MM-dd}-%i.log.gz, time-based, "
        "max 250 MB, keep 20); pattern %d{ISO8601} %-5p [%t] %c{1.} - %m%n")
    [audit] = [r for r in catalog.relationships if r.source == log4j2.id]
    assert (audit.target, audit.kind, audit.label, audit.origin.line) == ("topic:billing-audit", "configures", "Audit", 22)


def test_log4j2_properties_and_yaml(tmp_path: Path) -> None:
    part = logs_java.read_log4j2(one_file(tmp_path, "log4j2.properties", (
        "property.dir = /var/log/app\n"
        "appender.console.type = Console\nappender.console.name = STDOUT\n"
        "appender.console.layout.type = JsonTemplateLayout\n"
        "appender.rolling.type = RollingFile\nappender.rolling.name = ROLL\n"
        "appender.rolling.fileName = ${dir}/app.log\nappender.rolling.filePattern = ${dir}/app-%i.log\n"
        "appender.rolling.layout.type = PatternLayout\nappender.rolling.layout.pattern = %m%n\n"
        "appender.rolling.policies.type = Policies\n"
        "appender.rolling.policies.size.type = SizeBasedTriggeringPolicy\nappender.rolling.policies.size.size = 10MB\n"
        "rootLogger = INFO, STDOUT\nlogger.app.name = com.acme\nlogger.app.level = debug\n")))
    props = part.items[0]
    assert props.fact("format") == "json"
    assert props.fact("destinations") == "console (stdout); rolling file /var/log/app/app.log (/var/log/app/app-%i.log, max 10MB)"
    assert props.fact("levels") == "root=INFO, com.acme=debug"
    assert [(f.name, f.type, f.line) for f in props.fields] == [("STDOUT", "Console", 2), ("ROLL", "RollingFile", 5)]

    part = logs_java.read_log4j2(one_file(tmp_path, "log4j2.yaml", (
        "Configuration:\n  status: warn\n  Appenders:\n    Console:\n      name: Out\n"
        "      PatternLayout:\n        Pattern: \"%d %p %m%n\"\n"
        "  Loggers:\n    Root:\n      level: warn\n      AppenderRef:\n        ref: Out\n")))
    yaml_item = part.items[0]
    assert (yaml_item.fact("format"), yaml_item.fact("pattern"), yaml_item.fact("levels")) == ("pattern", "%d %p %m%n", "root=warn")
    assert [(f.name, f.line) for f in yaml_item.fields] == [("Out", 5)]


def test_malformed_and_hostile_xml_are_problems(tmp_path: Path) -> None:
    part = logs_java.read_logback(one_file(tmp_path, "logback.xml", (
        "<configuration>\n  <appender name=\"A\" class=\"ch.qos.logback.core.ConsoleAppender\">\n"
        "  </appendr>\n</configuration>\n")))
    assert part.items == ()
    assert (part.problems[0].line, part.problems[0].column) == (3, 5)
    assert "not well-formed XML: mismatched tag" in part.problems[0].message

    laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE c [\n <!ENTITY a \"aaaaaaaaaa\">\n" + "".join(
        f" <!ENTITY {chr(98 + i)} \"&{chr(97 + i)};&{chr(97 + i)};&{chr(97 + i)};&{chr(97 + i)};\">\n" for i in range(9)
    ) + "]>\n<configuration><root level=\"&j;\"/></configuration>\n"
    part = logs_java.read_log4j2(one_file(tmp_path, "log4j2-test.xml", laughs))
    assert part.items == () and part.problems[0].message == "XML entity declarations are not read"
    assert part.problems[0].line == 3


def test_java_claims() -> None:
    assert all(logs_java.claims_logback(named(p)) for p in ("logback.xml", "src/logback-spring.xml", "logback-test.xml"))
    assert all(logs_java.claims_log4j2(named(p)) for p in ("log4j2.xml", "log4j2-spring.xml", "log4j2.properties", "log4j2.yaml"))
    assert not any(logs_java.claims_logback(named(p)) or logs_java.claims_log4j2(named(p))
                   for p in ("pom.xml", "log4j.properties", "logbackup.xml"))


# --- log files --------------------------------------------------------------------------------------


def test_access_log(catalog: Catalog) -> None:
    access = item(catalog, "access.log")
    assert access.origins[0].source == "log-file"
    assert (access.fact("format"), access.fact("sampled_lines"), access.fact("matched_lines")) == ("combined", "40", "40")
    assert access.fact("time_range") == "2024-03-12T09:00:05+00:00 to 2024-03-12T09:04:38+00:00"
    assert access.fact("statuses") == "2xx 23, 3xx 6, 4xx 6, 5xx 5"
    assert [(f.name, f.type) for f in access.fields] == [
        ("remote_host", "string"), ("ident", "string"), ("user", "string"), ("time", "string"), ("request", "string"),
        ("status", "integer"), ("bytes", "integer"), ("referer", "string"), ("user_agent", "string")]


def test_json_lines_log(catalog: Catalog) -> None:
    app = item(catalog, "app.log")
    assert app.fact("format") == "json-lines"
    assert app.fact("time_range") == "2024-03-12T09:00:00+00:00 to 2024-03-12T09:29:17.899000+00:00"
    assert app.fact("levels") == "INFO 16, WARNING 7, ERROR 7"
    types = {f.name: (f.type, f.nullable) for f in app.fields}
    assert types["order_id"] == ("integer", False)
    assert types["duration_ms"] == ("number", False)
    assert types["http.status"] == ("integer", False)  # nested objects as dotted paths
    assert types["trace_id"] == ("null", True)
    assert types["error.type"] == ("string", True)  # only on failed lines


def test_syslog_logfmt_and_python_logs(catalog: Catalog) -> None:
    messages = item(catalog, "var/log/messages.log")
    assert messages.fact("format") == "syslog-rfc3164"
    assert messages.fact("time_range") == "Mar 12 09:14:02 to Mar 12 09:30:01 (year not written)"
    assert [f.name for f in messages.fields] == ["timestamp", "hostname", "app", "pid", "message"]

    audit = item(catalog, "var/log/audit.log")
    assert audit.fact("format") == "syslog-rfc5424"
    assert audit.fact("levels") == "NOTICE 1, INFO 1, ERROR 1"  # severities from the priorities

    gateway = item(catalog, "var/log/gateway.log")
    assert gateway.fact("format") == "logfmt"
    assert {f.name: f.type for f in gateway.fields}["duration_ms"] == "number"
    assert field(gateway, "retry").nullable is True

    worker = item(catalog, "worker.log")
    assert worker.fact("format") == "python-logging"
    assert (worker.fact("sampled_lines"), worker.fact("matched_lines")) == ("16", "12")  # a traceback in between
    assert worker.fact("time_range") == "2024-03-11T23:50:00 to 2024-03-11T23:59:36.747000"

    rotated = item(catalog, "worker.log.1.gz")
    assert (rotated.fact("format"), rotated.fact("compression")) == ("python-logging", "gzip")


def test_binary_log_is_a_problem(catalog: Catalog) -> None:
    [problem] = [p for p in catalog.problems if p.path == "corrupt.log"]
    assert (problem.line, problem.column) == (1, 144)
    assert problem.message == "binary data where a log file was expected (byte 0x00)"
    assert not [i for i in catalog.items if i.name == "corrupt.log"]


def test_huge_log_costs_only_its_sample(tmp_path: Path) -> None:
    line = '{"ts": 1710234842.5, "level": "info", "msg": "tick"}\n'
    files = one_file(tmp_path, "big.log", line * 200_000)  # ~10 MB
    found = logs_files.read(files).items[0]
    assert (found.fact("format"), found.fact("sampled_lines"), found.fact("size")) == ("json-lines", "200", str(len(line) * 200_000))
    assert found.fact("time_range") == "2024-03-12T09:14:02.500000+00:00 to 2024-03-12T09:14:02.500000+00:00"


def test_odd_log_files(tmp_path: Path) -> None:
    truncated = gzip.compress(b"2024-01-01 12:00:00,123 INFO app: started\n" * 50)[:-20]
    part = logs_files.read(one_file(tmp_path, "app.log.2.gz", truncated))
    assert part.items[0].fact("format") == "python-logging"  # what came before the cut is a sample

    part = logs_files.read(one_file(tmp_path, "bad.log.gz", b"this is not gzip"))
    assert part.problems[0].message == "not a gzip file: it does not start with the gzip magic bytes 1f 8b"

    part = logs_files.read(one_file(tmp_path, "legacy.log", "2024-01-01 12:00:00,123 INFO caf\xe9: ouvert\n".encode("latin-1")))
    assert (part.items[0].fact("format"), part.items[0].fact("encoding")) == ("python-logging", "latin-1")

    part = logs_files.read(one_file(tmp_path, "notes.log", "deployed v1.2 to staging\nrolled back\n"))
    assert part.items[0].fact("format") == "text" and part.items[0].fields == ()

    part = logs_files.read(one_file(tmp_path, "empty.log", ""))
    assert part.items[0].fact("format") == "empty"


def test_log_file_claims() -> None:
    assert all(logs_files.claims(named(p)) for p in ("app.log", "logs/app.log.1", "app.log.3.gz", "access.log.2024-03-12",
                                              "httpd/access_log"))
    assert not any(logs_files.claims(named(p)) for p in ("logger.py", "changelog.md", "app.logs", "log.txt"))


# --- through the CLI -----------------------------------------------------------------------------


def test_cli_json() -> None:
    result = subprocess.run([sys.executable, "-m", "flowscan", "catalog", ".", "--format", "json"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    by_id = {i["id"]: i for i in data["items"]}
    assert by_id["log:src/main/resources/logback-spring.xml"]["facts"]["format"] == "json"
    assert by_id["log:access.log"]["facts"]["format"] == "combined"
    assert by_id["log:app/logging_setup.py"]["fields"][1] == {
        "name": "file", "type": "RotatingFileHandler", "line": 28,
        "description": "rolling file logs/orders-worker.log (max 10 MB, 5 backups); "
                       "pattern %(asctime)s %(levelname)-8s %(name)s: %(message)s"}
    assert {"path": "corrupt.log", "line": 1, "column": 144,
            "message": "binary data where a log file was expected (byte 0x00)"} in data["problems"]
