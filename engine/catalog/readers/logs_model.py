"""What a logging configuration says, whatever wrote it: handlers (appenders), their format, the levels.

Python's `dictConfig` / `fileConfig`, logback and log4j2 all come down to the same
questions a reader of the catalog asks: is the output JSON (can a log pipeline parse
it without a grok pattern?), where does it go (console, which files, rotated how,
syslog, a socket, a Kafka topic), and how verbose is each logger. One `LoggingSetup`
answers them, and one function turns it into a catalog item.
"""

from __future__ import annotations

import re

from attrs import frozen

from flowscan.catalog.model import Field, Item, Origin, Relationship, item_id
from flowscan.redact import redact

#: class, factory or encoder names that write JSON (python-json-logger, structlog's JSONRenderer,
#: ecs-logging, logstash-logback-encoder, log4j2's JsonTemplateLayout / JsonLayout / EcsLayout / GELF)
_JSON_MARKERS = re.compile(r"json|ecs_?logging|EcsEncoder|EcsLayout|logstash|GelfLayout", re.IGNORECASE)


def writes_json(*names: str | None) -> bool:
    return any(name and _JSON_MARKERS.search(name) for name in names)


@frozen
class Handler:
    """A handler (Python) or appender (logback, log4j2)."""

    name: str
    #: the class or element type, shortened: `RotatingFileHandler`, `RollingFileAppender`, `RollingFile`
    kind: str
    #: `console`, `file logs/app.log`, `rolling file logs/app.log (10 MB × 5)`, `syslog localhost:514`...
    destination: str
    line: int
    #: `json`, `pattern`, or None when the handler's format is not said
    format: str | None = None
    pattern: str | None = None
    level: str | None = None
    #: a Kafka topic the handler writes to
    topic: str | None = None


@frozen
class LoggerLevel:
    name: str
    level: str
    line: int


@frozen
class LoggingSetup:
    path: str
    source: str
    line: int
    handlers: tuple[Handler, ...] = ()
    loggers: tuple[LoggerLevel, ...] = ()
    #: facts beyond the common ones (`config_file` for a `fileConfig(...)` call)
    extra: tuple[tuple[str, str], ...] = ()
    #: formats of formatters defined but not (visibly) used by a handler
    defined_formats: tuple[str, ...] = ()


def setup_item(setup: LoggingSetup) -> tuple[Item, list[Relationship]]:
    facts: list[tuple[str, str]] = []
    formats = [h.format for h in setup.handlers if h.format] or list(setup.defined_formats)
    if formats:
        facts.append(("format", "json" if "json" in formats else formats[0]))
    pattern = next((h.pattern for h in setup.handlers if h.pattern and h.format != "json"), None)
    if pattern:
        facts.append(("pattern", pattern))
    destinations = list(dict.fromkeys(h.destination for h in setup.handlers))
    if destinations:
        facts.append(("destinations", "; ".join(destinations)))
    if setup.loggers:
        facts.append(("levels", ", ".join(f"{logger.name}={logger.level}" for logger in setup.loggers)))
    facts += list(setup.extra)
    fields = tuple(Field(h.name, type=h.kind, line=h.line, description=_describe(h)) for h in setup.handlers)
    item = Item("log", setup.path, (Origin(setup.source, setup.path, setup.line),), fields,
                facts=tuple((key, redact(value)) for key, value in facts))
    relationships = [Relationship(item.id, item_id("topic", h.topic), "configures",
                                  Origin(setup.source, setup.path, h.line), h.name)
                     for h in setup.handlers if h.topic]
    return item, relationships


def _describe(handler: Handler) -> str:
    parts = [handler.destination]
    if handler.format == "json":
        parts.append("json")
    elif handler.pattern:
        parts.append(f"pattern {handler.pattern}")
    if handler.level:
        parts.append(f"level {handler.level}")
    return redact("; ".join(parts))


def size_text(value: str | int | None) -> str | None:
    """10485760 → `10 MB`; `100 MB` and `10MB` stay as written."""
    if value is None:
        return None
    text = str(value).strip()
    if not text.isdigit():
        return text or None
    number = int(text)
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if number >= size and number % size == 0:
            return f"{number // size} {unit}"
    return f"{number} B"
