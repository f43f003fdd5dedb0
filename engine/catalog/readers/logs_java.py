"""logback and log4j2 configurations: appenders, their encoders or layouts, the logger levels.

Both are read into one element tree with lines: logback and log4j2 XML through expat
(entity declarations refused, so a billion-laughs file costs nothing), and log4j2's
properties and YAML/JSON forms rewritten as the XML they stand for
(`appender.rolling.layout.type = PatternLayout` is `<RollingFile><PatternLayout/>`).
`${name}` and `${name:-default}` are replaced by the file's own properties or the
default; `<include>`d files and Spring's `defaults.xml` patterns are not followed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import PurePosixPath
from xml.parsers import expat

import yaml

from flowscan.catalog.files import CatalogFile, Unreadable
from flowscan.catalog.model import Item, Part, Problem, Relationship
from flowscan.catalog.readers import infra_yaml as y
from flowscan.catalog.readers.infra_properties import parse_properties
from flowscan.catalog.readers.logs_model import Handler, LoggerLevel, LoggingSetup, setup_item, writes_json

_LOGBACK_NAME = re.compile(r"^logback(?:[-.][\w.-]+)?\.xml$", re.IGNORECASE)
_LOG4J2_NAME = re.compile(r"^log4j2(?:[-.][\w.-]+)?\.(?:xml|properties|ya?ml|json|jsn)$", re.IGNORECASE)


def claims_logback(file: CatalogFile) -> bool:
    display_path = file.display_path
    return bool(_LOGBACK_NAME.match(PurePosixPath(display_path).name))


def claims_log4j2(file: CatalogFile) -> bool:
    display_path = file.display_path
    return bool(_LOG4J2_NAME.match(PurePosixPath(display_path).name))


class Element:
    """An XML element (or what a log4j2 properties/YAML file stands for); attribute names lower-cased."""

    __slots__ = ("tag", "attrs", "children", "text", "line")

    def __init__(self, tag: str, attrs: dict[str, str], line: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Element] = []
        self.text = ""
        self.line = line

    @property
    def name(self) -> str:
        return self.tag.lower()

    def child(self, *names: str) -> Element | None:
        return next((c for c in self.children if c.name in names), None)

    def value(self, name: str) -> str | None:
        """An attribute, or the text of a child element of that name (`<file>logs/app.log</file>`)."""
        if name in self.attrs:
            return self.attrs[name]
        found = self.child(name)
        if found is None:
            return None
        return found.text.strip() or found.attrs.get("value")

    def walk(self) -> Iterator[Element]:
        stack = [self]
        while stack:
            element = stack.pop()
            yield element
            stack.extend(reversed(element.children))


class _Refused(Exception):
    pass


def parse_xml(text: str, file: CatalogFile) -> Element | Problem:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    top = Element("#document", {}, 1)
    stack = [top]

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = Element(tag.rsplit(":", 1)[-1], {k.lower(): v for k, v in attrs.items()}, parser.CurrentLineNumber)
        stack[-1].children.append(element)
        stack.append(element)

    def end(_: str) -> None:
        stack.pop()

    def characters(data: str) -> None:
        stack[-1].text += data

    def entity_declaration(*_: object) -> None:
        raise _Refused()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.EntityDeclHandler = entity_declaration
    try:
        parser.Parse(text, True)
    except expat.ExpatError as error:
        return file.problem(f"not well-formed XML: {expat.ErrorString(error.code)}", error.lineno, error.offset + 1)
    except _Refused:
        return file.problem("XML entity declarations are not read", parser.CurrentLineNumber,
                            parser.CurrentColumnNumber + 1)
    return top.children[0] if top.children else file.problem("no XML element")


# --- ${...} substitution ----------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{(?:(?:sys|env|ctx|main|spring|bundle:[\w.]+):)?([\w.\-]+)(?::-([^}]*))?\}")


def _substitute(text: str | None, properties: dict[str, str]) -> str | None:
    if text is None:
        return None
    for _ in range(5):  # properties referring to properties, a few levels deep
        replaced = _VARIABLE.sub(lambda m: properties.get(m.group(1), m.group(2) if m.group(2) is not None else m.group(0)),
                                 text)
        if replaced == text:
            break
        text = replaced
    return text


def _short(class_name: str | None) -> str:
    return (class_name or "?").rsplit(".", 1)[-1]


# --- the readers -------------------------------------------------------------------------


def read_logback(files: Sequence[CatalogFile]) -> Part:
    return _read(files, "logback", lambda file, text: _xml_setup(file, text, logback_setup))


def read_log4j2(files: Sequence[CatalogFile]) -> Part:
    return _read(files, "log4j2", _log4j2_from)


def _read(files: Sequence[CatalogFile], source: str, convert) -> Part:  # type: ignore[no-untyped-def]
    items: list[Item] = []
    relationships: list[Relationship] = []
    problems: list[Problem] = []
    for file in files:
        try:
            text = file.text()
        except Unreadable as error:
            problems.append(error.problem)
            continue
        found = convert(file, text)
        if isinstance(found, Problem):
            problems.append(found)
            continue
        item, related = setup_item(found)
        items.append(item)
        relationships += related
    return Part(tuple(items), tuple(relationships), tuple(problems))


def _xml_setup(file: CatalogFile, text: str, interpret) -> LoggingSetup | Problem:  # type: ignore[no-untyped-def]
    root = parse_xml(text, file)
    return root if isinstance(root, Problem) else interpret(root, file.display_path)


def _log4j2_from(file: CatalogFile, text: str) -> LoggingSetup | Problem:
    lowered = file.name.lower()
    if lowered.endswith(".xml"):
        return _xml_setup(file, text, log4j2_setup)
    if lowered.endswith(".properties"):
        return log4j2_setup(_properties_tree(text), file.display_path)
    documents = y.load_documents(file, text)
    if documents.problems:
        return documents.problems[0]
    if not documents.nodes:
        return file.problem("empty log4j2 configuration")
    top = documents.nodes[0]
    configuration = next((e.value for e in y.entries(top) if e.key.lower() == "configuration"), top)
    trees = _yaml_tree("Configuration", configuration)
    if not trees:
        return file.problem("a log4j2 configuration is a mapping under `Configuration:`", y.line_of(top))
    return log4j2_setup(trees[0], file.display_path)


# --- logback ------------------------------------------------------------------------------


def logback_setup(root: Element, path: str) -> LoggingSetup:
    properties: dict[str, str] = {}
    for element in root.walk():
        if element.name in ("property", "variable", "springproperty") and "name" in element.attrs:
            value = element.attrs.get("value") or element.attrs.get("defaultvalue")
            if value is not None and element.attrs["name"] not in properties:
                # in document order, as logback defines them: `LOG_PATH = ${LOG_PATH:-logs}` is `logs`
                properties[element.attrs["name"]] = _substitute(value, properties) or value
    handlers = [_logback_appender(e, properties) for e in root.walk() if e.name == "appender"]
    loggers: list[LoggerLevel] = []
    for element, profile in _with_profiles(root):
        level = _substitute(element.value("level"), properties)
        shown = f" (profile {profile})" if profile else ""
        if element.name == "root" and level:
            loggers.append(LoggerLevel(f"root{shown}", level, element.line))
        elif element.name == "logger" and level and "name" in element.attrs:
            loggers.append(LoggerLevel(element.attrs["name"] + shown, level, element.line))
    return LoggingSetup(path, "logback", root.line, tuple(handlers), tuple(loggers))


def _with_profiles(root: Element) -> Iterator[tuple[Element, str | None]]:
    """Each element with the Spring profile it is under (`<springProfile name="prod">`), if any."""
    stack: list[tuple[Element, str | None]] = [(root, None)]
    while stack:
        element, profile = stack.pop()
        yield element, profile
        inner = element.attrs.get("name") if element.name == "springprofile" else profile
        stack.extend((child, inner) for child in reversed(element.children))


def _logback_appender(appender: Element, properties: dict[str, str]) -> Handler:
    class_name = appender.attrs.get("class", "")
    short = _short(class_name)

    def value(element: Element | None, name: str) -> str | None:
        return _substitute(element.value(name), properties) if element is not None else None

    encoder = appender.child("encoder", "layout")
    inner = encoder.child("layout") if encoder is not None else None
    classes = [e.attrs.get("class") for e in (encoder, inner) if e is not None]
    pattern = value(encoder, "pattern") or value(inner, "pattern")
    json = writes_json(*classes)
    fmt = "json" if json else ("pattern" if pattern or encoder is not None else None)
    level = None
    threshold = next((f for f in appender.children if f.name == "filter" and "threshold" in f.attrs.get("class", "").lower()), None)
    if threshold is not None:
        level = value(threshold, "level")
    topic = value(appender, "topic") if "kafka" in class_name.lower() else None
    return Handler(appender.attrs.get("name", "?"), short, _logback_destination(appender, short, value), appender.line,
                   fmt, None if json else pattern, level, topic)


def _logback_destination(appender: Element, short: str, value) -> str:  # type: ignore[no-untyped-def]
    lowered = short.lower()
    if short == "ConsoleAppender":
        target = (value(appender, "target") or "System.out").removeprefix("System.").lower()
        return f"console (std{target})"
    if short == "RollingFileAppender" or appender.child("rollingpolicy") is not None:
        policy = appender.child("rollingpolicy")
        trigger = appender.child("triggeringpolicy")
        notes = [_short(policy.attrs.get("class")) if policy is not None else None,
                 value(policy, "filenamepattern"),
                 _note("max", value(policy, "maxfilesize") or value(trigger, "maxfilesize")),
                 _note("keep", value(policy, "maxhistory")), _note("total", value(policy, "totalsizecap"))]
        return _rolled(value(appender, "file") or "(by pattern)", notes)
    if short == "FileAppender":
        return f"file {value(appender, 'file') or '?'}"
    if short == "SyslogAppender":
        return f"syslog {value(appender, 'sysloghost') or 'localhost'}:{value(appender, 'port') or '514'}"
    if "kafka" in lowered:
        return f"kafka topic {value(appender, 'topic') or '?'}"
    if "async" in lowered:
        refs = [r.attrs.get("ref", "?") for r in appender.children if r.name == "appender-ref"]
        return "async → " + ", ".join(refs) if refs else "async"
    if "socket" in lowered or "tcp" in lowered or "udp" in lowered:
        destinations = [d.text.strip() for d in appender.children if d.name in ("destination", "remotehost") and d.text.strip()]
        protocol = "udp" if "udp" in lowered else "tcp"
        return f"{protocol} {', '.join(destinations) or value(appender, 'host') or '?'}"
    if short == "SMTPAppender":
        return "email"
    if short == "DBAppender":
        return "database"
    http = appender.child("http")
    if http is not None and value(http, "url"):
        return f"http {value(http, 'url')}"
    return short


def _note(label: str, text: str | None) -> str | None:
    return f"{label} {text}" if text else None


def _rolled(filename: str, notes: list[str | None]) -> str:
    shown = [n for n in notes if n]
    return f"rolling file {filename}" + (f" ({', '.join(shown)})" if shown else "")


# --- log4j2 -------------------------------------------------------------------------------

_LAYOUT = re.compile(r"layout$", re.IGNORECASE)


def log4j2_setup(root: Element, path: str) -> LoggingSetup:
    properties: dict[str, str] = {}
    for element in root.walk():
        if element.name == "property" and "name" in element.attrs:
            properties.setdefault(element.attrs["name"], element.attrs.get("value") or element.text.strip())
    handlers: list[Handler] = []
    for group in (e for e in root.walk() if e.name == "appenders"):
        handlers += [_log4j2_appender(a, properties) for a in group.children]
    loggers: list[LoggerLevel] = []
    for group in (e for e in root.walk() if e.name == "loggers"):
        for logger in group.children:
            level = _substitute(logger.attrs.get("level"), properties)
            if logger.name in ("root", "asyncroot") and level:
                loggers.append(LoggerLevel("root", level, logger.line))
            elif logger.name in ("logger", "asynclogger") and level and "name" in logger.attrs:
                loggers.append(LoggerLevel(logger.attrs["name"], level, logger.line))
    return LoggingSetup(path, "log4j2", root.line, tuple(handlers), tuple(loggers))


def _log4j2_appender(appender: Element, properties: dict[str, str]) -> Handler:
    # strict XML: <Appender type="RollingFile">; else the element's own name
    kind = appender.attrs.get("type") if appender.name == "appender" and "type" in appender.attrs else appender.tag

    def value(element: Element | None, name: str) -> str | None:
        return _substitute(element.value(name), properties) if element is not None else None

    layout = next((c for c in appender.children if _LAYOUT.search(c.tag)), None)
    layout_kind = None
    if layout is not None:
        layout_kind = layout.attrs.get("type", layout.tag) if layout.name == "layout" else layout.tag
    json = writes_json(layout_kind)
    pattern = value(layout, "pattern") if layout is not None and not json else None
    fmt = "json" if json else ("pattern" if layout is not None else None)
    topic = value(appender, "topic") if kind.lower() == "kafka" else None
    return Handler(appender.attrs.get("name", "?"), kind, _log4j2_destination(appender, kind.lower(), value),
                   appender.line, fmt, pattern, _substitute(appender.attrs.get("level"), properties), topic)


def _log4j2_destination(appender: Element, kind: str, value) -> str:  # type: ignore[no-untyped-def]
    if kind == "console":
        target = (value(appender, "target") or "SYSTEM_OUT").lower().removeprefix("system_")
        return f"console (std{target})"
    if kind in ("rollingfile", "rollingrandomaccessfile"):
        policies = appender.child("policies")
        triggers = policies.children if policies is not None else []
        strategy = appender.child("defaultrolloverstrategy", "directwriterolloverstrategy")
        notes = [value(appender, "filepattern")]
        for trigger in triggers:
            if trigger.name == "sizebasedtriggeringpolicy":
                notes.append(_note("max", value(trigger, "size")))
            elif trigger.name == "timebasedtriggeringpolicy":
                interval = value(trigger, "interval")
                notes.append(f"time-based every {interval}" if interval and interval != "1" else "time-based")
            elif trigger.name == "crontriggeringpolicy":
                notes.append(_note("cron", value(trigger, "schedule")))
        notes.append(_note("keep", value(strategy, "max")))
        return _rolled(value(appender, "filename") or "(by pattern)", notes)
    if kind in ("file", "randomaccessfile", "memorymappedfile"):
        return f"file {value(appender, 'filename') or '?'}"
    if kind == "syslog":
        return f"syslog {value(appender, 'host') or 'localhost'}:{value(appender, 'port') or '514'}"
    if kind == "socket":
        return f"{(value(appender, 'protocol') or 'tcp').lower()} {value(appender, 'host') or '?'}:{value(appender, 'port') or '?'}"
    if kind == "http":
        return f"http {value(appender, 'url') or '?'}"
    if kind == "kafka":
        return f"kafka topic {value(appender, 'topic') or '?'}"
    if kind in ("async", "asyncappender"):
        refs = [r.attrs.get("ref", "?") for r in appender.children if r.name == "appenderref"]
        return "async → " + ", ".join(refs) if refs else "async"
    if kind in ("jdbc", "nosql", "cassandra"):
        return "database"
    if kind == "smtp":
        return "email"
    return appender.tag


def _properties_tree(text: str) -> Element:
    """log4j2.properties as the XML it stands for."""
    tree: dict = {}
    for prop in parse_properties(text):
        node = tree
        parts = prop.key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # `rootLogger = INFO` then `rootLogger.level = ...`
                child = node[part] = {"": child}
            node = child
        leaf = (prop.value, prop.line)
        if isinstance(node.get(parts[-1]), dict):
            node[parts[-1]][""] = leaf
        else:
            node[parts[-1]] = leaf
    root = Element("Configuration", {}, 1)
    properties = Element("Properties", {}, 1)
    for name, leaf in _leaves(tree.get("property", {})):
        element = Element("Property", {"name": name, "value": leaf[0]}, leaf[1])
        properties.children.append(element)
    appenders = Element("Appenders", {}, 1)
    for _, subtree in _subtrees(tree.get("appender", {})):
        appenders.children.append(_component(subtree, "Appender"))
    loggers = Element("Loggers", {}, 1)
    root_logger = tree.get("rootLogger")
    if isinstance(root_logger, tuple):
        root_logger = {"": root_logger}
    if isinstance(root_logger, dict):
        shorthand = root_logger.get("")  # `rootLogger = INFO, STDOUT` (log4j 2.17+)
        if isinstance(shorthand, tuple) and "level" not in root_logger:
            root_logger = {**root_logger, "level": (shorthand[0].split(",")[0].strip(), shorthand[1])}
        loggers.children.append(_component({**root_logger, "type": ("Root", _first_line(root_logger))}, "Root"))
    for _, subtree in _subtrees(tree.get("logger", {})):
        loggers.children.append(_component({**subtree, "type": ("Logger", _first_line(subtree))}, "Logger"))
    root.children += [properties, appenders, loggers]
    return root


def _leaves(tree: object) -> list[tuple[str, tuple[str, int]]]:
    return [(k, v) for k, v in tree.items() if isinstance(v, tuple)] if isinstance(tree, dict) else []


def _subtrees(tree: object) -> list[tuple[str, dict]]:
    return [(k, v) for k, v in tree.items() if isinstance(v, dict)] if isinstance(tree, dict) else []


def _first_line(tree: dict) -> int:
    lines = [v[1] for v in tree.values() if isinstance(v, tuple)] + [_first_line(v) for v in tree.values() if isinstance(v, dict)]
    return min(lines, default=1)


def _component(tree: dict, default_tag: str) -> Element:
    kind = tree.get("type")
    tag = kind[0] if isinstance(kind, tuple) else default_tag
    attrs = {k.lower(): v[0] for k, v in _leaves(tree) if k not in ("type", "")}
    element = Element(tag, attrs, kind[1] if isinstance(kind, tuple) else _first_line(tree))
    for key, subtree in _subtrees(tree):
        if key.lower() == "appenderref":  # rootLogger.appenderRef.stdout.ref = STDOUT
            element.children += [_component({**ref, "type": ("AppenderRef", _first_line(ref))}, "AppenderRef")
                                 for _, ref in _subtrees(subtree)]
        else:
            element.children.append(_component(subtree, key))
    return element


def _yaml_tree(tag: str, node: yaml.Node, active: frozenset[int] = frozenset()) -> list[Element]:
    """log4j2 YAML/JSON: a mapping is an element, its scalars attributes, a list repeated elements.
    An alias inside itself, or nesting past 64 levels, is cut off."""
    if id(node) in active or len(active) > y.MAX_DEPTH:
        return []
    active = active | {id(node)}
    if y.is_sequence(node):
        return [element for item in y.items(node) for element in _yaml_tree(tag, item, active)]
    if not y.is_mapping(node):
        return []
    element = Element(tag, {}, y.line_of(node))
    for entry in y.entries(node):
        text = y.scalar(entry.value)
        if text is not None:
            element.attrs[entry.key.lower()] = text
        else:
            element.children += _yaml_tree(entry.key, entry.value, active)
    return [element]
