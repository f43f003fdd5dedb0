"""Logging: how the code's logging is configured, and the log files kept in the repository.

One reader per family, each in its own module: Python's `dictConfig` / `fileConfig`
set-ups in code, YAML, JSON and INI (`logs_python`), logback and log4j2 (`logs_java`),
and log files read from a bounded sample (`logs_files`). The configurations share one
model (`logs_model`): handlers with their destination and format, levels per logger.
"""

from __future__ import annotations

from flowscan.catalog.readers import Reader, logs_files, logs_java, logs_python

READERS: tuple[Reader, ...] = (
    Reader("logging-config", logs_python.claims, logs_python.read),
    Reader("logback", logs_java.claims_logback, logs_java.read_logback),
    Reader("log4j2", logs_java.claims_log4j2, logs_java.read_log4j2),
    Reader("log-file", logs_files.claims, logs_files.read),
)
